package loghost.store;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.DigestException;
import java.time.Clock;
import java.time.LocalDate;
import java.util.HexFormat;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One host's chain: assigns sequence numbers, computes digests and appends records to the current day file.
 * All appends to a host go through one instance, under its lock, so records of concurrent sessions never
 * interleave and the chain has one order.
 *
 * <p>Files are written through {@link RandomAccessFile}, not a {@code FileChannel}: MINA cancels a session's
 * thread with an interrupt, and an interrupted channel closes itself, which would take the host's log out of
 * service for every other session.
 */
public final class HostLog {

    private static final Logger LOG = LoggerFactory.getLogger(HostLog.class);
    private static final long DAY_MILLIS = 86_400_000L;
    private static final int OUT_SIZE = 64 * 1024;
    private static final byte[] NO_META = {'-'};

    private final String host;
    private final Path dir;
    private final DigestAlgorithm algorithm;
    private final RecordEncoder encoder;
    private final Clock clock;
    private final RecordTime time = new RecordTime();
    private final Object syncLock = new Object();
    private final SyncPolicy policy;

    private long lastSeq;
    private byte[] lastDigest;
    private byte[] nextDigest;
    private long fileDay = Long.MIN_VALUE;
    private long fileFirstSeq;
    private int fileVersion = FileHeader.CURRENT_VERSION;
    private RandomAccessFile file;
    // The current day file is closed while the host is idle (see syncOnce) and reopened by its next write: with
    // thousands of connected but quiet hosts, open files would otherwise be one per host.
    private boolean parked;
    // The day file whose fsync runs outside this log's lock (syncOnce), or null: a rollover waits for it.
    private RandomAccessFile syncing;
    private long fileSize;
    // Records of one append on their way to the file; null while the host is idle (see syncOnce).
    private byte[] out;
    private int outLength;
    private boolean dirty;
    // Records appended since the previous sweep: a sweep that finds none parks the day file (see sweep).
    private boolean appendedSinceSweep;
    private String broken;
    private long tornBytes;
    private boolean closed;
    private boolean unsealed;
    private StreamPositions streams;
    // Streams a session was admitted to, with how many sessions hold each: a new stream counts against the
    // cap from its HELLO on, not from its first record, so that HELLOs racing each other cannot pass it together.
    private final java.util.Map<String, Integer> admitted = new java.util.HashMap<>();

    private HostLog(String host, Path dir, DigestAlgorithm algorithm, Clock clock, SyncPolicy policy) {
        this.host = host;
        this.policy = policy;
        this.dir = dir;
        this.algorithm = algorithm;
        this.encoder = new RecordEncoder(algorithm);
        this.clock = clock;
        this.nextDigest = new byte[algorithm.length()];
    }

    /**
     * Opens the host's chain in {@code dir}, recovering its head from the newest day file: a torn final line
     * (a write cut short by a crash) is truncated and logged; anything else unexpected is a refusal.
     * A new chain uses {@code preferred}; an existing one keeps the algorithm its files were written with.
     */
    static HostLog open(String host, Path dir, Path streamState, DigestAlgorithm preferred, Clock clock,
            SyncPolicy policy) throws StorageException {
        try {
            StoreFiles.checkPrivateDirectory(dir.getParent(), "hosts directory");
            StoreFiles.createOrCheckPrivateDirectory(dir, "host directory");
            StoreFiles.removeUnfinishedDayFiles(dir);
            List<Path> dayFiles = StoreFiles.dayFiles(dir);
            for (Path f : dayFiles) {
                // Recovery reads them all (stream positions): none may lead outside the store.
                StoreFiles.checkPrivateFile(f, "day file");
            }
            StoreFiles.checkPrivateDirectory(streamState.getParent(), "streams directory");
            if (Files.exists(streamState, LinkOption.NOFOLLOW_LINKS)) {
                StoreFiles.checkPrivateFile(streamState, "stream state file");
            }
            Path newest = StoreFiles.newestDayFile(dir);
            HostLog log;
            if (newest == null) {
                log = new HostLog(host, dir, preferred, clock, policy);
                log.lastDigest = preferred.genesis(host);
            } else {
                log = recover(host, dir, newest, preferred, clock, policy);
            }
            // Compressed days too: a stream's last cseq may be only there when streams/HOST is lost.
            log.streams = StreamPositions.recover(dir, streamState, StoreFiles.storedDayFiles(dir));
            return log;
        } catch (IOException e) {
            throw new StorageException("cannot open log of host " + host + " in " + dir + ": " + e.getMessage(), e);
        }
    }

    private static HostLog recover(String host, Path dir, Path file, DigestAlgorithm preferred, Clock clock,
            SyncPolicy policy) throws IOException, StorageException {
        RandomAccessFile raf = StoreFiles.openDayFile(file);
        try {
            TailReader.Tail tail = TailReader.read(raf);
            FileHeader header;
            try {
                header = FileHeader.parse(tail.header());
            } catch (IllegalArgumentException e) {
                throw new StorageException(file + ": bad header: " + e.getMessage() + "; run loghost verify");
            }
            if (!header.host().equals(host)) {
                throw new StorageException(file + ": header names host " + header.host() + "; run loghost verify");
            }
            if (header.algorithm() != preferred) {
                LOG.warn("host={} keeps digest {} (configured {} applies to new hosts only)",
                        host, header.algorithm().headerName(), preferred.headerName());
            }
            HostLog log = new HostLog(host, dir, header.algorithm(), clock, policy);
            if (tail.tornBytes() > 0) {
                raf.setLength(tail.completeLength());
                raf.getFD().sync();
                LOG.warn("torn-tail host={} file={} truncated={} bytes (an incomplete last line from a crash)",
                        host, file.getFileName(), tail.tornBytes());
            }
            if (tail.lastLine() == null) {
                log.lastSeq = header.firstSeq() - 1;
                log.lastDigest = header.prevDigest();
            } else {
                RecordView view = new RecordView();
                byte[] line = tail.lastLine();
                String problem = view.parse(line, line.length, header.algorithm(), header.version());
                if (problem != null) {
                    throw new StorageException(file + ": last record is malformed (" + problem
                            + "); refusing to continue this chain; run loghost verify");
                }
                log.lastSeq = view.seq();
                log.lastDigest = view.digest();
                log.unsealed = !view.type().equals(RecordType.SEAL.word());
            }
            log.tornBytes = tail.tornBytes();
            log.file = raf;
            log.fileSize = tail.completeLength();
            log.fileDay = header.day().toEpochDay();
            log.fileFirstSeq = header.firstSeq();
            log.fileVersion = header.version();
            raf.seek(log.fileSize);
            return log;
        } catch (IOException | StorageException | RuntimeException e) {
            raf.close();
            throw e;
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
    // once; after this log's lock is released (sync() takes syncLock before it, never inside it).
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
        return new SealPoint(lastSeq, HexFormat.of().formatHex(lastDigest));
    }

    /** True when records were written after this chain's last seal record (or it has records and none). */
    public synchronized boolean unsealed() {
        return unsealed;
    }

    private AppendResult append(LineBatch batch, long now) throws StorageException {
        long day = Math.floorDiv(now, DAY_MILLIS);
        awaitSyncBeforeRollover(day);
        if (broken != null) {
            throw new StorageException("log of host " + host + " is out of service: " + broken);
        }
        if (closed) {
            throw new StorageException("log of host " + host + " is closed (server shutting down)");
        }
        int n = batch.count();
        if (n == 0) {
            return new AppendResult(lastSeq, 0, lastDigest.clone());
        }
        try {
            // A clock that steps back keeps writing to the current day file: the chain never reopens an old one.
            if (file == null && parked && day <= fileDay) {
                reopen();
            }
            if (file == null || day > fileDay) {
                startDayFile(day);
            }
        } catch (IOException e) {
            throw new StorageException("cannot start day file for host " + host + ": " + e.getMessage(), e);
        }
        if (out == null) {
            out = new byte[OUT_SIZE];
        }
        long startSeq = lastSeq;
        byte[] startDigest = lastDigest.clone();
        long startSize = fileSize;
        String stream = batch.streamId();
        long startCommitted = stream == null ? 0 : streams.last(stream);
        boolean assigned = false;
        try {
            // s= is the SEQ of the session's first record: assigned here, and taken back below if this batch
            // writes nothing (all duplicates), so that the next session cannot be given the same number.
            assigned = batch.perSession() && batch.sessionId() == 0;
            if (assigned) {
                batch.sessionId(lastSeq + 1);
            }
            byte[] meta = batch.perSession() ? ("s=" + batch.sessionId()).getBytes(StandardCharsets.US_ASCII) : NO_META;
            byte[] t = time.format(now);
            byte[] data = batch.data();
            int written = 0;
            if (stream == null) {
                for (int i = 0; i < n; i++) {
                    writeRecord(t, batch.type(i), meta, -1, data, batch.start(i), batch.end(i));
                }
                written = n;
            } else {
                // Exactly once: a client sequence number already in the log is never written again, whichever
                // session of the stream sends it.
                long committed = streams.last(stream);
                byte[] prefix = (new String(meta, StandardCharsets.US_ASCII) + ",c=" + stream + ":")
                        .getBytes(StandardCharsets.US_ASCII);
                for (int i = 0; i < n; i++) {
                    long c = batch.clientSeq(i);
                    if (c <= committed) {
                        continue;
                    }
                    writeRecord(t, batch.type(i), prefix, c, data, batch.start(i), batch.end(i));
                    written++;
                }
            }
            flushOut();
            if (assigned && written == 0) {
                batch.sessionId(0);
            }
            if (stream != null) {
                for (int i = n - 1; i >= 0; i--) {
                    streams.committed(stream, batch.clientSeq(i));
                }
            }
            dirty = true;
            appendedSinceSweep = true;
            if (written > 0) {
                unsealed = true;
            }
            if (out.length > 4 * OUT_SIZE) {
                out = new byte[OUT_SIZE];
            }
            return new AppendResult(lastSeq, written, lastDigest.clone());
        } catch (Throwable e) {
            // Whatever stopped the batch part way (a write error, or an exhausted JVM between two records), none
            // of it stays: records already written are cut off and the chain, the stream's position and the
            // output buffer are as before, so a retry writes each record once and the next one never follows
            // bytes that are not in the file.
            outLength = 0;
            lastSeq = startSeq;
            lastDigest = startDigest;
            if (stream != null) {
                streams.reset(stream, startCommitted);
            }
            try {
                file.setLength(startSize);
                file.seek(startSize);
                fileSize = startSize;
            } catch (IOException | RuntimeException cut) {
                broken = "could not remove a partial write: " + cut.getMessage();
                e.addSuppressed(cut);
                LOG.error("storage-broken host={} reason=\"{}\"", host, broken);
            }
            if (e instanceof IOException || e instanceof DigestException) {
                throw new StorageException("write to log of host " + host + " failed: " + e.getMessage(), e);
            }
            if (e instanceof RuntimeException unchecked) {
                throw unchecked;
            }
            throw (Error) e; // nothing else can leave the block above
        }
    }

    // META is {@code meta}, followed by the decimal {@code clientSeq} when it is not negative (acknowledged mode).
    private void writeRecord(byte[] t, RecordType type, byte[] meta, long clientSeq, byte[] msg, int msgStart,
                             int msgEnd) throws IOException, DigestException {
        int msgLength = msgEnd - msgStart;
        if (Escaping.mayDifferIn(fileVersion, msg, msgStart, msgLength)) {
            // A day file keeps the escaping rule of its header's version (an upgrade does not change it mid-day).
            msg = Escaping.reescape(msg, msgStart, msgLength, fileVersion);
            msgStart = 0;
            msgLength = msg.length;
        }
        int need = encoder.maxLength(t.length, meta.length, msgLength);
        if (out.length - outLength < need) {
            flushOut();
            if (out.length < need) {
                out = new byte[need];
            }
        }
        long seq = lastSeq + 1;
        outLength = encoder.encode(seq, t, type, meta, clientSeq, msg, msgStart, msgLength, lastDigest, nextDigest, out,
                outLength);
        byte[] swap = lastDigest;
        lastDigest = nextDigest;
        nextDigest = swap.length == lastDigest.length ? swap : new byte[lastDigest.length];
        lastSeq = seq;
    }

    private void flushOut() throws IOException {
        file.write(out, 0, outLength);
        fileSize += outLength;
        outLength = 0;
    }

    // The old file stays the current one until the new one exists: a failed creation (a full disk at midnight)
    // leaves this chain exactly as it was, writing on (if the clock steps back) or retrying at the next append.
    private void startDayFile(long day) throws IOException {
        if (file != null) {
            finishDayFile();
        }
        // A parked file was synced before it was closed (only a clean file is parked): nothing to finish.
        LocalDate date = LocalDate.ofEpochDay(day);
        FileHeader header = new FileHeader(host, date, algorithm, lastSeq + 1, lastDigest);
        byte[] headerLine = (header.toLine() + "\n").getBytes(StandardCharsets.US_ASCII);
        Path path = dir.resolve(StoreFiles.dayFileName(date));
        StoreFiles.createDayFile(path, headerLine);
        RandomAccessFile created = StoreFiles.openDayFile(path);
        if (file != null) {
            closeSynced(file);
        }
        file = created;
        parked = false;
        fileSize = headerLine.length;
        file.seek(fileSize);
        fileDay = day;
        fileFirstSeq = lastSeq + 1;
        fileVersion = header.version();
        LOG.info("day-file host={} file={} seq={}", host, path.getFileName(), lastSeq + 1);
    }

    /**
     * The one place a day file ends (docs/FORMAT.md, "Compressed day files and the manifest"), whether a record of a later day or the
     * housekeeping timer closes it: its records are forced to disk, since the next header names the last one.
     * No seal record is written here: a day's records are sealed by the epoch they fall in, and an epoch ends at
     * every midnight (docs/FORMAT.md, "Compressed day files and the manifest").
     */
    private void finishDayFile() throws IOException {
        try {
            file.getFD().sync();
        } catch (IOException e) {
            broken = "fsync failed: " + e.getMessage();
            LOG.error("storage-broken host={} reason=\"{}\"", host, broken);
            throw e;
        }
    }

    /**
     * Closes the current day file if its UTC day is over and it holds a record, by starting the next day's file (a
     * header only), as the first record of a later day would; true when it did. A file that holds no record is
     * left open, so a host that stays silent gets no new file day after day.
     */
    public synchronized boolean closeDayIfOver() throws StorageException {
        long day = Math.floorDiv(clock.millis(), DAY_MILLIS);
        awaitSyncBeforeRollover(day);
        if (closed || broken != null || (file == null && !parked) || lastSeq < fileFirstSeq) {
            return false;
        }
        if (day <= fileDay) {
            return false;
        }
        try {
            // The day after the closed file's (today, unless the server was down): a record the clock then steps
            // back into this file is of a day no later than the file before it, as verify requires.
            startDayFile(fileDay + 1);
        } catch (IOException e) {
            throw new StorageException("cannot close day file of host " + host + ": " + e.getMessage(), e);
        }
        return true;
    }

    /**
     * Waits, before a record of {@code day} or the housekeeping timer would end the current day file, for an fsync
     * of that file still running outside the lock to finish. Two fsyncs of one file at once would share one
     * writeback error between them: Linux reports it to one caller only, so the other could report records on
     * disk that are not, or the rollover could close the file under a failing sync. The caller decides whether
     * to roll over only after this returns, under the lock, since the wait lets other appends in.
     */
    private void awaitSyncBeforeRollover(long day) throws StorageException {
        while (syncing != null && syncing == file && day > fileDay) {
            try {
                wait();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new StorageException("interrupted while the log of host " + host + " was being synced", e);
            }
        }
    }

    /**
     * Forces written records to disk if any were written since the last sync. The fsync runs outside the host's
     * lock, so appends go on meanwhile (group commit); the next sync covers them.
     */
    public void sync() throws StorageException {
        // One sync at a time: a caller that finds nothing dirty while another's fsync is still running must wait
        // for it, because that fsync is what covers the caller's records (an ACK may follow this return).
        synchronized (syncLock) {
            syncOnce(false);
        }
    }

    /**
     * The periodic sweep of the sync policy: syncs what was written since the last sync and, when nothing was
     * appended since the previous sweep, closes the day file (it is reopened by the next write).
     */
    public void sweep() throws StorageException {
        synchronized (syncLock) {
            syncOnce(true);
        }
    }

    private void syncOnce(boolean sweep) throws StorageException {
        RandomAccessFile synced;
        String day;
        long size;
        java.util.Map<String, Long> positions;
        synchronized (this) {
            if (broken != null) {
                // Records appended before a failed fsync are not known to be on disk: never report them synced.
                throw new StorageException("log of host " + host + " is out of service: " + broken);
            }
            boolean idle = sweep && !appendedSinceSweep;
            if (sweep) {
                appendedSinceSweep = false;
            }
            if (!dirty || file == null) {
                if (idle) {
                    // Nothing appended since the previous sweep: the host is idle, so its output buffer and its
                    // open file go, and with thousands of connected hosts that is most of them. (Not on a caller's
                    // own sync: with every write synced, that would close a busy host's file after each append.)
                    out = null;
                    park();
                }
                return;
            }
            synced = file;
            syncing = file;
            dirty = false;
            day = StoreFiles.dayFileName(LocalDate.ofEpochDay(fileDay));
            size = fileSize;
            positions = streams.snapshot();
        }
        IOException failed = null;
        try {
            synced.getFD().sync();
        } catch (IOException e) {
            failed = e;
        } finally {
            synchronized (this) {
                syncing = null;
                if (failed != null) {
                    // After a failed fsync the kernel may have dropped the pages: nothing written since is
                    // trustworthy. (No rollover closed the file meanwhile: it waits for this fsync.)
                    broken = "fsync failed: " + failed.getMessage();
                    LOG.error("storage-broken host={} reason=\"{}\"", host, broken);
                }
                notifyAll();
            }
        }
        if (failed != null) {
            throw new StorageException("fsync of host " + host + " failed: " + failed.getMessage(), failed);
        }
        try {
            // Positions as of the synced size only: a later position could name a record that is not durable.
            streams.save(day, size, positions);
        } catch (IOException e) {
            // The log is intact; recovery falls back to scanning it.
            LOG.warn("stream-state-not-saved host={} reason=\"{}\"", host, e.getMessage());
        }
    }

    // Closes the current day file of an idle host; everything in it was synced (the caller checked it is clean).
    private void park() {
        if (file == null || closed) {
            return;
        }
        closeSynced(file);
        file = null;
        parked = true;
    }

    // Closes a day file whose records were all synced: a failure loses nothing, and the descriptor is released
    // either way, so it is only logged.
    private void closeSynced(RandomAccessFile f) {
        try {
            f.close();
        } catch (IOException e) {
            LOG.warn("day-file-close-failed host={} reason=\"{}\"", host, e.getMessage());
        }
    }

    // Opens the parked day file again for the next write. It must be exactly as it was left: a file that changed
    // meanwhile is not written to (the log goes out of service, as after any doubt about what is on disk).
    private void reopen() throws IOException {
        Path path = dir.resolve(StoreFiles.dayFileName(LocalDate.ofEpochDay(fileDay)));
        RandomAccessFile raf = StoreFiles.openDayFile(path);
        long length;
        try {
            length = raf.length();
            if (length == fileSize) {
                raf.seek(fileSize);
                file = raf;
                parked = false;
                return;
            }
        } catch (IOException e) {
            raf.close();
            throw e;
        }
        raf.close();
        broken = "day file " + path.getFileName() + " changed while closed: " + length + " bytes, " + fileSize
                + " written";
        LOG.error("storage-broken host={} reason=\"{}\"", host, broken);
        throw new IOException(broken);
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
        if (file != null) {
            try {
                file.close();
            } catch (IOException e) {
                throw new StorageException("close of host " + host + " failed: " + e.getMessage(), e);
            } finally {
                file = null;
            }
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
        if (!streams.has(stream) && !admitted.containsKey(stream)) {
            int count = streams.count();
            for (String s : admitted.keySet()) {
                if (!streams.has(s)) {
                    count++;
                }
            }
            if (count >= max) {
                return false;
            }
        }
        admitted.merge(stream, 1, Integer::sum);
        return true;
    }

    /** Ends one admission of {@link #admitStream}: a stream left without a record no longer counts. */
    public synchronized void leaveStream(String stream) {
        admitted.computeIfPresent(stream, (s, n) -> n == 1 ? null : n - 1);
    }

    /** How many streams have records in this log. */
    public synchronized int streamCount() {
        return streams.count();
    }

    /** True once a failed write or fsync took this chain out of service (logged then as storage-broken). */
    synchronized boolean outOfService() {
        return broken != null;
    }

    /** The host this chain belongs to. */
    public String host() {
        return host;
    }

    /** The digest algorithm of this chain. */
    public DigestAlgorithm algorithm() {
        return algorithm;
    }

    /** Sequence number of the newest record (0 for an empty chain). */
    public synchronized long lastSeq() {
        return lastSeq;
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
