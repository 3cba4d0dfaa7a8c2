package loghost.store;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.DigestException;
import java.time.LocalDate;
import java.util.Arrays;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One host's current day file (docs/FORMAT.md, "Day files"): created with its header, appended to, synced, parked
 * (closed) while the host is idle and reopened by its next write, rolled over to a later day, cut back after a
 * failed write; and out of service after any doubt about what it holds. Not thread-safe: its {@link HostLog}
 * uses it under its lock, except for the fsync of {@link #current()}, which it runs outside.
 *
 * <p>Written through {@link RandomAccessFile}, not a {@code FileChannel}: MINA cancels a session's thread with an
 * interrupt, and an interrupted channel closes itself, which would take the host's log out of service for every
 * other session.
 */
final class DayFile {

    // The operator's log lines keep the logger name they have always had: these are HostLog's events.
    private static final Logger LOG = LoggerFactory.getLogger(HostLog.class);
    private static final int OUT_SIZE = 64 * 1024;
    // A host's first buffer after it was idle: a few records (a heartbeat, one line) do not take OUT_SIZE; a busy
    // host's buffer doubles to OUT_SIZE within its first appends. With 10,000 hosts each sending a line as they
    // reconnect, 64 KiB each until the sweep frees them was over 100 MB of heap.
    private static final int FIRST_OUT = 4 * 1024;

    private final String host;
    private final Path dir;
    private RandomAccessFile file;
    // Closed while the host is idle (see park) and reopened by its next write: with thousands of connected but
    // quiet hosts, open files would otherwise be one per host.
    private boolean parked;
    private long day = Long.MIN_VALUE;
    private long firstSeq;
    // The escaping version of the current file's header: its records keep it until the day ends.
    private int version = FileHeader.CURRENT_VERSION;
    private long size;
    // Records of one append on their way to the file; null while the host is idle (see toSync).
    private byte[] out;
    private int outLength;
    // Written since the last sync, and since the previous sweep (a sweep that finds nothing written parks the file).
    private boolean dirty;
    private boolean writtenSinceSweep;
    private String broken;

    /** No day file yet: the host's first record creates one. */
    DayFile(String host, Path dir) {
        this.host = host;
        this.dir = dir;
    }

    /**
     * The recovered newest day file {@code raf}, with header {@code header} and its complete records ending at
     * {@code length} (anything after it was cut off by recovery); written on from there.
     */
    DayFile(String host, Path dir, RandomAccessFile raf, FileHeader header, long length) throws IOException {
        this(host, dir);
        file = raf;
        size = length;
        day = header.day().toEpochDay();
        firstSeq = header.firstSeq();
        version = header.version();
        raf.seek(length);
    }

    /** Why this file is out of service, or null while it is in service. */
    String broken() {
        return broken;
    }

    /** Refuses, naming why, once this file is out of service. */
    void checkInService() throws StorageException {
        if (broken != null) {
            // Records appended before a failed fsync are not known to be on disk: never report them synced.
            throw new StorageException("log of host " + host + " is out of service: " + broken);
        }
    }

    /** Takes this file out of service for {@code reason}, logged once as storage-broken. */
    void breakWith(String reason) {
        broken = reason;
        LOG.error("storage-broken host={} reason=\"{}\"", host, broken);
    }

    /** The UTC day (epoch day) of the current file; {@link Long#MIN_VALUE} before the first. */
    long day() {
        return day;
    }

    /** The length written so far. */
    long size() {
        return size;
    }

    /** The current file's name. */
    String name() {
        return StoreFiles.dayFileName(LocalDate.ofEpochDay(day));
    }

    /** True when the current file holds a record, whether open or parked. */
    boolean holdsRecord(long lastSeq) {
        return (file != null || parked) && lastSeq >= firstSeq;
    }

    /**
     * Makes a file for a record of {@code recordDay} current: the parked one again, or a new day's when there is
     * none or the day is later. A clock that steps back keeps writing to the current file: the chain never reopens
     * an old one. {@code head} is what a new file's header continues.
     */
    void openFor(long recordDay, ChainHead head) throws IOException {
        if (file == null && parked && recordDay <= day) {
            reopen();
        }
        if (file == null || recordDay > day) {
            start(recordDay, head);
        }
    }

    /**
     * Starts the file of {@code newDay}, whose header continues the chain at {@code head}. The old file stays the
     * current one until the new one exists: a failed creation (a full disk at midnight) leaves this file exactly
     * as it was, written on (if the clock steps back) or retried at the next append.
     */
    void start(long newDay, ChainHead head) throws IOException {
        if (file != null) {
            finish();
        }
        // A parked file was synced before it was closed (only a clean file is parked): nothing to finish.
        LocalDate date = LocalDate.ofEpochDay(newDay);
        FileHeader header = new FileHeader(host, date, head.algorithm(), head.seq() + 1, head.digest());
        byte[] headerLine = (header.toLine() + "\n").getBytes(StandardCharsets.US_ASCII);
        Path path = dir.resolve(StoreFiles.dayFileName(date));
        StoreFiles.createDayFile(path, headerLine);
        RandomAccessFile created = StoreFiles.openDayFile(path);
        if (file != null) {
            closeSynced(file);
        }
        file = created;
        parked = false;
        size = headerLine.length;
        file.seek(size);
        day = newDay;
        firstSeq = head.seq() + 1;
        version = header.version();
        LOG.info("day-file host={} file={} seq={}", host, path.getFileName(), head.seq() + 1);
    }

    /**
     * The one place a day file ends (docs/FORMAT.md, "Compressed day files and the manifest"), whether a record of a
     * later day or the housekeeping timer closes it: its records are forced to disk, since the next header names the
     * last one. No seal record is written here: a day's records are sealed by the epoch they fall in, and an epoch
     * ends at every midnight (docs/FORMAT.md, "Compressed day files and the manifest").
     */
    private void finish() throws IOException {
        try {
            file.getFD().sync();
        } catch (IOException e) {
            breakWith("fsync failed: " + e.getMessage());
            throw e;
        }
    }

    /**
     * Adds the record after {@code head} to this append's output (see {@link ChainHead#append}) and makes it the
     * head; it reaches the file at {@link #endAppend} at the latest.
     */
    void append(ChainHead head, byte[] time, RecordType type, byte[] meta, long clientSeq, long eventMillis, byte[] msg,
                int msgStart, int msgEnd) throws IOException, DigestException {
        int msgLength = msgEnd - msgStart;
        if (Escaping.mayDifferIn(version, msg, msgStart, msgLength)) {
            // A day file keeps the escaping rule of its header's version (an upgrade does not change it mid-day).
            msg = Escaping.reescape(msg, msgStart, msgLength, version);
            msgStart = 0;
            msgLength = msg.length;
        }
        int need = head.maxLength(time.length, meta.length, msgLength);
        if (out == null) {
            out = new byte[Math.max(FIRST_OUT, need)];
        } else if (out.length - outLength < need) {
            if (out.length < OUT_SIZE) {
                out = Arrays.copyOf(out, Math.max(Math.min(OUT_SIZE, 2 * out.length), outLength + need));
            } else {
                flush();
                if (out.length < need) {
                    out = new byte[need];
                }
            }
        }
        outLength = head.append(out, outLength, time, type, meta, clientSeq, eventMillis, msg, msgStart, msgLength);
    }

    /** Writes what this append added to the file; its records are then synced by the next sync. */
    void endAppend() throws IOException {
        flush();
        dirty = true;
        writtenSinceSweep = true;
        if (out != null && out.length > 4 * OUT_SIZE) {
            out = new byte[OUT_SIZE];
        }
    }

    private void flush() throws IOException {
        if (outLength > 0) {
            file.write(out, 0, outLength);
            size += outLength;
            outLength = 0;
        }
    }

    /**
     * Cuts the file back to {@code length}, removing a partial write; when even that fails the file is out of
     * service (its end is unknown), and the failure is added to {@code cause}.
     */
    void cutBack(long length, Throwable cause) {
        outLength = 0;
        try {
            file.setLength(length);
            file.seek(length);
            size = length;
        } catch (IOException | RuntimeException cut) {
            cause.addSuppressed(cut);
            breakWith("could not remove a partial write: " + cut.getMessage());
        }
    }

    /**
     * The file to fsync when records were written since the last sync, now counted as synced; else null. On a
     * {@code sweep}, a file with nothing written since the previous sweep is parked: the host is idle. (Not on a
     * caller's own sync: with every write synced, that would close a busy host's file after each append.)
     */
    RandomAccessFile toSync(boolean sweep) {
        boolean idle = sweep && !writtenSinceSweep;
        if (sweep) {
            writtenSinceSweep = false;
        }
        if (!dirty || file == null) {
            if (idle) {
                out = null;
                park();
            }
            return null;
        }
        dirty = false;
        return file;
    }

    /** The open file, or null while parked or closed. */
    RandomAccessFile current() {
        return file;
    }

    // Closes the file of an idle host; everything in it was synced (the caller checked it is clean).
    private void park() {
        if (file == null) {
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

    // Opens the parked file again for the next write. It must be exactly as it was left: a file that changed
    // meanwhile is not written to (out of service, as after any doubt about what is on disk).
    private void reopen() throws IOException {
        Path path = dir.resolve(name());
        RandomAccessFile raf = StoreFiles.openDayFile(path);
        long length;
        try {
            length = raf.length();
            if (length == size) {
                raf.seek(size);
                file = raf;
                parked = false;
                return;
            }
        } catch (IOException e) {
            raf.close();
            throw e;
        }
        raf.close();
        breakWith("day file " + path.getFileName() + " changed while closed: " + length + " bytes, " + size
                + " written");
        throw new IOException(broken);
    }

    /** Closes the open file, if any; it is closed (and no longer current) even when that fails. */
    void close() throws IOException {
        if (file != null) {
            try {
                file.close();
            } finally {
                file = null;
            }
        }
    }
}
