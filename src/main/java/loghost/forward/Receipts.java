package loghost.forward;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import loghost.store.DurableFile;
import loghost.store.StoreFiles;

/**
 * The receipts a loghost signed for this spool (docs/PROTOCOL.md, "Receipts"), in {@code SPOOL/receipts/}: per
 * loghost a file of the newest receipts ({@code NAME}; past {@link #TRIM_AT} lines rewritten with the newest
 * {@link #KEEP}) and a file of the first receipt of each UTC day by this host's clock ({@code NAME.daily}, never
 * trimmed: one line a day). A loghost taken over by an intruder can make the first file forget what it held before,
 * by sending receipts; it cannot reach the daily file beyond one line a day.
 */
final class Receipts {

    static final String DIR = "receipts";
    static final int TRIM_AT = 1000;
    static final int KEEP = 100;

    private final Path file;
    private final Path daily;
    private final Clock clock;
    private int lines = -1;
    private LocalDate dailyDay;

    /** The receipts files of {@code dest} in {@code spoolDir}: HOST_PORT (an IPv6 host's ":" written "."). */
    Receipts(Path spoolDir, Destination dest, Clock clock) {
        String name = dest.host().replace(':', '.') + "_" + dest.port();
        this.file = spoolDir.resolve(DIR).resolve(name);
        this.daily = spoolDir.resolve(DIR).resolve(name + ".daily");
        this.clock = clock;
    }

    /** Where the newest receipts are kept. */
    Path file() {
        return file;
    }

    /** Appends one verified receipt line (and, if it is the day's first, to the daily file too). */
    synchronized void add(String line) throws IOException {
        if (lines < 0) {
            StoreFiles.createOrCheckPrivateDirectory(file.getParent(), "receipts directory");
            cutTornLine(file);
            cutTornLine(daily);
            lines = Files.exists(file, LinkOption.NOFOLLOW_LINKS) ? countLines() : 0;
            if (Files.exists(daily, LinkOption.NOFOLLOW_LINKS)) {
                dailyDay = LocalDate.ofInstant(Files.getLastModifiedTime(daily).toInstant(), ZoneOffset.UTC);
            }
        }
        append(file, line, false);
        LocalDate today = LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC);
        if (!today.equals(dailyDay)) {
            append(daily, line, true);
            dailyDay = today;
        }
        if (++lines > TRIM_AT) {
            List<String> all = Files.readAllLines(file, StandardCharsets.US_ASCII);
            List<String> kept = new ArrayList<>(all.subList(Math.max(0, all.size() - KEEP), all.size()));
            DurableFile.replace(file, (String.join("\n", kept) + "\n").getBytes(StandardCharsets.US_ASCII));
            lines = kept.size();
        }
    }

    // The newest file is not forced line by line (a crash may lose its last few lines; those before still prove
    // everything before them); the daily one is, since it gets one line a day.
    private static void append(Path f, String line, boolean force) throws IOException {
        boolean created = !Files.exists(f, LinkOption.NOFOLLOW_LINKS);
        if (created) {
            StoreFiles.writePrivateFile(f, new byte[0]);
        } else {
            StoreFiles.checkPrivateFile(f, "receipts file");
        }
        try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
            raf.seek(raf.length());
            raf.write((line + "\n").getBytes(StandardCharsets.US_ASCII));
            if (force) {
                raf.getFD().sync();
            }
        }
        if (created) {
            StoreFiles.syncDirectory(f.getParent());
        }
    }

    // A crash may leave a last line without its LF: cut it, so that the next receipt does not join it.
    private static void cutTornLine(Path f) throws IOException {
        if (!Files.exists(f, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        StoreFiles.checkPrivateFile(f, "receipts file");
        try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
            long end = raf.length();
            long keep = end;
            while (keep > 0) {
                raf.seek(keep - 1);
                if (raf.read() == '\n') {
                    break;
                }
                keep--;
            }
            if (keep < end) {
                raf.setLength(keep);
                raf.getFD().sync();
            }
        }
    }

    private int countLines() throws IOException {
        try (var s = Files.lines(file, StandardCharsets.US_ASCII)) {
            return (int) s.count();
        }
    }
}
