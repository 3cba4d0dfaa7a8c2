package loghost.forward;

import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
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
 * loghost has seen is never given to another line after a crash. Acknowledged segments are deleted. When the
 * spool is full, new lines are counted, not kept, and a gap entry saying how many and when is added as soon as
 * there is room again. Beside the segments: {@code stream-id} ({@link StreamIdentity}) and {@code spool-state}
 * ({@link SpoolState}: the highest cseq ever numbered, the sources' positions).
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
    private SpoolState state;
    private java.nio.channels.FileChannel lockChannel;
    private long totalBytes;
    private long lastCseq;
    private long syncedCseq;
    private long ackedCseq;
    private RandomAccessFile current;
    private BufferedOutputStream currentOut;
    private long currentFirst;
    private long currentBytes;
    private long droppedLines;
    private long droppedFirstMillis;
    private long droppedLastMillis;
    private final Object syncLock = new Object();
    private final Object syncRequest = new Object();
    private boolean syncRequested;
    private Thread syncer;

    private Spool(Path dir, long maxBytes) {
        this.dir = dir;
        this.maxBytes = maxBytes;
        // Several segments fit in the spool, so acknowledged ones can be deleted while it is in use.
        this.segmentBytes = Math.max(4096, Math.min(MAX_SEGMENT_BYTES, maxBytes / 4));
    }

    /** Opens (or creates) the spool in {@code dir}, recovering entries and cutting off a torn last entry. */
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
        for (Path f : s.segments.values()) {
            s.recoverSegment(f);
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
                LOG.error("spool-sync-failed dir={} reason=\"{}\"", dir, e.getMessage());
            }
        }
    }

    private void recoverSegment(Path f) throws IOException {
        long good = 0;
        try (DataInputStream in = new DataInputStream(new java.io.BufferedInputStream(Files.newInputStream(f)))) {
            while (true) {
                SpoolEntry e = SpoolEntry.read(in);
                if (e == null) {
                    break;
                }
                good += e.size();
                lastCseq = Math.max(lastCseq, e.cseq());
                if (e.source() != null && e.sourceOffset() >= 0) {
                    state.note(e.source(), e.sourceOffset(), e.cseq());
                }
            }
        } catch (SpoolEntry.Corrupt torn) {
            LOG.warn("spool-torn-entry file={} kept={} bytes (a crash cut the last entry short)", f, good);
        }
        if (Files.size(f) != good) {
            try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
                raf.setLength(good);
                raf.getFD().sync();
            }
        }
        totalBytes += good;
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
    synchronized void keepSourceOffset(String source, long offset) throws IOException {
        forceCurrent();
        state.keep(source, offset, lastCseq);
        state.save(lastCseq);
    }

    // The state file must never be ahead of the entries on disk: a position it names past an entry lost in a
    // crash would skip that entry's line. Rare (a new source position, a segment deleted): fsync under the lock.
    private void forceCurrent() throws IOException {
        if (currentOut != null) {
            currentOut.flush();
            current.getFD().sync();
        }
    }

    /** The directory this spool lives in. */
    Path dir() {
        return dir;
    }

    /**
     * The cseq after which a new stream would have to start to carry everything not known to be acknowledged:
     * the entries still in the spool, beyond what was acknowledged.
     */
    synchronized long unacknowledgedBase() {
        long lowest = segments.isEmpty() ? lastCseq + 1 : segments.firstKey();
        return Math.max(ackedCseq, lowest - 1);
    }

    /**
     * Appends a line or mark; returns its cseq, or 0 if the spool was full and the line was counted as dropped.
     * Never blocks on the network.
     */
    synchronized long append(byte kind, String source, long sourceOffset, byte[] data) throws IOException {
        long now = System.currentTimeMillis();
        int size = SpoolEntry.size(source, data.length);
        if (!recordGap(size) || totalBytes + size > maxBytes) {
            return drop(now);
        }
        return write(kind, source, sourceOffset, data, now);
    }

    /**
     * Appends an entry that is worth nothing once late (a heartbeat) if there is room; never counted as dropped.
     * Returns its cseq, or 0 if there was no room.
     */
    synchronized long appendIfRoom(byte kind, byte[] data) throws IOException {
        int size = SpoolEntry.size(null, data.length);
        if (droppedLines > 0 || totalBytes + size > maxBytes) {
            return 0;
        }
        return write(kind, null, -1, data, System.currentTimeMillis());
    }

    /**
     * Appends, waiting for room when the spool is full, for sources that lose nothing by waiting (a file on
     * disk, a stdin pipe). An entry that could never fit is counted as dropped instead.
     */
    synchronized long appendWaiting(byte kind, String source, long sourceOffset, byte[] data)
            throws IOException, InterruptedException {
        int size = SpoolEntry.size(source, data.length);
        if (size <= maxBytes / 2) {
            while (totalBytes + size > maxBytes) {
                // Room comes from acknowledgements, which need what is spooled to be synced and sent first.
                requestSync();
                wait(1000);
            }
        }
        return append(kind, source, sourceOffset, data);
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

    /** True while something waits for the loghost: entries not acknowledged, or lines being dropped. */
    synchronized boolean undelivered() {
        return lastCseq > ackedCseq || droppedLines > 0;
    }

    /** Hands written entries to the operating system (one write per source read; fsync is {@link #sync}). */
    synchronized void flush() throws IOException {
        if (currentOut != null) {
            currentOut.flush();
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
        if (current == null || currentBytes >= segmentBytes) {
            startSegment(lastCseq + 1);
        }
        long cseq = ++lastCseq;
        byte[] b = SpoolEntry.encode(kind, cseq, now, source, sourceOffset, data);
        currentOut.write(b);
        totalBytes += b.length;
        currentBytes += b.length;
        if (source != null && sourceOffset >= 0) {
            state.note(source, sourceOffset, cseq);
        }
        return cseq;
    }

    private void startSegment(long first) throws IOException {
        if (currentOut != null) {
            currentOut.flush();
            current.getFD().sync();
            currentOut.close();
        }
        Path f = dir.resolve(String.format("%020d.seg", first));
        if (!Files.exists(f)) {
            StoreFiles.writePrivateFile(f, new byte[0]); // 0600: spooled lines are log data
        }
        current = new RandomAccessFile(f.toFile(), "rw");
        current.seek(current.length());
        currentBytes = current.length();
        currentOut = new BufferedOutputStream(new FileOutputStream(current.getFD()), 1 << 16);
        currentFirst = first;
        segments.put(first, f);
        StoreFiles.syncDirectory(dir);
    }

    /** Writes buffered entries and fsyncs them; entries up to the returned cseq may now be sent. */
    long sync() throws IOException {
        long upTo;
        RandomAccessFile file;
        synchronized (this) {
            if (currentOut == null) {
                return syncedCseq;
            }
            currentOut.flush();
            upTo = lastCseq;
            file = current;
        }
        // fsync outside the lock so that sources keep appending meanwhile.
        file.getFD().sync();
        synchronized (syncLock) {
            syncedCseq = Math.max(syncedCseq, upTo);
            syncLock.notifyAll();
        }
        return upTo;
    }

    /** Waits up to {@code millis} for entries beyond {@code cseq} to be on disk; returns the synced cseq. */
    long awaitSynced(long cseq, long millis) throws InterruptedException {
        synchronized (syncLock) {
            long end = System.currentTimeMillis() + millis;
            while (syncedCseq <= cseq) {
                long left = end - System.currentTimeMillis();
                if (left <= 0) {
                    break;
                }
                syncLock.wait(left);
            }
            return syncedCseq;
        }
    }

    /** The highest cseq appended so far. */
    synchronized long lastCseq() {
        return lastCseq;
    }

    /** The highest cseq the loghost has acknowledged. */
    synchronized long ackedCseq() {
        return ackedCseq;
    }

    /** Records an acknowledgement; deletes segments whose entries are all acknowledged. */
    void acked(long cseq) throws IOException {
        List<Path> delete = new ArrayList<>();
        synchronized (this) {
            if (cseq <= ackedCseq) {
                return;
            }
            ackedCseq = cseq;
            Long first = segments.firstKey();
            while (first != null && first.longValue() != currentFirst) {
                Long next = segments.higherKey(first);
                if (next == null || next - 1 > cseq) {
                    break;
                }
                delete.add(segments.remove(first));
                first = segments.isEmpty() ? null : segments.firstKey();
            }
            if (!delete.isEmpty()) {
                // Before acknowledged segments go, their sources' positions and the highest cseq move to the
                // state file: an emptied spool must never number from 1 again.
                forceCurrent();
                state.save(lastCseq);
            }
        }
        for (Path f : delete) {
            long size = Files.size(f);
            Files.delete(f);
            synchronized (this) {
                totalBytes -= size;
            }
        }
        boolean wroteGap;
        synchronized (this) {
            wroteGap = droppedLines > 0 && recordGap(0) && droppedLines == 0;
            notifyAll(); // sources waiting for room
        }
        if (wroteGap) {
            sync();
        }
    }

    // Where the last read stopped, so that reading on from there does not rescan the segment from its start.
    private long cursorCseq = -1;
    private long cursorSegment;
    private long cursorOffset;

    /**
     * Reads synced entries with cseq greater than {@code after}: up to {@code max} of them and, beyond the first,
     * no more than {@code maxBytes} of data in all (an entry may hold 1 MiB: a count alone does not bound memory).
     */
    List<SpoolEntry> read(long after, int max, long maxBytes, long syncedUpTo) throws IOException {
        List<SpoolEntry> out = new ArrayList<>();
        long bytes = 0;
        Map.Entry<Long, Path> seg;
        long offset = 0;
        synchronized (this) {
            seg = segments.floorEntry(after + 1);
            if (seg == null) {
                seg = segments.ceilingEntry(after + 1);
            }
            if (seg != null && cursorCseq == after && cursorSegment == seg.getKey()) {
                offset = cursorOffset;
            }
        }
        while (seg != null && out.size() < max && bytes < maxBytes) {
            long position = offset;
            int before = out.size();
            try (java.io.FileInputStream file = new java.io.FileInputStream(seg.getValue().toFile())) {
                file.getChannel().position(offset);
                DataInputStream in = new DataInputStream(new java.io.BufferedInputStream(file, 1 << 16));
                while (out.size() < max && bytes < maxBytes) {
                    SpoolEntry e;
                    try {
                        e = SpoolEntry.read(in);
                    } catch (SpoolEntry.Corrupt partial) {
                        break; // a write in progress: read it next time
                    }
                    if (e == null || e.cseq() > syncedUpTo) {
                        break;
                    }
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
                synchronized (this) {
                    cursorCseq = out.get(out.size() - 1).cseq();
                    cursorSegment = seg.getKey();
                    cursorOffset = position;
                }
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

    @Override
    public synchronized void close() throws IOException {
        syncer.interrupt();
        if (currentOut != null) {
            currentOut.flush();
            current.getFD().sync();
            currentOut.close();
            currentOut = null;
        }
        lockChannel.close();
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
