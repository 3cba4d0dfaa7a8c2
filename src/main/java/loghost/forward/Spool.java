package loghost.forward;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import loghost.protocol.Frames;
import loghost.store.StoreFiles;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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
 * "The spool on disk").
 *
 * <p>Entries are laid out as {@link SpoolEntry} says.
 */
final class Spool implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Spool.class);
    private static final long MAX_SEGMENT_BYTES = 8L << 20;

    private final Path dir;
    private final long maxBytes;
    private final long segmentBytes;
    private final TreeMap<Long, Path> segments = new TreeMap<>();
    /** The receive time of the newest entry of each segment, by its first cseq: what the lag rule looks at. */
    private final TreeMap<Long, Long> segmentNewest = new TreeMap<>();
    private final Destinations destinations = new Destinations();
    private StreamIdentity newest;
    private long savedPositions = -1;
    private SpoolState state;
    private java.nio.channels.FileChannel lockChannel;
    private long totalBytes;
    private long lastCseq;
    private long syncedCseq;
    private SegmentWriter current;
    private long currentFirst;
    // The receive time of the current segment's newest entry; into segmentNewest when the segment is finished
    // (only a finished segment can be dropped), instead of a boxed map update per line.
    private long currentNewest;
    private long droppedLines;
    private long droppedFirstMillis;
    private long droppedLastMillis;
    private final Object syncLock = new Object();
    /**
     * Serialises the saves of the state file, each with the content taken under this monitor when the save
     * began, so that a save never overtakes a later one; taken before this monitor, never while holding it.
     */
    private final Object stateLock = new Object();
    /**
     * Serialises fsyncs and the closing of a segment: Linux reports an fsync error once per open file, so two
     * fsyncs at a time could let one succeed after the other's error, and a close during an fsync would lose it.
     */
    private final Object forceLock = new Object();
    /** Set at the first write or fsync that fails (under syncLock); from then on nothing counts as synced. */
    private volatile SpoolFailedException failure;
    private final Object syncRequest = new Object();
    private boolean syncRequested;
    /** Counts the events a waiting sender acts on besides a sync (an ACK, the source's end); under syncLock. */
    private long senderEvents;
    private Thread syncer;

    private Spool(Path dir, long maxBytes) {
        this.dir = dir;
        this.maxBytes = maxBytes;
        // Several segments fit in the spool, so acknowledged ones can be deleted while it is in use.
        this.segmentBytes = Math.max(4096, Math.min(MAX_SEGMENT_BYTES, maxBytes / 4));
    }

    /**
     * Opens (or creates) the spool in {@code dir}, recovering entries and cutting off a torn last entry; any other
     * bad entry is corruption and throws {@link SpoolFailedException}: nothing is dropped silently.
     */
    static Spool open(Path dir, long maxBytes) throws IOException {
        StoreFiles.createPrivateDirectory(dir);
        Spool s = new Spool(dir, maxBytes);
        s.lock(dir);
        s.state = SpoolState.load(dir);
        s.lastCseq = s.state.highest();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*.seg")) {
            for (Path f : files) {
                String n = f.getFileName().toString();
                s.segments.put(Long.parseLong(n.substring(0, n.length() - 4)), f);
            }
        }
        for (Map.Entry<Long, Path> f : s.segments.entrySet()) {
            s.recoverSegment(f.getKey(), f.getValue(), f.getKey().equals(s.segments.lastKey()));
        }
        s.syncedCseq = s.lastCseq;
        s.syncer = new Thread(s::syncLoop, "loghost-spool-sync");
        s.syncer.setDaemon(true);
        s.syncer.start();
        return s;
    }

    /**
     * Asks for an fsync soon, without waiting for it: sources call this so that a slow disk never stops them
     * reading (a FIFO writer such as rsyslog's ompipe reorders lines when the pipe fills up).
     */
    void requestSync() {
        synchronized (syncRequest) {
            syncRequested = true;
            syncRequest.notifyAll();
        }
        wakeSenders(); // an idle sender syncs itself rather than wait for this thread to be scheduled
    }

    // Group commit: one fsync covers everything appended while the previous one ran.
    private void syncLoop() {
        while (true) {
            synchronized (syncRequest) {
                while (!syncRequested) {
                    try {
                        syncRequest.wait();
                    } catch (InterruptedException e) {
                        return;
                    }
                }
                syncRequested = false;
            }
            try {
                sync();
            } catch (IOException e) {
                return; // the spool failed for good (fail() said so): nothing will be synced again
            }
        }
    }

    // Only the last segment can end in a crash's torn write: one is finished (written and fsynced) before the next
    // is started, and a run starts a segment of its own after recovering the one a crash left.
    private void recoverSegment(long first, Path f, boolean last) throws IOException {
        long good = 0;
        SpoolEntry.Corrupt bad = null;
        segmentNewest.put(first, 0L);
        try (DataInputStream in = new DataInputStream(new java.io.BufferedInputStream(Files.newInputStream(f)))) {
            while (true) {
                SpoolEntry e = SpoolEntry.read(in);
                if (e == null) {
                    break;
                }
                good += e.size();
                lastCseq = Math.max(lastCseq, e.cseq());
                segmentNewest.merge(first, e.timeMillis(), Math::max);
                if (e.source() != null && e.sourceOffset() >= 0) {
                    state.note(e.source(), e.sourceOffset(), e.cseq());
                }
            }
        } catch (SpoolEntry.Corrupt e) {
            bad = e;
        }
        // Fewer bytes than a length field after the last entry read as a clean end: they are a bad entry too.
        if (bad != null || Files.size(f) != good) {
            if (!last || !tornTail(f, good)) {
                LOG.error("spool-corrupt file={} offset={}: an entry fails its checksum where no crash can have torn"
                        + " it; the forwarder does not start", f, good);
                throw new SpoolFailedException("spool segment " + f + " is corrupt at offset " + good + " (an entry "
                        + "that fails its checksum where no crash can have torn it): the forwarder does not start; "
                        + "keep the spool for inspection, and start with an empty --spool to go on as a new stream",
                        bad);
            }
            LOG.warn("spool-torn-entry file={} kept={} bytes (a crash cut the last entry short)", f, good);
        }
        // Every recovered entry counts as synced, so a sender may send it at once; a run killed before its fsync
        // leaves entries in the page cache only. Sent and then lost in a power cut, their cseqs would be numbered
        // again and the loghost would take the new lines for duplicates: fsync first.
        try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
            if (raf.length() != good) {
                raf.setLength(good);
            }
            raf.getFD().sync();
        }
        totalBytes += good;
    }

    // Whether the bad entry at offset is a crash's torn last write: it runs to the file's end or past it, or all
    // from it on is zeros (a file extended without its data). An entry with more bytes after it is not.
    private static boolean tornTail(Path f, long offset) throws IOException {
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(f)) {
            long remaining = ch.size() - offset;
            java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate((int) Math.min(remaining, 1 << 16));
            if (remaining < 4) {
                return true;
            }
            ch.read(b, offset);
            int len = b.getInt(0);
            if (SpoolEntry.plausibleLength(len) && 4L + len >= remaining) {
                return true;
            }
            for (long at = offset; at < ch.size(); at += b.limit()) {
                b.clear();
                if (ch.read(b, at) <= 0) {
                    break;
                }
                for (int i = 0; i < b.position(); i++) {
                    if (b.get(i) != 0) {
                        return false;
                    }
                }
                b.flip();
            }
            return true;
        }
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

    /**
     * Keeps where {@code source} is to be read from, durably, before any line from there is spooled: a first
     * start's position, or 0 after the file was replaced or truncated, survives a restart that comes first.
     */
    void keepSourceOffset(String source, long offset) throws IOException {
        saveAfter(() -> state.keep(source, offset, lastCseq));
    }

    // Writes and fsyncs the current segment under the lock: only close() does, at the end.
    private void forceCurrent() throws IOException {
        checkFailed();
        if (current != null) {
            synchronized (forceLock) {
                writeCurrent();
                try {
                    current.force();
                } catch (IOException e) {
                    throw fail(current.file(), e);
                }
            }
        }
    }

    /** Throws the spool's failure, once a write or fsync of it failed: the forwarder must stop. */
    void checkFailed() throws SpoolFailedException {
        if (failure != null) {
            throw failure;
        }
    }

    // The first failure of a write or an fsync stops the spool for good: what it wrote since the last good fsync
    // may or may not be on disk (a failed fsync may have dropped it, and is not reported again), so it is never
    // counted as synced and never sent; a restart recovers what is on disk. Returns the (first) failure.
    private SpoolFailedException fail(Path f, IOException e) {
        synchronized (syncLock) {
            if (failure == null) {
                LOG.error("spool-failed dir={} file={} synced={} reason=\"{}\": nothing more is spooled or sent; "
                        + "the forwarder stops", dir, f.getFileName(), syncedCseq, e.getMessage());
                failure = new SpoolFailedException("spool " + dir + " cannot be written: " + e.getMessage() + " ("
                        + f.getFileName() + "); entries after cseq " + syncedCseq + " are not known to be on disk and "
                        + "were not sent; restart once the disk is fixed (the spool is recovered from what is on disk)",
                        e);
            }
            wakeSenders();
            return failure;
        }
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
        return lowest() - 1;
    }

    /**
     * The cseq after which a new stream for {@code d} would have to start to carry everything {@code d} is not
     * known to have: the entries still in the spool, beyond what it acknowledged.
     */
    synchronized long unacknowledgedBase(Destination d) {
        return Math.max(destinations.of(d).acked, lowest() - 1);
    }

    /** The lowest cseq still in the spool ({@link #lastCseq} + 1 when it holds none). */
    synchronized long lowestHeld() {
        return lowest();
    }

    // The lowest cseq still in the spool (lastCseq + 1 when it holds none).
    private long lowest() {
        return segments.isEmpty() ? lastCseq + 1 : segments.firstKey();
    }

    /**
     * Appends a line or mark; returns its cseq, or 0 if the spool was full and the line was counted as dropped.
     * Never blocks on the network.
     */
    long append(byte kind, String source, long sourceOffset, byte[] data) throws IOException {
        long now = System.currentTimeMillis();
        int size = SpoolEntry.size(source, data.length);
        makeRoom(size);
        synchronized (this) {
            if (!recordGap(size) || totalBytes + size > maxBytes) {
                return drop(now);
            }
            return write(kind, source, sourceOffset, data, now);
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
            if (droppedLines > 0 || totalBytes + size > maxBytes) {
                return 0;
            }
            return write(kind, null, -1, data, System.currentTimeMillis());
        }
    }

    /**
     * Appends, waiting for room when the spool is full, for sources that lose nothing by waiting (a file on
     * disk, a stdin pipe). An entry that could never fit is counted as dropped instead.
     */
    long appendWaiting(byte kind, String source, long sourceOffset, byte[] data)
            throws IOException, InterruptedException {
        int size = SpoolEntry.size(source, data.length);
        if (size <= maxBytes / 2) {
            while (!hasRoom(size)) {
                if (makeRoom(size)) {
                    continue;
                }
                // Room comes from acknowledgements, which need what is spooled to be synced and sent first.
                requestSync();
                synchronized (this) {
                    if (totalBytes + size > maxBytes) {
                        wait(1000); // trim() notifies once it freed room
                    }
                }
            }
        }
        return append(kind, source, sourceOffset, data);
    }

    private synchronized boolean hasRoom(int size) {
        return totalBytes + size <= maxBytes;
    }

    // Writes the pending gap entry if it fits with {@code reserve} more bytes; false if it does not.
    private boolean recordGap(int reserve) throws IOException {
        if (droppedLines == 0) {
            return true;
        }
        byte[] gap = ("lines-dropped count=" + droppedLines + " first=" + Instant.ofEpochMilli(droppedFirstMillis)
                + " last=" + Instant.ofEpochMilli(droppedLastMillis) + " (forwarder spool full)")
                .getBytes(StandardCharsets.US_ASCII);
        if (totalBytes + SpoolEntry.size(null, gap.length) + reserve > maxBytes) {
            return false;
        }
        write(Frames.GAP, null, -1, gap, System.currentTimeMillis());
        LOG.warn("spool-gap-recorded dropped={}", droppedLines);
        droppedLines = 0;
        return true;
    }

    /** True while lines were dropped and the gap entry saying so is not yet spooled. */
    synchronized boolean gapPending() {
        return droppedLines > 0;
    }

    /** True while something waits for {@code d}: entries it has not acknowledged, or lines being dropped. */
    synchronized boolean undelivered(Destination d) {
        return lastCseq > destinations.of(d).acked || droppedLines > 0;
    }

    /** Hands written entries to the operating system (one write per source read; fsync is {@link #sync}). */
    synchronized void flush() throws IOException {
        checkFailed();
        if (current != null) {
            writeCurrent();
        }
    }

    // Writes the current segment's buffered entries; a failure stops the spool for good.
    private void writeCurrent() throws SpoolFailedException {
        try {
            current.write();
        } catch (IOException e) {
            throw fail(current.file(), e);
        }
    }

    private long drop(long now) {
        if (droppedLines == 0) {
            droppedFirstMillis = now;
            LOG.warn("spool-full max={} bytes: counting dropped lines until there is room", maxBytes);
        }
        droppedLines++;
        droppedLastMillis = now;
        return 0;
    }

    private long write(byte kind, String source, long sourceOffset, byte[] data, long now) throws IOException {
        checkFailed();
        if (current == null || current.length() >= segmentBytes) {
            Path f = dir.resolve(String.format("%020d.seg", lastCseq + 1));
            try {
                startSegment(lastCseq + 1, f);
            } catch (IOException e) {
                throw fail(current == null || !current.isOpen() ? f : current.file(), e);
            }
        }
        long cseq = ++lastCseq;
        byte[] b = SpoolEntry.encode(kind, cseq, now, source, sourceOffset, data);
        if (now > currentNewest) {
            currentNewest = now;
        }
        totalBytes += b.length;
        if (source != null && sourceOffset >= 0) {
            state.note(source, sourceOffset, cseq);
        }
        // Last: the entry is buffered even if this write fails, so its cseq is never left out.
        try {
            current.append(b);
        } catch (IOException e) {
            throw fail(current.file(), e);
        }
        return cseq;
    }

    private void startSegment(long first, Path f) throws IOException {
        if (current != null) {
            segmentNewest.merge(currentFirst, currentNewest, Math::max);
            synchronized (forceLock) {
                current.write();
                current.force();
                current.close();
            }
        }
        if (!Files.exists(f)) {
            StoreFiles.writePrivateFile(f, new byte[0]); // 0600: spooled lines are log data
        }
        current = new SegmentWriter(f);
        currentFirst = first;
        segments.put(first, f);
        segmentNewest.putIfAbsent(first, 0L);
        currentNewest = segmentNewest.get(first);
        StoreFiles.syncDirectory(dir);
    }

    /** Writes buffered entries and fsyncs them; entries up to the returned cseq may now be sent. */
    long sync() throws IOException {
        long upTo;
        SegmentWriter file;
        synchronized (this) {
            checkFailed();
            if (current == null) {
                return syncedCseq;
            }
            writeCurrent();
            upTo = lastCseq;
            file = current;
        }
        // fsync outside the spool's lock so that sources keep appending meanwhile.
        synchronized (forceLock) {
            // A segment finished meanwhile was fsynced by startSegment after the write above, then closed.
            if (file.isOpen()) {
                try {
                    file.force();
                } catch (IOException e) {
                    throw fail(file.file(), e);
                }
            }
        }
        synchronized (syncLock) {
            checkFailed(); // a failure meanwhile may concern what this fsync covered
            syncedCseq = Math.max(syncedCseq, upTo);
            syncLock.notifyAll();
        }
        return upTo;
    }

    /**
     * Waits up to {@code millis} for entries beyond {@code cseq} to be on disk, or for {@link #wakeSenders}; returns
     * the synced cseq.
     */
    long awaitSynced(long cseq, long millis) throws InterruptedException, SpoolFailedException {
        synchronized (syncLock) {
            checkFailed();
            long end = System.currentTimeMillis() + millis;
            long events = senderEvents;
            while (syncedCseq <= cseq && senderEvents == events) {
                long left = end - System.currentTimeMillis();
                if (left <= 0) {
                    break;
                }
                syncLock.wait(left);
            }
            checkFailed();
            return syncedCseq;
        }
    }

    /**
     * Wakes the senders waiting in {@link #awaitSynced}: something they decide on changed (an acknowledgement, the
     * source's end), so a stdin run ends when its last ACK arrives rather than at the next poll.
     */
    void wakeSenders() {
        synchronized (syncLock) {
            senderEvents++;
            syncLock.notifyAll();
        }
    }

    /**
     * The synced cseq, after an fsync here if entries beyond {@code cseq} are appended but not yet synced: a sender
     * with nothing to send does the sync itself, one thread hand-off fewer per line when lines come one at a time.
     */
    long syncIfBehind(long cseq) throws IOException {
        checkFailed();
        long synced;
        synchronized (syncLock) {
            synced = syncedCseq;
        }
        if (synced > cseq) {
            return synced;
        }
        synchronized (this) {
            if (lastCseq <= cseq) {
                return synced;
            }
        }
        return sync();
    }

    /** The highest cseq appended so far. */
    synchronized long lastCseq() {
        return lastCseq;
    }

    /**
     * Binds the spool to its destinations (see {@link Destinations#bind}); destinations no longer given are
     * forgotten: they hold nothing back any more. Saved at once.
     */
    void bind(List<Destination> given, StreamIdentity newestIdentity, Duration destinationMaxLag)
            throws IOException {
        saveAfter(() -> {
            newest = newestIdentity;
            destinations.bind(given, state, newestIdentity, lowest(), destinationMaxLag);
        });
        if (state.loadedVersion() == 1) {
            LOG.info("spool-upgraded dir={} from=1 to={} destinations={}", dir, SpoolState.VERSION, given);
        }
    }

    /** The stream a destination new to this spool starts on (the newest drawn). */
    synchronized StreamIdentity newestIdentity() {
        return newest;
    }

    /**
     * {@code d} goes on as stream {@code next} (a conflict at that loghost); kept durably before anything is sent
     * under it.
     */
    void rotate(Destination d, StreamIdentity next) throws IOException {
        saveAfter(() -> {
            destinations.of(d).identity = next;
            destinations.of(d).lackCseq = -1;
            newest = next;
        });
    }

    /** The highest spool cseq {@code d} has acknowledged. */
    synchronized long acked(Destination d) {
        return destinations.of(d).acked;
    }

    /** The stream {@code d} is delivered as now. */
    synchronized StreamIdentity identity(Destination d) {
        return destinations.of(d).identity;
    }

    /** The highest spool cseq some destination has acknowledged. */
    synchronized long bestAcked() {
        return destinations.best();
    }

    /** Entries spooled that a destination still waits for (a lagging one included). */
    synchronized long pending() {
        return lastCseq - destinations.least(lastCseq);
    }

    /** The destinations that lag now ({@link Destinations}). */
    synchronized List<String> lagging() {
        return destinations.lagging();
    }

    /**
     * What the loghost said in WELCOME: {@code d} holds spool cseq {@code last} and nothing beyond. It may be less
     * than it acknowledged before (a loghost restored from a backup): then the spool holds what it lacks again.
     */
    void welcomed(Destination d, long last) throws IOException {
        synchronized (this) {
            destinations.acked(d, last);
            destinations.of(d).lackCseq = -1;
        }
        trim(0);
    }

    /** Records an acknowledgement by {@code d}; deletes the segments {@link Destinations#mayDrop} lets go. */
    void acked(Destination d, long cseq) throws IOException {
        synchronized (this) {
            if (cseq <= destinations.of(d).acked) {
                return;
            }
            destinations.acked(d, cseq);
        }
        trim(0);
        wakeSenders();
    }

    // Deletes the oldest segments the rule lets go, until one may not go, or (needBytes > 0) until that much room
    // is free. Returns true when room was made.
    //
    // Only the choice is made under this monitor; the fsyncs of the segment and the state file and the deletions
    // come after it (under stateLock), so sources append meanwhile. The order stays: the state (with the positions
    // of entries fsynced before it) is on disk before a segment goes, and a segment goes only once the lag rule let
    // it: a crash at any point leaves the segments not yet deleted, and a state file at least as new as they need.
    private boolean trim(int needBytes) throws IOException {
        List<Path> delete = new ArrayList<>();
        long freed;
        boolean wroteGap;
        synchronized (stateLock) {
            Snapshot saved = null;
            synchronized (this) {
                if (destinations.isEmpty() || segments.isEmpty()) {
                    return false;
                }
                freed = chooseSegments(needBytes, delete);
                if (!delete.isEmpty()) {
                    // Before segments go, their sources' positions, the highest cseq and the destinations'
                    // positions move to the state file: an emptied spool must never number from 1 again.
                    saved = snapshot();
                }
            }
            if (saved != null) {
                write(saved);
                for (Path f : delete) {
                    Files.delete(f);
                }
            }
            // Still under stateLock: the next trim chooses by the room these deletions made.
            synchronized (this) {
                totalBytes -= freed;
                wroteGap = droppedLines > 0 && recordGap(0) && droppedLines == 0;
                notifyAll(); // sources waiting for room
            }
        }
        if (wroteGap) {
            sync();
        }
        return !delete.isEmpty();
    }

    // Takes the oldest segments the rule lets go out of the spool's maps (into delete), until one may not go or
    // (needBytes > 0) until that much room is free; returns their bytes. Under this monitor.
    private long chooseSegments(int needBytes, List<Path> delete) throws IOException {
        long now = System.currentTimeMillis();
        long freed = 0;
        Long first = segments.firstKey();
        while (first != null && first.longValue() != currentFirst) {
            Long next = segments.higherKey(first);
            // The last segment ends at the highest cseq when nothing is written to it any more: a run appends
            // to a segment of its own, so one left by an earlier run is complete.
            if (next == null && current != null) {
                break;
            }
            long last = next == null ? lastCseq : next - 1;
            boolean needRoom = needBytes > 0 && totalBytes - freed + needBytes > maxBytes;
            if (!destinations.mayDrop(last, segmentNewest.getOrDefault(first, 0L), now, needRoom)) {
                break;
            }
            destinations.dropping(last, needRoom);
            Path f = segments.remove(first);
            segmentNewest.remove(first);
            freed += Files.size(f);
            delete.add(f);
            first = segments.isEmpty() ? null : segments.firstKey();
        }
        return freed;
    }

    // Called from the sources, without the lock: frees room by the rule before a line waits or is dropped.
    private boolean makeRoom(int size) throws IOException {
        return !hasRoom(size) && trim(size);
    }

    /**
     * Reports (once, loudly) each destination that lacks an entry another destination acknowledged and that was
     * spooled longer than the max lag ago: from then on the spool no longer keeps such entries for it.
     */
    void checkLag() throws IOException {
        List<Destination> check;
        synchronized (this) {
            check = destinations.toCheck();
        }
        long now = System.currentTimeMillis();
        for (Destination d : check) {
            long cseq;
            synchronized (this) {
                DestinationState s = destinations.of(d);
                cseq = Math.max(s.acked + 1, lowest());
                if (s.lackCseq == cseq) {
                    destinations.lacks(d, cseq, s.lackMillis, now);
                    continue;
                }
            }
            long t = entryTime(cseq); // read outside the lock: sources go on meanwhile
            synchronized (this) {
                destinations.lacks(d, cseq, t, now);
            }
        }
        trim(0);
    }

    // When entry cseq was spooled (0 if it is not on disk now).
    private long entryTime(long cseq) throws IOException {
        Path f;
        synchronized (this) {
            Map.Entry<Long, Path> seg = segments.floorEntry(cseq);
            if (seg == null) {
                return 0;
            }
            f = seg.getValue();
            flush();
        }
        try (DataInputStream in = new DataInputStream(new java.io.BufferedInputStream(Files.newInputStream(f)))) {
            for (SpoolEntry e; (e = SpoolEntry.read(in)) != null; ) {
                if (e.cseq() == cseq) {
                    return e.timeMillis();
                }
            }
        } catch (java.nio.file.NoSuchFileException | SpoolEntry.Corrupt gone) {
            return 0; // deleted meanwhile, or the entry is still being written
        }
        return 0;
    }

    /**
     * Saves the destinations' positions if one moved since the last save, so that the spool state a restart reads
     * (or an operator) is at most one checkpoint old. A stale position only means entries are sent again and
     * dropped by that loghost as duplicates.
     */
    void checkpoint() throws IOException {
        synchronized (stateLock) {
            Snapshot saved;
            synchronized (this) {
                if (destinations.fingerprint() == savedPositions) {
                    return;
                }
                saved = snapshot();
            }
            write(saved);
        }
    }

    /** The state file's content at one moment, and the segment whose entries it may name: fsynced before it. */
    private record Snapshot(byte[] content, SegmentWriter segment) {
    }

    // Runs change under this monitor, then saves the state as it left it, durably, before returning.
    private void saveAfter(Runnable change) throws IOException {
        synchronized (stateLock) {
            Snapshot saved;
            synchronized (this) {
                change.run();
                saved = snapshot();
            }
            write(saved);
        }
    }

    // The state with every destination's stream and position, as of now; under this monitor (and stateLock).
    // What the current segment holds is handed to the OS here, so that the fsync in write() covers it.
    private Snapshot snapshot() throws IOException {
        checkFailed();
        if (current != null) {
            writeCurrent();
        }
        savedPositions = destinations.fingerprint();
        if (!destinations.isEmpty()) {
            state.deliveries(destinations.deliveries());
        }
        return new Snapshot(state.render(lastCseq), current);
    }

    // The state file must never be ahead of the entries on disk: a position it names past an entry lost in a crash
    // would skip that entry's line. So the segment is fsynced first; under stateLock, not under this monitor.
    private void write(Snapshot saved) throws IOException {
        if (saved.segment() != null) {
            synchronized (forceLock) {
                // A segment finished meanwhile was fsynced by startSegment before it was closed.
                if (saved.segment().isOpen()) {
                    try {
                        saved.segment().force();
                    } catch (IOException e) {
                        throw fail(saved.segment().file(), e);
                    }
                }
            }
        }
        state.write(saved.content());
    }

    // The state with every destination's stream and position, durably; under this monitor, by close() only.
    private void saveState() throws IOException {
        savedPositions = destinations.fingerprint();
        if (!destinations.isEmpty()) {
            state.deliveries(destinations.deliveries());
        }
        state.save(lastCseq);
    }

    /** Where one reader (a destination's sender) stopped, so that reading on does not rescan a segment. */
    static final class Cursor {
        private long cseq = -1;
        private long segment;
        private long offset;
    }

    /**
     * Reads synced entries with cseq greater than {@code after}: up to {@code max} of them and, beyond the first,
     * no more than {@code maxBytes} of data in all (an entry may hold 1 MiB: a count alone does not bound memory).
     * Their cseqs are consecutive: a batch ends where the spool no longer holds the next one.
     */
    List<SpoolEntry> read(Cursor cursor, long after, int max, long maxBytes, long syncedUpTo) throws IOException {
        List<SpoolEntry> out = new ArrayList<>();
        long bytes = 0;
        Map.Entry<Long, Path> seg;
        long offset = 0;
        boolean hole = false;
        synchronized (this) {
            seg = segments.floorEntry(after + 1);
            if (seg == null) {
                seg = segments.ceilingEntry(after + 1);
            }
            if (seg != null && cursor.cseq == after && cursor.segment == seg.getKey()) {
                offset = cursor.offset;
            }
        }
        while (seg != null && out.size() < max && bytes < maxBytes) {
            long position = offset;
            // The cseq of the entry before the one at position.
            long previous = offset == 0 ? seg.getKey() - 1 : after;
            int before = out.size();
            try (java.io.FileInputStream file = new java.io.FileInputStream(seg.getValue().toFile())) {
                file.getChannel().position(offset);
                DataInputStream in = new DataInputStream(new java.io.BufferedInputStream(file, 1 << 16));
                while (out.size() < max && bytes < maxBytes) {
                    SpoolEntry e;
                    try {
                        e = SpoolEntry.read(in);
                    } catch (SpoolEntry.Corrupt partial) {
                        if (previous < syncedUpTo) {
                            throw corrupt(seg.getValue(), position, previous + 1, partial);
                        }
                        break; // a write in progress: read it next time
                    }
                    if (e == null || e.cseq() > syncedUpTo) {
                        break;
                    }
                    // Segments deleted while this read went on (trim, for a lagging destination) leave a hole: the
                    // batch ends before it, so the sender meets it at the next batch's start and names it in a GAP.
                    if (!out.isEmpty() && e.cseq() > after && e.cseq() != out.get(out.size() - 1).cseq() + 1) {
                        hole = true;
                        break;
                    }
                    previous = e.cseq();
                    position += e.size();
                    if (e.cseq() > after) {
                        out.add(e);
                        bytes += e.data().length;
                    }
                }
            } catch (java.io.FileNotFoundException deleted) {
                // acknowledged and deleted meanwhile: continue with the next segment
            }
            if (out.size() > before) {
                cursor.cseq = out.get(out.size() - 1).cseq();
                cursor.segment = seg.getKey();
                cursor.offset = position;
            }
            if (hole) {
                break;
            }
            offset = 0;
            synchronized (this) {
                seg = segments.higherEntry(seg.getKey());
            }
            if (!out.isEmpty() && out.get(out.size() - 1).cseq() >= syncedUpTo) {
                break;
            }
        }
        return out;
    }

    // An entry that was fsynced and now fails its checksum cannot be "a write in progress": waiting for it would
    // stall this destination for ever (and spin), skipping it would be a silent hole.
    private SpoolFailedException corrupt(Path f, long offset, long cseq, IOException cause) {
        LOG.error("spool-corrupt file={} offset={} cseq={}: an entry written and fsynced before fails its checksum",
                f, offset, cseq);
        return new SpoolFailedException("spool segment " + f + " is corrupt at offset " + offset + " (cseq " + cseq
                + " was fsynced, and now fails its checksum): nothing from it on can be sent; keep the spool for "
                + "inspection, and start with an empty --spool to go on as a new stream", cause);
    }

    @Override
    public void close() throws IOException {
        synchronized (stateLock) {
            synchronized (this) {
                closeLocked();
            }
        }
    }

    private void closeLocked() throws IOException {
        syncer.interrupt();
        try {
            if (failure != null) {
                // Neither written nor saved: the state would name source positions past entries not on disk.
                if (current != null) {
                    current.close();
                }
                return;
            }
            forceCurrent();
            if (current != null) {
                current.close();
                current = null;
            }
            if (!destinations.isEmpty()) {
                saveState(); // the destinations' positions as of now: fewer entries sent twice after a restart
            }
        } finally {
            lockChannel.close();
        }
    }

    // Two forwarders on one spool would number entries twice and interleave segments: the second one is refused.
    // The lock is the kernel's, so a forwarder killed with kill -9 leaves none behind.
    private void lock(Path dir) throws IOException {
        lockChannel = java.nio.channels.FileChannel.open(dir.resolve("lock"), java.util.Set.of(
                java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.WRITE),
                java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                        java.nio.file.attribute.PosixFilePermissions.fromString("rw-------")));
        if (lockChannel.tryLock() == null) {
            lockChannel.close();
            throw new IOException("spool " + dir + " is in use by another loghost forward; give each its own --spool");
        }
    }
}
