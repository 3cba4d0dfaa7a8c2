package loghost.verify;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import loghost.names.DayFileName;
import loghost.store.Manifest;
import loghost.verify.VerifyReport.Kind;

/**
 * The entries of one host's directory, each checked by name, kind and mode (docs/FORMAT.md, "Verifying"): its
 * days in name order, each as a plain file, a compressed one, or (while a compression is unfinished) both; and
 * whether it holds a MANIFEST. Unfinished files of a crash are noted and left out.
 */
final class HostDirectory {

    private static final Pattern DAY_NAME = DayFileName.PLAIN;
    private static final Pattern UNFINISHED_NAME = DayFileName.UNFINISHED;
    private static final Pattern COMPRESSED_NAME = DayFileName.COMPRESSED;
    private static final Pattern COMPRESSING_NAME = DayFileName.COMPRESSING;

    /** Per day ({@code YYYY-MM-DD}): {plain file present, compressed file present}. */
    final TreeMap<String, boolean[]> days = new TreeMap<>();
    /** True when the directory holds a MANIFEST. */
    boolean manifestPresent;

    private final Path dir;
    private final String label;
    private final VerifyReport report;

    private HostDirectory(Path dir, String label, VerifyReport report) {
        this.dir = dir;
        this.label = label;
        this.report = report;
    }

    /** The entries {@code names} of {@code dir}, in name order; null after a failure that ends the host's check. */
    static HostDirectory read(Path dir, String label, List<String> names, VerifyReport report) {
        HostDirectory d = new HostDirectory(dir, label, report);
        for (String name : names) {
            if (!d.entry(name)) {
                return null;
            }
        }
        return d;
    }

    // One entry; false after a failure.
    private boolean entry(String name) {
        String fileLabel = label + "/" + Verifier.printable(name);
        Path file = dir.resolve(name);
        if (name.equals(Manifest.NAME) || name.equals(Manifest.UNFINISHED)) {
            if (!StoreEntries.entryUsable(file, fileLabel, false, report)) {
                return false;
            }
            if (name.equals(Manifest.NAME)) {
                manifestPresent = true;
            } else {
                report.add(Kind.NOTE, fileLabel, 0, "unfinished file of loghost compress, ignored");
            }
            return true;
        }
        Matcher m = firstMatch(name, DAY_NAME, UNFINISHED_NAME, COMPRESSED_NAME, COMPRESSING_NAME);
        if (m == null) {
            return fail(fileLabel, "unexpected entry in host directory");
        }
        if (!StoreEntries.realDate(m.group(1))) {
            return fail(fileLabel, "file name is not a real date");
        }
        if (!StoreEntries.entryUsable(file, fileLabel, false, report)) {
            return false;
        }
        if (m.pattern() == DAY_NAME || m.pattern() == COMPRESSED_NAME) {
            days.computeIfAbsent(m.group(1), d -> new boolean[2])[m.pattern() == DAY_NAME ? 0 : 1] = true;
            return true;
        }
        if (m.pattern() == COMPRESSING_NAME) {
            report.add(Kind.NOTE, fileLabel, 0, "unfinished file of loghost compress, ignored");
            return true;
        }
        return unfinishedDayFile(file, fileLabel);
    }

    // A day file a crash left unfinished (.log.tmp): ignored when it holds at most a header.
    private boolean unfinishedDayFile(Path file, String fileLabel) {
        boolean headerAtMost;
        try {
            headerAtMost = UnfinishedDayFile.atMostAHeader(file);
        } catch (IOException e) {
            return fail(fileLabel, "cannot be read");
        }
        if (!headerAtMost) {
            return fail(fileLabel, "unfinished day file holds more than a header");
        }
        report.add(Kind.NOTE, fileLabel, 0, "unfinished day file (at most a header), ignored");
        return true;
    }

    private boolean fail(String fileLabel, String reason) {
        report.add(Kind.FAIL, fileLabel, 0, reason);
        return false;
    }

    private static Matcher firstMatch(String name, Pattern... patterns) {
        for (Pattern p : patterns) {
            Matcher m = p.matcher(name);
            if (m.matches()) {
                return m;
            }
        }
        return null;
    }
}
