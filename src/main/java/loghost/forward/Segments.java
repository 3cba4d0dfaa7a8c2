package loghost.forward;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import loghost.store.StoreFiles;

/**
 * The spool's segment files: the entries' numbering, the segment being appended to, the bytes they hold, and which
 * segments may go. Not thread-safe: the {@link Spool} calls it under its monitor, except {@link #force}, which
 * runs outside that monitor under this class's own {@code forceLock} (see the lock order in {@link Spool}).
 */
final class Segments {

    private final Path dir;
    private final long segmentBytes;
    private final SpoolState state;
    private final SyncGate gate;
    private final TreeMap<Long, Path> files = new TreeMap<>();
    /** The receive time of the newest entry of each segment, by its first cseq: what the lag rule looks at. */
    private final TreeMap<Long, Long> segmentNewest = new TreeMap<>();
    /**
     * Serialises fsyncs and the closing of a segment: Linux reports an fsync error once per open file, so two
     * fsyncs at a time could let one succeed after the other's error, and a close during an fsync would lose it.
     */
    private final Object forceLock = new Object();
    private long totalBytes;
    private long lastCseq;
    private SegmentWriter current;
    private long currentFirst;
    // The receive time of the current segment's newest entry; into segmentNewest when the segment is finished
    // (only a finished segment can be dropped), instead of a boxed map update per line.
    private long currentNewest;

    private Segments(Path dir, long segmentBytes, SpoolState state, SyncGate gate) {
        this.dir = dir;
        this.segmentBytes = segmentBytes;
        this.state = state;
        this.gate = gate;
    }

    /** The segments in {@code dir}, each recovered ({@link SegmentRecovery}); numbering goes on after the highest. */
    static Segments recover(Path dir, long segmentBytes, SpoolState state, SyncGate gate) throws IOException {
        Segments s = new Segments(dir, segmentBytes, state, gate);
        s.lastCseq = state.highest();
        try (DirectoryStream<Path> found = Files.newDirectoryStream(dir, "*.seg")) {
            for (Path f : found) {
                String n = f.getFileName().toString();
                s.files.put(Long.parseLong(n.substring(0, n.length() - 4)), f);
            }
        }
        for (Map.Entry<Long, Path> f : s.files.entrySet()) {
            SegmentRecovery.Recovered r = SegmentRecovery.recover(f.getValue(), f.getKey().equals(s.files.lastKey()),
                    state);
            s.segmentNewest.put(f.getKey(), r.newestMillis());
            s.lastCseq = Math.max(s.lastCseq, r.lastCseq());
            s.totalBytes += r.bytes();
        }
        return s;
    }

    /** The highest cseq numbered. */
    long lastCseq() {
        return lastCseq;
    }

    /** The bytes the segments hold (written or buffered). */
    long totalBytes() {
        return totalBytes;
    }

    /** True when no segment is left. */
    boolean isEmpty() {
        return files.isEmpty();
    }

    /** The lowest cseq still held ({@link #lastCseq} + 1 when none is). */
    long lowest() {
        return files.isEmpty() ? lastCseq + 1 : files.firstKey();
    }

    /** The segment holding {@code cseq} if any, else the first after it (null: none). */
    Map.Entry<Long, Path> holding(long cseq) {
        Map.Entry<Long, Path> seg = files.floorEntry(cseq);
        return seg != null ? seg : files.ceilingEntry(cseq);
    }

    /** The segment that could hold {@code cseq}: the last starting at or before it (null: none). */
    Map.Entry<Long, Path> floor(long cseq) {
        return files.floorEntry(cseq);
    }

    /** The segment after the one starting at {@code first} (null: none). */
    Map.Entry<Long, Path> after(long first) {
        return files.higherEntry(first);
    }

    /** The segment being appended to (null before the first append of this run). */
    SegmentWriter current() {
        return current;
    }

    /**
     * Numbers and appends one entry, starting a new segment when this one is full; returns its cseq. A failure
     * stops the spool for good ({@link SyncGate#fail}).
     */
    long write(byte kind, String source, long sourceOffset, byte[] data, long now) throws IOException {
        gate.checkFailed();
        if (current == null || current.length() >= segmentBytes) {
            Path f = dir.resolve(String.format("%020d.seg", lastCseq + 1));
            try {
                start(lastCseq + 1, f);
            } catch (IOException e) {
                throw gate.fail(current == null || !current.isOpen() ? f : current.file(), e);
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
            throw gate.fail(current.file(), e);
        }
        return cseq;
    }

    private void start(long first, Path f) throws IOException {
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
        files.put(first, f);
        segmentNewest.putIfAbsent(first, 0L);
        currentNewest = segmentNewest.get(first);
        StoreFiles.syncDirectory(dir);
    }

    /** Hands the current segment's buffered entries to the OS; a failure stops the spool for good. */
    void writeCurrent() throws SpoolFailedException {
        if (current == null) {
            return;
        }
        try {
            current.write();
        } catch (IOException e) {
            throw gate.fail(current.file(), e);
        }
    }

    /**
     * Fsyncs {@code file} (a segment {@link #current} was, after {@link #writeCurrent}); called outside the spool's
     * monitor. A segment finished meanwhile was fsynced by {@link #write} before it was closed.
     */
    void force(SegmentWriter file) throws SpoolFailedException {
        synchronized (forceLock) {
            if (file.isOpen()) {
                try {
                    file.force();
                } catch (IOException e) {
                    throw gate.fail(file.file(), e);
                }
            }
        }
    }

    /**
     * Takes the oldest segments {@code destinations} let go out of the spool (into {@code delete}), until one may
     * not go or (needBytes > 0) until that much room is free within {@code maxBytes}; returns their bytes. The
     * files are deleted by the caller, which then calls {@link #freed}.
     */
    long choose(int needBytes, long maxBytes, Destinations destinations, List<Path> delete) throws IOException {
        long now = System.currentTimeMillis();
        long freed = 0;
        Long first = files.isEmpty() ? null : files.firstKey();
        while (first != null && first.longValue() != currentFirst) {
            Long next = files.higherKey(first);
            // The last segment ends at the highest cseq when nothing is written to it any more: a run appends to a
            // segment of its own, so one left by an earlier run is complete.
            if (next == null && current != null) {
                break;
            }
            long last = next == null ? lastCseq : next - 1;
            boolean needRoom = needBytes > 0 && totalBytes - freed + needBytes > maxBytes;
            if (!destinations.mayDrop(last, segmentNewest.getOrDefault(first, 0L), now, needRoom)) {
                break;
            }
            destinations.dropping(last, needRoom);
            Path f = files.remove(first);
            segmentNewest.remove(first);
            freed += Files.size(f);
            delete.add(f);
            first = files.isEmpty() ? null : files.firstKey();
        }
        return freed;
    }

    /** Segments of {@code bytes} chosen by {@link #choose} are deleted. */
    void freed(long bytes) {
        totalBytes -= bytes;
    }

    /** Writes, fsyncs and closes the current segment (at the end, under every lock). */
    void close() throws IOException {
        if (current != null) {
            writeCurrent();
            force(current);
            current.close();
            current = null;
        }
    }

    /** Closes the current segment without writing what is buffered (the spool failed). */
    void abandon() throws IOException {
        if (current != null) {
            current.close();
        }
    }
}
