package loghost.forward;

import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.CRC32;
import loghost.protocol.Frames;
import loghost.store.StoreFiles;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The forwarder's on-disk queue. Sources append (never blocked by the network); entries are numbered, written
 * to segment files and fsynced in batches; the sender reads only entries already on disk, so a number the
 * loghost has seen is never given to another line after a crash. Acknowledged segments are deleted. When the
 * spool is full, new lines are counted, not kept, and a gap entry saying how many and when is added as soon as
 * there is room again.
 *
 * <p>Entry layout: u32 length of the rest, u8 kind, u64 cseq, u64 time (ms), u16 source length, source (ASCII),
 * u64 source offset, data, u32 CRC-32 of everything from kind to data.
 */
final class Spool implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Spool.class);
    private static final long MAX_SEGMENT_BYTES = 8L << 20;
    private static final String OFFSETS = "source-offsets";

    private final Path dir;
    private final long maxBytes;
    private final long segmentBytes;
    private final TreeMap<Long, Path> segments = new TreeMap<>();
    private final Map<String, Long> sourceOffsets = new HashMap<>();
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
        s.loadOffsets();
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
                SpoolEntry e = readEntry(in);
                if (e == null) {
                    break;
                }
                good += entrySize(e);
                lastCseq = Math.max(lastCseq, e.cseq());
                if (e.source() != null && e.sourceOffset() >= 0) {
                    sourceOffsets.put(e.source(), e.sourceOffset());
                }
            }
        } catch (CorruptEntry torn) {
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

    /** Where {@code source} had been read up to, by the newest entry that came from it (-1 when unknown). */
    synchronized long sourceOffset(String source) {
        return sourceOffsets.getOrDefault(source, -1L);
    }

    /**
     * Appends a line or mark; returns its cseq, or 0 if the spool was full and the line was counted as dropped.
     * Never blocks on the network.
     */
    synchronized long append(byte kind, String source, long sourceOffset, byte[] data) throws IOException {
        long now = System.currentTimeMillis();
        int size = entrySize(source, data.length);
        if (!recordGap(size) || totalBytes + size > maxBytes) {
            return drop(now);
        }
        return write(kind, source, sourceOffset, data, now);
    }

    /**
     * Appends, waiting for room when the spool is full, for sources that lose nothing by waiting (a file on
     * disk, a stdin pipe). An entry that could never fit is counted as dropped instead.
     */
    synchronized long appendWaiting(byte kind, String source, long sourceOffset, byte[] data)
            throws IOException, InterruptedException {
        int size = entrySize(source, data.length);
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
        if (totalBytes + entrySize(null, gap.length) + reserve > maxBytes) {
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
        byte[] src = source == null ? new byte[0] : source.getBytes(StandardCharsets.US_ASCII);
        ByteBuffer b = ByteBuffer.allocate(entrySize(source, data.length));
        b.putInt(1 + 8 + 8 + 2 + src.length + 8 + data.length + 4);
        int crcFrom = b.position();
        b.put(kind).putLong(cseq).putLong(now).putShort((short) src.length).put(src).putLong(sourceOffset).put(data);
        CRC32 crc = new CRC32();
        crc.update(b.array(), crcFrom, b.position() - crcFrom);
        b.putInt((int) crc.getValue());
        currentOut.write(b.array());
        totalBytes += b.capacity();
        currentBytes += b.capacity();
        if (source != null && sourceOffset >= 0) {
            sourceOffsets.put(source, sourceOffset);
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
                saveOffsets();
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

    /** Reads up to {@code max} synced entries with cseq greater than {@code after}. */
    List<SpoolEntry> read(long after, int max, long syncedUpTo) throws IOException {
        List<SpoolEntry> out = new ArrayList<>();
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
        while (seg != null && out.size() < max) {
            long position = offset;
            int before = out.size();
            try (java.io.FileInputStream file = new java.io.FileInputStream(seg.getValue().toFile())) {
                file.getChannel().position(offset);
                DataInputStream in = new DataInputStream(new java.io.BufferedInputStream(file, 1 << 16));
                while (out.size() < max) {
                    SpoolEntry e;
                    try {
                        e = readEntry(in);
                    } catch (CorruptEntry partial) {
                        break; // a write in progress: read it next time
                    }
                    if (e == null || e.cseq() > syncedUpTo) {
                        break;
                    }
                    position += entrySize(e);
                    if (e.cseq() > after) {
                        out.add(e);
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

    private static int entrySize(SpoolEntry e) {
        return entrySize(e.source(), e.data().length);
    }

    private static int entrySize(String source, int dataLength) {
        return 4 + 1 + 8 + 8 + 2 + (source == null ? 0 : source.length()) + 8 + dataLength + 4;
    }

    private static SpoolEntry readEntry(DataInputStream in) throws IOException {
        int len;
        try {
            len = in.readInt();
        } catch (EOFException e) {
            return null;
        }
        if (len < 1 + 8 + 8 + 2 + 8 + 4 || len > Frames.MAX_BODY + 1024) {
            throw new CorruptEntry();
        }
        byte[] b = new byte[len];
        try {
            in.readFully(b);
        } catch (EOFException e) {
            throw new CorruptEntry();
        }
        CRC32 crc = new CRC32();
        crc.update(b, 0, len - 4);
        ByteBuffer bb = ByteBuffer.wrap(b);
        if ((int) crc.getValue() != bb.getInt(len - 4)) {
            throw new CorruptEntry();
        }
        byte kind = bb.get();
        long cseq = bb.getLong();
        long time = bb.getLong();
        int srcLen = bb.getShort() & 0xffff;
        String src = srcLen == 0 ? null : new String(b, bb.position(), srcLen, StandardCharsets.US_ASCII);
        bb.position(bb.position() + srcLen);
        long offset = bb.getLong();
        byte[] data = new byte[len - 4 - bb.position()];
        bb.get(data);
        return new SpoolEntry(kind, cseq, time, src, offset, data);
    }

    private void loadOffsets() throws IOException {
        Path f = dir.resolve(OFFSETS);
        if (!Files.exists(f)) {
            return;
        }
        for (String l : Files.readAllLines(f, StandardCharsets.US_ASCII)) {
            String[] kv = l.split(" ");
            if (kv.length == 2) {
                sourceOffsets.put(kv[0], Long.parseLong(kv[1]));
            }
        }
    }

    // Before acknowledged segments go, their sources' read offsets move to a file of their own.
    private void saveOffsets() throws IOException {
        StringBuilder sb = new StringBuilder();
        sourceOffsets.forEach((k, v) -> sb.append(k).append(' ').append(v).append('\n'));
        Path tmp = dir.resolve(OFFSETS + ".new");
        Files.deleteIfExists(tmp);
        StoreFiles.writePrivateFile(tmp, sb.toString().getBytes(StandardCharsets.US_ASCII));
        Files.move(tmp, dir.resolve(OFFSETS), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        StoreFiles.syncDirectory(dir);
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
    }

    /** A spool entry that is cut short or fails its checksum. */
    private static final class CorruptEntry extends IOException {
        private static final long serialVersionUID = 1L;
    }
}
