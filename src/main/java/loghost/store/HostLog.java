package loghost.store;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.DigestException;
import java.time.Clock;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;

/**
 * One host's chain: assigns sequence numbers, computes digests and appends records to the current day file.
 * All appends to a host go through one instance, under its lock, so records of concurrent sessions never
 * interleave and the chain has one order. The lock is this log's own: no caller takes it (pull and the loghost's
 * own streams use {@link #appendNext}).
 *
 * <p>It only sequences its parts under that lock: the {@link ChainHead} (SEQ and digest), the {@link DayFile}
 * (create, append, park, roll, cut back), the records of a batch ({@link BatchRecords}), the streams' positions
 * and admissions. {@link ChainRecovery} builds them when the log is opened; {@link DaySync} forces the day file to
 * disk outside this log's lock. Lock order: the sync's own lock (one sync at a time), then this log.
 */
public final class HostLog {

    private static final long DAY_MILLIS = 86_400_000L;

    private final String host;
    private final Clock clock;
    private final SyncPolicy policy;
    private final ChainHead head;
    private final DayFile file;
    private final StreamPositions streams;
    private final StreamAdmissions admissions = new StreamAdmissions();
    private final long tornBytes;
    private final DaySync daySync;
    private final BatchRecords records;
    private boolean unsealed;
    private boolean closed;

    private HostLog(String host, Clock clock, SyncPolicy policy, ChainRecovery.Recovered recovered) {
        this.host = host;
        this.clock = clock;
        this.policy = policy;
        this.head = recovered.head();
        this.file = recovered.file();
        this.streams = recovered.streams();
        this.tornBytes = recovered.tornBytes();
        this.unsealed = recovered.unsealed();
        this.daySync = new DaySync(host, this, file, streams);
        this.records = new BatchRecords(head, file, streams);
    }

    /**
     * Opens the host's chain in {@code dir}, recovering its head from the newest day file: a torn final line
     * (a write cut short by a crash) is truncated and logged; anything else unexpected is a refusal.
     * A new chain uses {@code preferred}; an existing one keeps the algorithm its files were written with.
     */
    static HostLog open(String host, Path dir, Path streamState, DigestAlgorithm preferred, Clock clock,
            SyncPolicy policy) throws StorageException {
        try {
            return new HostLog(host, clock, policy, ChainRecovery.recover(host, dir, streamState, preferred));
        } catch (IOException e) {
            throw new StorageException("cannot open log of host " + host + " in " + dir + ": " + e.getMessage(), e);
        }
    }

    /** Bytes of a torn final line removed when this chain was opened (0 when none). */
    public long tornBytesRepaired() {
        return tornBytes;
    }

    /**
     * Chains and writes every message of {@code batch}, all stamped with one receive time; on failure the file is
     * cut back to where it was, so no partial record remains, and the chain head is unchanged. With the sync
     * policy's every-write setting the records are on disk when this returns.
     */
    public AppendResult append(LineBatch batch) throws StorageException {
        AppendResult r;
        synchronized (this) {
            r = append(batch, clock.millis());
        }
        syncIfEveryWrite(r.records());
        return r;
    }

    /**
     * Adds one record of {@code type} to {@code batch}'s stream, numbered one after the stream's last, and appends
     * the batch: the number and the append as one step under the host's lock, which no caller takes itself (the
     * loghost's own streams, pull's marks). With the every-write setting the records are on disk when this returns.
     */
    public AppendResult appendNext(LineBatch batch, RecordType type, byte[] text) throws StorageException {
        AppendResult r;
        synchronized (this) {
            batch.add(type, text, 0, text.length, streams.last(batch.streamId()) + 1);
            r = append(batch, clock.millis());
        }
        syncIfEveryWrite(r.records());
        return r;
    }

    // The sync of the every-write policy, through sync() like any other so that two fsyncs of one file never run at
    // once; after this log's lock is released (the sync's own lock is taken before it, never inside it).
    private void syncIfEveryWrite(int records) throws StorageException {
        if (!policy.everyWrite() || records == 0) {
            return;
        }
        long start = System.nanoTime();
        sync();
        policy.writeSynced().accept(System.nanoTime() - start);
    }

    /**
     * Appends a {@code seal} record for {@code epoch} stamped {@code millis} (docs/FORMAT.md, "Seals and
     * checkpoints") when this chain has records after its last seal; returns the sealed point, or null when there
     * was nothing to seal.
     */
    public synchronized SealPoint seal(long epoch, long millis) throws StorageException {
        if (!unsealed) {
            return null;
        }
        LineBatch batch = new LineBatch(false);
        byte[] message = ("epoch=" + epoch).getBytes(StandardCharsets.US_ASCII);
        batch.add(RecordType.SEAL, message, 0, message.length);
        append(batch, millis);
        unsealed = false;
        // The sealer syncs every chain it sealed before it signs the checkpoint (Sealer), under any policy.
        return new SealPoint(head.seq(), HexFormat.of().formatHex(head.digest()));
    }

    /** True when records were written after this chain's last seal record (or it has records and none). */
    public synchronized boolean unsealed() {
        return unsealed;
    }

    private AppendResult append(LineBatch batch, long now) throws StorageException {
        long day = Math.floorDiv(now, DAY_MILLIS);
        daySync.awaitBeforeRollover(day);
        file.checkInService();
        if (closed) {
            throw new StorageException("log of host " + host + " is closed (server shutting down)");
        }
        int n = batch.count();
        if (n == 0) {
            return new AppendResult(head.seq(), 0, head.digest());
        }
        try {
            file.openFor(day, head);
        } catch (IOException e) {
            throw new StorageException("cannot start day file for host " + host + ": " + e.getMessage(), e);
        }
        ChainHead.Mark start = head.mark();
        long startSize = file.size();
        String stream = batch.streamId();
        long startCommitted = stream == null ? 0 : streams.last(stream);
        // A batch of several streams (one session's journals): each one's position, to put back if it fails.
        Map<String, Long> before = batch.mixedStreams() ? new HashMap<>() : null;
        for (int i = 0; before != null && i < n; i++) {
            before.computeIfAbsent(batch.streamOf(i), streams::last);
        }
        try {
            // s= is the SEQ of the session's first record: assigned here, and taken back below if this batch
            // writes nothing (all duplicates), so that the next session cannot be given the same number.
            boolean assigned = batch.perSession() && batch.sessionId() == 0;
            if (assigned) {
                batch.sessionId(head.seq() + 1);
            }
            int written = records.write(batch, now);
            file.endAppend();
            if (assigned && written == 0) {
                batch.sessionId(0);
            }
            if (stream != null) {
                for (int i = n - 1; i >= 0; i--) {
                    streams.committed(batch.streamOf(i), batch.clientSeq(i));
                }
            }
            if (written > 0) {
                unsealed = true;
            }
            return new AppendResult(head.seq(), written, head.digest());
        } catch (Throwable e) {
            // Whatever stopped the batch part way (a write error, or an exhausted JVM between two records), none
            // of it stays: records already written are cut off and the chain, the stream's position and the
            // output buffer are as before, so a retry writes each record once and the next one never follows
            // bytes that are not in the file.
            head.reset(start);
            if (before != null) {
                before.forEach(streams::reset);
            } else if (stream != null) {
                streams.reset(stream, startCommitted);
            }
            file.cutBack(startSize, e);
            throw writeFailed(e);
        }
    }

    // The append's failure as the caller sees it: a write or digest error as a StorageException, anything else
    // (unchecked, or an Error) as it was.
    private StorageException writeFailed(Throwable e) {
        if (e instanceof IOException || e instanceof DigestException) {
            return new StorageException("write to log of host " + host + " failed: " + e.getMessage(), e);
        }
        if (e instanceof RuntimeException unchecked) {
            throw unchecked;
        }
        throw (Error) e; // nothing else can leave the append
    }

    /**
     * Closes the current day file if its UTC day is over and it holds a record, by starting the next day's file (a
     * header only), as the first record of a later day would; true when it did. A file that holds no record is
     * left open, so a host that stays silent gets no new file day after day.
     */
    public synchronized boolean closeDayIfOver() throws StorageException {
        long day = Math.floorDiv(clock.millis(), DAY_MILLIS);
        daySync.awaitBeforeRollover(day);
        if (closed || file.broken() != null || !file.holdsRecord(head.seq()) || day <= file.day()) {
            return false;
        }
        try {
            // The day after the closed file's (today, unless the server was down): a record the clock then steps
            // back into this file is of a day no later than the file before it, as verify requires.
            file.start(file.day() + 1, head);
        } catch (IOException e) {
            throw new StorageException("cannot close day file of host " + host + ": " + e.getMessage(), e);
        }
        return true;
    }

    /**
     * Forces written records to disk if any were written since the last sync. The fsync runs outside the host's
     * lock, so appends go on meanwhile (group commit); the next sync covers them.
     */
    public void sync() throws StorageException {
        daySync.sync(false);
    }

    /**
     * The periodic sweep of the sync policy: syncs what was written since the last sync and, when nothing was
     * appended since the previous sweep, closes the day file (it is reopened by the next write).
     */
    public void sweep() throws StorageException {
        daySync.sync(true);
    }

    /** Syncs and closes the current day file. */
    public void close() throws StorageException {
        synchronized (this) {
            closed = true;
        }
        try {
            sync();
        } finally {
            closeFile(); // also when out of service: the file is closed either way
        }
    }

    private synchronized void closeFile() throws StorageException {
        try {
            file.close();
        } catch (IOException e) {
            throw new StorageException("close of host " + host + " failed: " + e.getMessage(), e);
        }
    }

    /** The last client sequence number of an acknowledged stream in this log (0 when none). */
    public synchronized long streamPosition(String stream) {
        return streams.last(stream);
    }

    /** True when {@code stream} has a record in this log. */
    public synchronized boolean hasStream(String stream) {
        return streams.has(stream);
    }

    /**
     * Admits one session to {@code stream}: true when this log holds the stream, or holds fewer than {@code max}
     * streams counting those admitted without a record yet; the session then counts until {@link #leaveStream}.
     * The check and the admission are one step under the host's lock, so concurrent sessions never pass the cap.
     */
    public synchronized boolean admitStream(String stream, int max) {
        return admissions.admit(streams, stream, max);
    }

    /** Ends one admission of {@link #admitStream}: a stream left without a record no longer counts. */
    public synchronized void leaveStream(String stream) {
        admissions.leave(stream);
    }

    /** How many streams have records in this log. */
    public synchronized int streamCount() {
        return streams.count();
    }

    /** True once a failed write or fsync took this chain out of service (logged then as storage-broken). */
    synchronized boolean outOfService() {
        return file.broken() != null;
    }

    /** The host this chain belongs to. */
    public String host() {
        return host;
    }

    /** The digest algorithm of this chain. */
    public DigestAlgorithm algorithm() {
        return head.algorithm();
    }

    /** Sequence number of the newest record (0 for an empty chain). */
    public synchronized long lastSeq() {
        return head.seq();
    }

    /** A seal record just written: its SEQ and its chain digest in lowercase hex. */
    public record SealPoint(long seq, String digestHex) {
    }

    /**
     * What an append did: the seq of the newest record afterwards, how many records it added, and that record's
     * chain digest (the pair taken together, so another session's append cannot come between them).
     */
    public record AppendResult(long lastSeq, int records, byte[] lastDigest) {
    }
}
