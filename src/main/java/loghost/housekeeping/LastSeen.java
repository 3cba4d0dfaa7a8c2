package loghost.housekeeping;

import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import loghost.store.FileHeader;
import loghost.store.LineReader;
import loghost.store.Manifest;
import loghost.store.OneMemberGzip;
import loghost.store.RecordType;
import loghost.store.RecordView;
import loghost.store.StoreFiles;

/**
 * When a host was last heard from, read from its stored history rather than from today's file alone, so that a
 * host quiet since yesterday keeps its last-seen after midnight, when its day is closed, compressed or archived.
 *
 * <p>{@code record}: its newest record of a type the host sends, heartbeats included (its forwarder or session is
 * alive), not the {@code seal} records the loghost writes after a host's records; {@code log}: its newest
 * {@code log} or {@code cont} record (its own lines are flowing); {@code heartbeat}: its newest {@code mark} in
 * the days read (in a plain file, within {@link #HEARTBEAT_WINDOW} of its end once the others are found). Day
 * files are read newest first, a {@code .log} from its end and a {@code .gz} decompressed once, and reading stops
 * at the newest day that holds records, going further back only for a {@code log} record and only over days that
 * end within {@code horizon} (at least {@link #MIN_HORIZON}) of now: so a poll reads one or two days, never the
 * whole history. When the search
 * stopped before finding a log record, {@code logBefore} says since when there is certainly none. When every day
 * with records has left the host directory (archived or deleted, per its MANIFEST), no time is known and
 * {@code recordBefore} is the end of the newest such day.
 */
public record LastSeen(Instant record, Instant recordBefore, Instant heartbeat, Instant log, Instant logBefore) {

    /** Nothing stored: never seen. */
    public static final LastSeen NEVER = new LastSeen(null, null, null, null, null);

    /** How far back a log record is always looked for: a host whose last line came yesterday shows it. */
    public static final Duration MIN_HORIZON = Duration.ofDays(1);

    /**
     * How far back from the end of a plain day file a heartbeat is still looked for once its last record and log
     * line are found: a busy host without a forwarder (no heartbeats) is not read whole at each poll and start.
     */
    static final long HEARTBEAT_WINDOW = 4L << 20;

    private static final int BLOCK = 1 << 20;

    /** The latest instant the host's last record can have, exact or bound; null when it never wrote. */
    public Instant recordAtMost() {
        return record != null ? record : recordBefore;
    }

    /** The latest instant its last log line can have, exact or bound; null when it never sent one. */
    public Instant logAtMost() {
        return log != null ? log : logBefore;
    }

    /** Reads the last-seen times of the host whose directory is {@code hostDir}, looking back as said above. */
    public static LastSeen read(Path hostDir, Duration horizon, Instant now) throws IOException {
        List<Path> files = storedNewestFirst(hostDir);
        Instant limit = now.minus(horizon.compareTo(MIN_HORIZON) > 0 ? horizon : MIN_HORIZON);
        Found found = new Found();
        Instant oldestRead = null;
        int read = 0;
        for (Path f : files) {
            Instant dayEnd = day(f).plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant();
            if (found.record != null && (found.log != null || !dayEnd.isAfter(limit))) {
                break;
            }
            if (f.getFileName().toString().endsWith(".gz")) {
                scanCompressed(f, found);
            } else {
                try {
                    scanBack(f, found);
                } catch (java.io.FileNotFoundException | java.nio.file.NoSuchFileException gone) {
                    // Compressed meanwhile (serve's pass runs while status reads): the same bytes, as .gz.
                    scanCompressed(f.resolveSibling(f.getFileName() + ".gz"), found);
                }
            }
            oldestRead = day(f).atStartOfDay(ZoneOffset.UTC).toInstant();
            read++;
        }
        boolean moreOnline = read < files.size();
        Instant recordBefore = null;
        LocalDate gone = found.record == null || found.log == null && !moreOnline ? newestGone(hostDir) : null;
        if (found.record == null && gone != null) {
            recordBefore = gone.plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant();
        }
        Instant logBefore = null;
        if (found.log == null && (moreOnline || gone != null)) {
            // Older days were not read (or are not here): no log line since the oldest day read, or since the end
            // of the newest day that left.
            logBefore = oldestRead != null ? oldestRead : recordBefore;
        }
        return new LastSeen(found.record, recordBefore, found.heartbeat, found.log, logBefore);
    }

    /** The newest of each kind met so far; the first met is kept, files being read newest first. */
    private static final class Found {
        Instant record;
        Instant heartbeat;
        Instant log;
        // Of the file being read: a file read forward keeps its last, one read backward its first.
        Instant fileRecord;
        Instant fileHeartbeat;
        Instant fileLog;

        void see(RecordView v, boolean forward) {
            RecordType t = v.knownType();
            if (t == RecordType.SEAL || t == RecordType.AUDIT) {
                return; // written by the loghost itself (a seal follows a host's last records): not the host's
            }
            boolean isLog = t == RecordType.LOG || t == RecordType.CONT;
            boolean isMark = t == RecordType.MARK;
            if (forward || fileRecord == null) {
                fileRecord = Instant.parse(v.time());
            }
            if (isLog && (forward || fileLog == null)) {
                fileLog = Instant.parse(v.time());
            }
            if (isMark && (forward || fileHeartbeat == null)) {
                fileHeartbeat = Instant.parse(v.time());
            }
        }

        boolean fileComplete() {
            return fileRecord != null && fileLog != null && fileHeartbeat != null;
        }

        void endFile() {
            record = record != null ? record : fileRecord;
            heartbeat = heartbeat != null ? heartbeat : fileHeartbeat;
            log = log != null ? log : fileLog;
            fileRecord = null;
            fileHeartbeat = null;
            fileLog = null;
        }
    }

    // A closed, compressed day: decompressed once, forward, keeping the last of each kind.
    private static void scanCompressed(Path gz, Found found) throws IOException {
        try (InputStream raw = Files.newInputStream(gz, LinkOption.NOFOLLOW_LINKS);
             LineReader lines = new LineReader(new OneMemberGzip(raw, 1 << 16), RecordView.MAX_LINE_BYTES)) {
            FileHeader header = null;
            RecordView v = new RecordView();
            while (lines.next()) {
                if (!lines.terminated()) {
                    break; // a closed file ends whole; verify reports one that does not
                }
                if (header == null) {
                    header = header(gz, lines.line(), lines.length());
                } else if (v.parse(lines.line(), lines.length(), header.algorithm(), header.version()) == null) {
                    found.see(v, true);
                }
            }
        } catch (LineReader.LineTooLongException e) {
            throw new IOException(gz + ": a line too long; run loghost verify", e);
        }
        found.endFile();
    }

    // A plain day file, read from its last complete line back, in blocks, until each kind is found or it ends.
    private static void scanBack(Path log, Found found) throws IOException {
        try (RandomAccessFile raf = new RandomAccessFile(log.toFile(), "r")) {
            byte[] first = new byte[(int) Math.min(4096, raf.length())];
            raf.readFully(first);
            int headerEnd = indexOf(first, 0);
            if (headerEnd < 0) {
                throw new IOException(log + ": no complete header line; run loghost verify");
            }
            FileHeader header = header(log, first, headerEnd);
            RecordView v = new RecordView();
            long end = raf.length();
            byte[] carry = new byte[0];
            boolean tornSkipped = false;
            long size = end;
            while (end > headerEnd + 1 && !found.fileComplete()
                    && !(found.fileRecord != null && found.fileLog != null && size - end >= HEARTBEAT_WINDOW)) {
                int n = (int) Math.min(BLOCK, end - headerEnd - 1);
                byte[] block = new byte[n + carry.length];
                raf.seek(end - n);
                raf.readFully(block, 0, n);
                System.arraycopy(carry, 0, block, n, carry.length);
                int lineEnd = block.length;
                for (int i = block.length - 1; i >= 0 && !found.fileComplete(); i--) {
                    if (block[i] != '\n') {
                        continue;
                    }
                    if (tornSkipped) {
                        see(block, i + 1, lineEnd, header, v, found);
                    }
                    tornSkipped = true; // bytes after the last LF are a torn tail, not a record
                    lineEnd = i;
                }
                if (end - n == headerEnd + 1 && tornSkipped) {
                    see(block, 0, lineEnd, header, v, found); // the first record, just after the header's LF
                }
                carry = java.util.Arrays.copyOfRange(block, 0, lineEnd);
                if (carry.length > RecordView.MAX_LINE_BYTES) {
                    throw new IOException(log + ": a line too long; run loghost verify");
                }
                end -= n;
            }
        }
        found.endFile();
    }

    private static void see(byte[] block, int start, int end, FileHeader header, RecordView v, Found found) {
        if (end <= start) {
            return;
        }
        byte[] line = java.util.Arrays.copyOfRange(block, start, end);
        if (v.parse(line, line.length, header.algorithm(), header.version()) == null) {
            found.see(v, false);
        }
    }

    private static FileHeader header(Path file, byte[] line, int length) throws IOException {
        try {
            return FileHeader.parse(new String(line, 0, length, StandardCharsets.ISO_8859_1));
        } catch (IllegalArgumentException e) {
            throw new IOException(file + ": bad header: " + e.getMessage() + "; run loghost verify", e);
        }
    }

    private static int indexOf(byte[] b, int from) {
        for (int i = from; i < b.length; i++) {
            if (b[i] == '\n') {
                return i;
            }
        }
        return -1;
    }

    private static LocalDate day(Path f) {
        return LocalDate.parse(f.getFileName().toString().substring(0, 10));
    }

    // Each day as stored, newest first; while a compression is unfinished the plain file is the one.
    private static List<Path> storedNewestFirst(Path dir) throws IOException {
        List<Path> files = new ArrayList<>(StoreFiles.storedDayFiles(dir));
        Collections.reverse(files);
        return files;
    }

    // The newest day with records that left the host directory (archived or deleted), per its MANIFEST.
    private static LocalDate newestGone(Path hostDir) throws IOException {
        Path manifest = hostDir.resolve(Manifest.NAME);
        if (!Files.exists(manifest, LinkOption.NOFOLLOW_LINKS)) {
            return null;
        }
        Manifest.Contents c = Manifest.read(manifest, hostDir.getFileName().toString());
        LocalDate newest = null;
        for (Manifest.Entry e : c.entries()) {
            if (e.lastSeq() >= e.firstSeq() && !Files.exists(hostDir.resolve(e.name()), LinkOption.NOFOLLOW_LINKS)) {
                LocalDate d = LocalDate.parse(e.name().substring(0, 10));
                newest = newest == null || d.isAfter(newest) ? d : newest;
            }
        }
        return newest;
    }
}
