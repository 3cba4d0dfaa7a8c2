package loghost.pull;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Set;
import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import loghost.names.StreamId;
import loghost.store.DurableFile;
import loghost.store.StoreFiles;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What was last read from a followed path: the stream, the offset reading reached, the largest size seen, and the
 * last bytes read before that offset. It is the evidence that tells a copy from a stranger with the same first line,
 * and a file truncated in place from one that only grew (docs/PROTOCOL.md, "Truncation and copytruncate"). Kept in
 * {@code DATA/pull/read/HOST.P}: a cache, not part of the record; without it the loghost is in doubt and says so.
 */
final class LastRead {

    /** Bytes of evidence kept: the last this many bytes read before {@link #end()}. */
    static final int WINDOW = 64 * 1024;
    private static final Logger LOG = LoggerFactory.getLogger(LastRead.class);
    private static final Pattern HEADER = Pattern.compile(
            "loghost-last-read 1 (" + StreamId.GRAMMAR + ") (0|[1-9][0-9]{0,17}) (0|[1-9][0-9]{0,17}) ([0-9]{1,6})\n");
    private static final long SAVE_EVERY_NANOS = 1_000_000_000L;

    private final Path file;
    private final byte[] window = new byte[WINDOW];
    private int length;
    private String stream;
    private long end;
    private long seen;
    private long savedAt;
    private boolean dirty;

    private LastRead(Path file) {
        this.file = file;
    }

    /**
     * The evidence saved in {@code file}; empty (in doubt) when there is none or it cannot be read, is damaged, or
     * it or its directory is a symbolic link or open to others: never an exception, the pull goes on.
     */
    static LastRead load(Path file) {
        LastRead r = new LastRead(file);
        byte[] b;
        try {
            if (!Files.exists(file.getParent(), LinkOption.NOFOLLOW_LINKS)) {
                return r;
            }
            StoreFiles.checkPrivateDirectory(file.getParent(), "pull evidence directory");
            b = read(file);
        } catch (NoSuchFileException e) {
            return r;
        } catch (IOException e) {
            LOG.warn("pull-last-read-unreadable file={} reason=\"{}\"", file, e.getMessage());
            return r;
        }
        int lf = 0;
        while (lf < b.length && lf < 200 && b[lf] != '\n') {
            lf++;
        }
        Matcher m = lf < b.length ? HEADER.matcher(new String(b, 0, lf + 1, StandardCharsets.US_ASCII)) : null;
        if (m == null || !m.matches() || Integer.parseInt(m.group(4)) != b.length - lf - 1
                || Integer.parseInt(m.group(4)) > WINDOW || Long.parseLong(m.group(4)) > Long.parseLong(m.group(2))) {
            LOG.warn("pull-last-read-unreadable file={} reason=\"malformed\"", file);
            return r;
        }
        r.stream = m.group(1);
        r.end = Long.parseLong(m.group(2));
        r.seen = Math.max(r.end, Long.parseLong(m.group(3)));
        r.length = b.length - lf - 1;
        System.arraycopy(b, lf + 1, r.window, 0, r.length);
        return r;
    }

    // At most a header and the window, never through a symbolic link.
    private static byte[] read(Path file) throws IOException {
        try (SeekableByteChannel ch = Files.newByteChannel(file, Set.of(StandardOpenOption.READ,
                LinkOption.NOFOLLOW_LINKS))) {
            ByteBuffer buf = ByteBuffer.allocate(256 + WINDOW + 1);
            while (buf.hasRemaining() && ch.read(buf) > 0) {
                // reads until full or at the end
            }
            return Arrays.copyOf(buf.array(), buf.position());
        }
    }

    /** The stream last read from the path, null when none is known. */
    String stream() {
        return stream;
    }

    /** The offset reading of {@link #stream()} reached (every byte before it was received). */
    long end() {
        return end;
    }

    /** The largest size known for {@link #stream()}'s file: {@code stat} sizes and {@link #end()}. */
    long seen() {
        return seen;
    }

    /** The offset of the first byte of evidence: the window is the file's bytes {@code [start(), end())}. */
    long start() {
        return end - length;
    }

    /** True when the bytes {@code b[0, n)} at file offset {@code at} agree with the evidence where both have bytes. */
    boolean agrees(long at, byte[] b, int n) {
        long from = Math.max(at, start());
        long to = Math.min(at + n, end);
        for (long p = from; p < to; p++) {
            if (b[(int) (p - at)] != window[(int) (p - start())]) {
                return false;
            }
        }
        return true;
    }

    /** Reading of {@code s} starts (again) at {@code from}: the evidence is kept when it ends where reading starts. */
    void start(String s, long from) {
        boolean same = s.equals(stream);
        if (!same || from > end) {
            seen = same ? Math.max(seen, from) : from;
            stream = s;
            end = from;
            length = 0;
            dirty = true;
        }
    }

    /** Notes {@code size} as a size {@code stat} gave for {@link #stream()}'s file. */
    void saw(long size) {
        if (size > seen) {
            seen = size;
            dirty = true;
        }
    }

    /** Takes the bytes {@code b[0, n)} read at file offset {@code at}; those before {@link #end()} were had before. */
    void received(byte[] b, int n, long at) {
        if (at > end) {
            length = 0; // bytes between were never received: the evidence restarts here
            end = at;
        }
        int skip = (int) Math.max(0, Math.min(n, end - at));
        int take = n - skip;
        if (take <= 0) {
            return;
        }
        if (take >= WINDOW) {
            System.arraycopy(b, n - WINDOW, window, 0, WINDOW);
            length = WINDOW;
        } else {
            int keep = Math.min(length, WINDOW - take);
            System.arraycopy(window, length - keep, window, 0, keep);
            System.arraycopy(b, skip, window, keep, take);
            length = keep + take;
        }
        end = at + n;
        seen = Math.max(seen, end);
        dirty = true;
    }

    /** Forgets the evidence: the content it described is gone, nothing of its successor is read yet. */
    void clear() {
        stream = null;
        end = 0;
        seen = 0;
        length = 0;
        dirty = true;
    }

    /** Saves the evidence when it changed and the last save is a second old (a cache: at most a second stale). */
    void saveSometimes() {
        if (dirty && System.nanoTime() - savedAt > SAVE_EVERY_NANOS) {
            save();
        }
    }

    /** Saves the evidence now when it changed. */
    void save() {
        if (!dirty) {
            return;
        }
        savedAt = System.nanoTime();
        try {
            StoreFiles.createOrCheckPrivateDirectory(file.getParent(), "pull evidence directory");
            if (stream == null) {
                Files.deleteIfExists(file);
            } else {
                byte[] head = ("loghost-last-read 1 " + stream + " " + end + " " + seen + " " + length + "\n")
                        .getBytes(StandardCharsets.US_ASCII);
                byte[] all = Arrays.copyOf(head, head.length + length);
                System.arraycopy(window, 0, all, head.length, length);
                DurableFile.replace(file, all);
            }
            dirty = false;
        } catch (IOException e) {
            // A cache: without it a later truncation is met in doubt, and said so; the pull goes on.
            LOG.warn("pull-last-read-not-saved file={} reason=\"{}\"", file, e.getMessage());
        }
    }
}
