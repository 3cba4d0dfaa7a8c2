package loghost.forward;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.Set;
import loghost.protocol.Frames;
import loghost.store.StoreFiles;

/**
 * The forwarder's on-disk queue. Sources append (never blocked by the network); entries are numbered, written
 * to segment files and fsynced in batches; the sender reads only entries already on disk, so a number the
 * loghost has seen is never given to another line after a crash. A segment is deleted once every destination has
 * acknowledged it, or once one has and the segment is older than {@code forward.destination-max-lag} or its room
 * is needed: a destination that is down holds the others back that long at most ({@link Destinations}). When the
 * spool is full, new lines are counted, not kept, and a gap entry saying how many and when is added as soon as
 * there is room again. Beside the segments: {@code stream-id} ({@link StreamIdentity}) and {@code spool-state}
 * ({@link SpoolState}: the highest cseq ever numbered, the sources' positions, each destination's stream and
 * acknowledged cseq); a directory {@code receipts/} is reserved for the loghosts' signed receipts (docs/PROTOCOL.md,
 * "The spool on disk"). Entries are laid out as {@link SpoolEntry} says.
 *
 * <p>This class only sequences its parts: {@link Segments} (the files, numbering, fsync), {@link SyncGate} (what
 * is on disk, senders waiting for it, the failure), {@link GroupCommit} (the fsync thread), {@link Destinations}
 * and {@link Acknowledgements} (delivery state per destination, the lag rule), {@link Retention} (deletions and
 * the state file's saves), {@link SpoolState} (the state file's content), {@link DroppedLines} and
 * {@link SpoolReader}.
 *
 * <p>Locks, in the only order they are ever taken (a thread holding one never waits for one above it):
 * <ol>
 *   <li>{@code Retention.stateLock}: serialises saves of the state file (content taken under the monitor, written
 *       after it with the segment fsync and, in trim, the deletions), so that a save never overtakes a later one.
 *       </li>
 *   <li>this object's monitor (Retention, Acknowledgements and SpoolReader take it too): the segments, the
 *       destinations, the state in memory, the dropped-lines count, and the room sources wait for
 *       ({@code wait}/{@code notifyAll}). No fsync, state-file write or deletion is done under it, except the start
 *       of a segment (once per segment: fsync of the one finished, creation of the next) and close().</li>
 *   <li>{@code Segments.forceLock}: fsyncs and the closing of a segment, one at a time.</li>
 *   <li>the {@link SyncGate}'s monitor: the synced cseq, senders' wake-ups, the failure (innermost).</li>
 * </ol>
 * {@link GroupCommit}'s monitor guards only its request flag and is held alone.
 */
final class Spool implements AutoCloseable {

    private static final long MAX_SEGMENT_BYTES = 8L << 20;

    private final Path dir;
    private final long maxBytes;
    private final long segmentBytes;
    private final FileChannel lockChannel;
    private final SpoolState state;
    private final SyncGate gate;
    private final Segments segments;
    private final Destinations destinations = new Destinations();
    private final DroppedLines dropped = new DroppedLines();
    private final SpoolReader reader;
    private final Retention retention;
    private final GroupCommit commits;
    private final Acknowledgements acknowledgements;

    private Spool(Path dir, long maxBytes, FileChannel lockChannel) throws IOException {
        this.dir = dir;
        this.maxBytes = maxBytes;
        // Several segments fit in the spool, so acknowledged ones can be deleted while it is in use.
        this.segmentBytes = Math.max(4096, Math.min(MAX_SEGMENT_BYTES, maxBytes / 4));
        this.lockChannel = lockChannel;
        this.state = SpoolState.load(dir);
        this.gate = new SyncGate(dir, 0);
        this.segments = Segments.recover(dir, segmentBytes, state, gate);
        gate.synced(segments.lastCseq());
        this.reader = new SpoolReader(this, segments, gate);
        this.retention = new Retention(this, segments, destinations, state, gate, reader, maxBytes);
        this.acknowledgements = new Acknowledgements(this, destinations, segments, retention, state);
        this.commits = new GroupCommit(this::sync);
    }

    /**
     * Opens (or creates) the spool in {@code dir}, recovering entries and cutting off a torn last entry; any other
     * bad entry is corruption and throws {@link SpoolFailedException}: nothing is dropped silently.
     */
    static Spool open(Path dir, long maxBytes) throws IOException {
        StoreFiles.createPrivateDirectory(dir);
        FileChannel lock = lock(dir);
        try {
            return new Spool(dir, maxBytes, lock);
        } catch (IOException | RuntimeException e) {
            lock.close();
            throw e;
        }
    }

    // Two forwarders on one spool would number entries twice and interleave segments: the second one is refused.
    // The lock is the kernel's, so a forwarder killed with kill -9 leaves none behind.
    private static FileChannel lock(Path dir) throws IOException {
        FileChannel ch = FileChannel.open(dir.resolve("lock"), Set.of(StandardOpenOption.CREATE,
                StandardOpenOption.WRITE), PosixFilePermissions.asFileAttribute(
                        PosixFilePermissions.fromString("rw-------")));
        if (ch.tryLock() == null) {
            ch.close();
            throw new IOException("spool " + dir + " is in use by another loghost forward; give each its own --spool");
        }
        return ch;
    }

    /**
     * Asks for an fsync soon, without waiting for it: sources call this so that a slow disk never stops them
     * reading (a FIFO writer such as rsyslog's ompipe reorders lines when the pipe fills up).
     */
    void requestSync() {
        commits.request();
        wakeSenders(); // an idle sender syncs itself rather than wait for the fsync thread to be scheduled
    }

    /**
     * The largest piece of a line one entry may hold: 1 MiB, or less in a spool too small for that to wait for
     * room safely (half a segment, an eighth of the spool), so a source that waits never has to drop a line.
     */
    int maxPiece() {
        return (int) Math.max(1024, Math.min(LineCutter.MAX_PIECE, segmentBytes / 2));
    }

    /** Where {@code source} had been read up to, by its newest entry or position kept (-1 when unknown). */
    synchronized long sourceOffset(String source) {
        SpoolState.Position p = state.position(source);
        return p == null ? -1 : p.offset();
    }

    /** The source whose name starts with {@code prefix} that was positioned last, and its offset; null if none. */
    synchronized Map.Entry<String, Long> newestSourceOffset(String prefix) {
        Map.Entry<String, SpoolState.Position> e = state.newest(prefix);
        return e == null ? null : Map.entry(e.getKey(), e.getValue().offset());
    }

    /**
     * Keeps where {@code source} is to be read from, durably, before any line from there is spooled: a first
     * start's position, or 0 after the file was replaced or truncated, survives a restart that comes first.
     */
    void keepSourceOffset(String source, long offset) throws IOException {
        retention.saveAfter(() -> state.keep(source, offset, segments.lastCseq()));
    }

    /** Throws the spool's failure, once a write or fsync of it failed: the forwarder must stop. */
    void checkFailed() throws SpoolFailedException {
        gate.checkFailed();
    }

    /** What each destination acknowledged and is delivered as. */
    Acknowledgements acknowledgements() {
        return acknowledgements;
    }

    /** The directory this spool lives in. */
    Path dir() {
        return dir;
    }

    /**
     * The cseq after which a new stream would have to start to carry every entry still in the spool (a spool that
     * never had a stream id).
     */
    synchronized long unacknowledgedBase() {
        return segments.lowest() - 1;
    }

    /** The lowest cseq still in the spool ({@link #lastCseq} + 1 when it holds none). */
    synchronized long lowestHeld() {
        return segments.lowest();
    }

    /**
     * Appends a line or mark; returns its cseq, or 0 if the spool was full and the line was counted as dropped.
     * Never blocks on the network.
     */
    long append(byte kind, String source, long sourceOffset, byte[] data) throws IOException {
        long now = System.currentTimeMillis();
        int size = SpoolEntry.size(source, data.length);
        long cseq = appendIfPlain(kind, source, sourceOffset, data, now, size);
        if (cseq > 0) {
            return cseq;
        }
        makeRoom(size);
        synchronized (this) {
            if (!recordGap(size) || !hasRoom(size)) {
                return dropped.drop(now, maxBytes);
            }
            return segments.write(kind, source, sourceOffset, data, now);
        }
    }

    /**
     * Appends an entry that is worth nothing once late (a heartbeat) if there is room; never counted as dropped.
     * Returns its cseq, or 0 if there was no room.
     */
    long appendIfRoom(byte kind, byte[] data) throws IOException {
        int size = SpoolEntry.size(null, data.length);
        makeRoom(size);
        synchronized (this) {
            if (dropped.pending() || !hasRoom(size)) {
                return 0;
            }
            return segments.write(kind, null, -1, data, System.currentTimeMillis());
        }
    }

    /**
     * Appends, waiting for room when the spool is full, for sources that lose nothing by waiting (a file on
     * disk, a stdin pipe). An entry that could never fit is counted as dropped instead.
     */
    long appendWaiting(byte kind, String source, long sourceOffset, byte[] data)
            throws IOException, InterruptedException {
        int size = SpoolEntry.size(source, data.length);
        long cseq = appendIfPlain(kind, source, sourceOffset, data, System.currentTimeMillis(), size);
        if (cseq > 0) {
            return cseq;
        }
        if (size <= maxBytes / 2) {
            while (!hasRoom(size)) {
                if (makeRoom(size)) {
                    continue;
                }
                // Room comes from acknowledgements, which need what is spooled to be synced and sent first.
                requestSync();
                synchronized (this) {
                    if (!hasRoom(size)) {
                        wait(1000); // trim() notifies once it freed room
                    }
                }
            }
        }
        return append(kind, source, sourceOffset, data);
    }

    // The usual case, in one hold of the monitor per line: there is room and no gap entry waits. Returns the cseq,
    // or 0 when the caller must take the slow path (make room, record the gap, or drop).
    private synchronized long appendIfPlain(byte kind, String source, long sourceOffset, byte[] data, long now,
                                            int size) throws IOException {
        if (dropped.pending() || segments.totalBytes() + size > maxBytes) {
            return 0;
        }
        return segments.write(kind, source, sourceOffset, data, now);
    }

    private synchronized boolean hasRoom(int size) {
        return segments.totalBytes() + size <= maxBytes;
    }

    // Writes the pending gap entry if it fits with reserve more bytes; false if it does not. Under the monitor.
    private boolean recordGap(int reserve) throws IOException {
        if (!dropped.pending()) {
            return true;
        }
        byte[] gap = dropped.gapText();
        if (segments.totalBytes() + SpoolEntry.size(null, gap.length) + reserve > maxBytes) {
            return false;
        }
        segments.write(Frames.GAP, null, -1, gap, System.currentTimeMillis());
        dropped.recorded();
        return true;
    }

    /** True while lines were dropped and the gap entry saying so is not yet spooled. */
    synchronized boolean gapPending() {
        return dropped.pending();
    }

    /** Hands written entries to the operating system (one write per source read; fsync is {@link #sync}). */
    synchronized void flush() throws IOException {
        gate.checkFailed();
        segments.writeCurrent();
    }

    /** Writes buffered entries and fsyncs them; entries up to the returned cseq may now be sent. */
    long sync() throws IOException {
        long upTo;
        SegmentWriter file;
        synchronized (this) {
            gate.checkFailed();
            if (segments.current() == null) {
                return gate.synced();
            }
            segments.writeCurrent();
            upTo = segments.lastCseq();
            file = segments.current();
        }
        segments.force(file); // outside the monitor so that sources keep appending meanwhile
        gate.synced(upTo);
        return upTo;
    }

    /**
     * Waits up to {@code millis} for entries beyond {@code cseq} to be on disk, or for {@link #wakeSenders}; returns
     * the synced cseq.
     */
    long awaitSynced(long cseq, long millis) throws InterruptedException, SpoolFailedException {
        return gate.await(cseq, millis);
    }

    /**
     * Wakes the senders waiting in {@link #awaitSynced}: something they decide on changed (an acknowledgement, the
     * source's end), so a stdin run ends when its last ACK arrives rather than at the next poll.
     */
    void wakeSenders() {
        gate.wakeSenders();
    }

    /**
     * The synced cseq, after an fsync here if entries beyond {@code cseq} are appended but not yet synced: a sender
     * with nothing to send does the sync itself, one thread hand-off fewer per line when lines come one at a time.
     */
    long syncIfBehind(long cseq) throws IOException {
        gate.checkFailed();
        long synced = gate.synced();
        if (synced > cseq || lastCseq() <= cseq) {
            return synced;
        }
        return sync();
    }

    /** The highest cseq appended so far. */
    synchronized long lastCseq() {
        return segments.lastCseq();
    }

    /**
     * Deletes the segments the rule lets go ({@link Retention#trim}), then spools the gap entry if that made room
     * for it and wakes the sources waiting for room. Called without the monitor. Returns true when room was made.
     */
    boolean trim(int needBytes) throws IOException {
        boolean freed = retention.trim(needBytes);
        boolean wroteGap;
        synchronized (this) {
            wroteGap = dropped.pending() && recordGap(0) && !dropped.pending();
            notifyAll();
        }
        if (wroteGap) {
            sync();
        }
        return freed;
    }

    // Called from the sources, without the monitor: frees room by the rule before a line waits or is dropped.
    private boolean makeRoom(int size) throws IOException {
        return !hasRoom(size) && trim(size);
    }

    /**
     * Reports (once, loudly) each destination that lacks an entry another destination acknowledged and that was
     * spooled longer than the max lag ago: from then on the spool no longer keeps such entries for it.
     */
    void checkLag() throws IOException {
        retention.checkLag();
        trim(0);
    }

    /**
     * Saves the destinations' positions if one moved since the last save, so that the spool state a restart reads
     * (or an operator) is at most one checkpoint old. A stale position only means entries are sent again and
     * dropped by that loghost as duplicates.
     */
    void checkpoint() throws IOException {
        retention.checkpoint();
    }

    /** Where one reader (a destination's sender) stopped, so that reading on does not rescan a segment. */
    static final class Cursor {
        long cseq = -1;
        long segment;
        long offset;
    }

    /**
     * Reads synced entries with cseq greater than {@code after}: up to {@code max} of them and, beyond the first,
     * no more than {@code maxBytes} of data in all (an entry may hold 1 MiB: a count alone does not bound memory).
     * Their cseqs are consecutive: a batch ends where the spool no longer holds the next one.
     */
    List<SpoolEntry> read(Cursor cursor, long after, int max, long maxBytes, long syncedUpTo) throws IOException {
        return reader.read(cursor, after, max, maxBytes, syncedUpTo);
    }

    @Override
    public void close() throws IOException {
        commits.stop();
        try {
            retention.close();
        } finally {
            lockChannel.close();
        }
    }
}
