package loghost.verify;

import java.io.IOException;
import java.nio.file.DirectoryIteratorException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import loghost.verify.VerifyReport.Kind;

/**
 * The checks every entry of the data directory gets before its content is read (docs/FORMAT.md, "Verifying"):
 * its kind (no links, directories and regular files where expected), its mode, a listing in name order, and a
 * date in a file name that is a real one.
 */
final class StoreEntries {

    private StoreEntries() {
    }

    /** Kind and mode of one entry; false (after a failure) when nothing more of it should be checked. */
    static boolean entryUsable(Path p, String label, boolean directory, VerifyReport report) {
        PosixFileAttributes a;
        try {
            a = Files.readAttributes(p, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (IOException e) {
            report.add(Kind.FAIL, label, 0, "cannot be read");
            return false;
        }
        String kind = kindProblem(a, directory);
        if (kind != null) {
            report.add(Kind.FAIL, label, 0, kind);
            return false;
        }
        return modeFinding(a, label, report);
    }

    /** What is wrong with the kind of an entry that should be a directory (or a regular file), or null. */
    static String kindProblem(PosixFileAttributes a, boolean directory) {
        if (a.isSymbolicLink()) {
            return "symbolic link";
        }
        if (directory && !a.isDirectory()) {
            return "not a directory";
        }
        if (!directory && !a.isRegularFile()) {
            return "not a regular file";
        }
        return null;
    }

    /**
     * Group or others may write: a failure (the chain cannot show records cut from the end), and false. May read:
     * a warning.
     */
    static boolean modeFinding(PosixFileAttributes a, String label, VerifyReport report) {
        Set<PosixFilePermission> perms = a.permissions();
        int mode = 0;
        for (PosixFilePermission p : perms) {
            mode |= 1 << (8 - p.ordinal());
        }
        String octal = String.format("%04o", mode);
        if ((mode & 0022) != 0) {
            report.add(Kind.FAIL, label, 0, "mode " + octal + " lets group or others write");
            return false;
        }
        if ((mode & 0055) != 0) {
            report.add(Kind.WARNING, label, 0, "mode " + octal + " lets group or others read");
        }
        return true;
    }

    /** The names in a directory in name order, or null after reporting that it cannot be listed. */
    static List<String> sortedNames(Path dir, String label, VerifyReport report) {
        List<String> names = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (Path e : entries) {
                names.add(e.getFileName().toString());
            }
        } catch (IOException | DirectoryIteratorException e) {
            report.add(Kind.FAIL, label, 0, "cannot be read");
            return null;
        }
        names.sort(null);
        return names;
    }

    /** True when {@code yyyyMmDd} is a day of the calendar. */
    static boolean realDate(String yyyyMmDd) {
        try {
            LocalDate.parse(yyyyMmDd);
            return true;
        } catch (DateTimeParseException e) {
            return false;
        }
    }
}
