package loghost.housekeeping;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import loghost.store.FileHeader;
import loghost.store.LineReader;
import loghost.store.Manifest;
import loghost.store.OneMemberGzip;
import loghost.store.RecordType;
import loghost.store.RecordView;
import loghost.store.StoreFiles;

/**
 * The {@code gap} records of a host's recent days (lines it never got: a forwarder's spool overflow, journal
 * entries vacuumed before they were read, a file truncated in place): how many, and the newest with its text.
 * Every record of the days asked for is read, forward, plain or compressed; days no longer in the host directory
 * (archived) are not counted, and {@link #notOnline} names them.
 *
 * @param count the gap records of the days read
 * @param newestTime the newest one's TIME, null when there is none
 * @param newestText the newest one's MESSAGE as stored (escaped: printable ASCII), null when there is none
 * @param notOnline days asked for that had records but are no longer online (per MANIFEST): not counted
 */
public record DayGaps(long count, Instant newestTime, String newestText, List<LocalDate> notOnline) {

    /** Reads the gap records of {@code hostDir}'s days from {@code first} to {@code last}, both included. */
    public static DayGaps read(Path hostDir, LocalDate first, LocalDate last) throws IOException {
        long count = 0;
        Instant time = null;
        String text = null;
        java.util.ArrayList<LocalDate> gone = new java.util.ArrayList<>();
        for (LocalDate d = first; !d.isAfter(last); d = d.plusDays(1)) {
            Path plain = hostDir.resolve(StoreFiles.dayFileName(d));
            Path gz = plain.resolveSibling(plain.getFileName() + ".gz");
            Path file = Files.exists(plain, LinkOption.NOFOLLOW_LINKS) ? plain
                    : Files.exists(gz, LinkOption.NOFOLLOW_LINKS) ? gz : null;
            if (file == null) {
                if (leftWithRecords(hostDir, d)) {
                    gone.add(d);
                }
                continue;
            }
            Found f = scan(file);
            count += f.count;
            if (f.time != null) {
                time = f.time;
                text = f.text;
            }
        }
        return new DayGaps(count, time, text, List.copyOf(gone));
    }

    // True when the host's MANIFEST lists day d with records (archived or deleted since).
    private static boolean leftWithRecords(Path hostDir, LocalDate d) throws IOException {
        Path manifest = hostDir.resolve(Manifest.NAME);
        if (!Files.exists(manifest, LinkOption.NOFOLLOW_LINKS)) {
            return false;
        }
        for (Manifest.Entry e : Manifest.read(manifest, hostDir.getFileName().toString()).entries()) {
            if (e.name().startsWith(d.toString()) && e.lastSeq() >= e.firstSeq()) {
                return true;
            }
        }
        return false;
    }

    private static final class Found {
        long count;
        Instant time;
        String text;
    }

    private static Found scan(Path file) throws IOException {
        Found found = new Found();
        boolean gz = file.getFileName().toString().endsWith(".gz");
        try (InputStream raw = Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS);
             InputStream in = gz ? new OneMemberGzip(raw, 1 << 16) : raw;
             LineReader lines = new LineReader(in, RecordView.MAX_LINE_BYTES)) {
            FileHeader header = null;
            RecordView v = new RecordView();
            while (lines.next()) {
                if (!lines.terminated()) {
                    break; // a torn tail after a crash is not a record (verify reports it)
                }
                if (header == null) {
                    header = header(file, lines.line(), lines.length());
                } else if (v.parse(lines.line(), lines.length(), header.algorithm(), header.version()) == null
                        && v.knownType() == RecordType.GAP) {
                    found.count++;
                    found.time = Instant.parse(v.time());
                    found.text = new String(lines.line(), v.messageStart(), v.end() - v.messageStart(),
                            StandardCharsets.US_ASCII);
                }
            }
        } catch (LineReader.LineTooLongException e) {
            throw new IOException(file + ": a line too long; run loghost verify", e);
        }
        return found;
    }

    private static FileHeader header(Path file, byte[] line, int length) throws IOException {
        try {
            return FileHeader.parse(new String(line, 0, length, StandardCharsets.ISO_8859_1));
        } catch (IllegalArgumentException e) {
            throw new IOException(file + ": bad header: " + e.getMessage() + "; run loghost verify", e);
        }
    }
}
