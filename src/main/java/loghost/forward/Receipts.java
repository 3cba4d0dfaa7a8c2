package loghost.forward;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import loghost.store.StoreFiles;

/**
 * The receipts a loghost signed for this spool (docs/PROTOCOL.md, "Receipts"): {@code SPOOL/receipts/NAME}, one
 * file per loghost, one line per receipt, the newest last. Bounded: past {@link #TRIM_AT} lines the file is
 * rewritten with the newest {@link #KEEP} (the newest receipt alone proves everything before it).
 */
final class Receipts {

    static final String DIR = "receipts";
    static final int TRIM_AT = 1000;
    static final int KEEP = 100;

    private final Path file;
    private int lines = -1;

    /** The receipts file of {@code dest} in {@code spoolDir}: its name is HOST_PORT (an IPv6 host without brackets). */
    Receipts(Path spoolDir, Destination dest) {
        String name = dest.host().replace(':', '.') + "_" + dest.port();
        this.file = spoolDir.resolve(DIR).resolve(name);
    }

    /** Where the receipts are kept. */
    Path file() {
        return file;
    }

    /** Appends one verified receipt line; trims the file when it grew past the bound. */
    synchronized void add(String line) throws IOException {
        if (lines < 0) {
            StoreFiles.createOrCheckPrivateDirectory(file.getParent(), "receipts directory");
            lines = Files.exists(file, LinkOption.NOFOLLOW_LINKS) ? countLines() : 0;
        }
        try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.US_ASCII, StandardOpenOption.CREATE,
                StandardOpenOption.APPEND, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS)) {
            w.write(line);
            w.write('\n');
        }
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        if (++lines > TRIM_AT) {
            List<String> all = Files.readAllLines(file, StandardCharsets.US_ASCII);
            List<String> kept = new ArrayList<>(all.subList(Math.max(0, all.size() - KEEP), all.size()));
            Path tmp = file.resolveSibling(file.getFileName() + ".new");
            Files.deleteIfExists(tmp);
            StoreFiles.writePrivateFile(tmp, (String.join("\n", kept) + "\n").getBytes(StandardCharsets.US_ASCII));
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            StoreFiles.syncDirectory(file.getParent());
            lines = kept.size();
        }
    }

    private int countLines() throws IOException {
        try (var s = Files.lines(file, StandardCharsets.US_ASCII)) {
            return (int) s.count();
        }
    }
}
