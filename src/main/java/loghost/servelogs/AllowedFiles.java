package loghost.servelogs;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;

/**
 * The files serve-logs may read, from its allow file: a path is served only when both the path as given and its
 * real path (links resolved) match an allowed line, and the real path is a regular file.
 */
final class AllowedFiles {

    private final List<String> allowed;
    private final Journal journal;

    /** The journal the allow file lets the loghost follow: the system's ({@code dir} null) or a directory's. */
    record Journal(Path dir) {
    }

    private AllowedFiles(List<String> allowed, Journal journal) {
        this.allowed = allowed;
        this.journal = journal;
    }

    /** The journal that may be followed, or null when the allow file has no {@code journal} line. */
    Journal journal() {
        return journal;
    }

    /** Reads the allow file; any line outside the grammar makes it unusable (fail closed). */
    static AllowedFiles load(Path file) throws Refused {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.US_ASCII);
        } catch (IOException | RuntimeException e) {
            throw Refused.allowFile(file);
        }
        List<String> patterns = new ArrayList<>();
        Journal journal = null;
        for (int i = 0; i < lines.size(); i++) {
            String l = lines.get(i).strip();
            if (l.isEmpty() || l.startsWith("#")) {
                continue;
            }
            if (l.equals("journal") || (l.startsWith("journal /") && RemotePath.isPath(l.substring(8)))) {
                journal = new Journal(l.equals("journal") ? null : Path.of(l.substring(8)));
                continue;
            }
            if (!RemotePath.isPattern(l)) {
                throw Refused.allowFile(file + " line " + (i + 1) + " is not an absolute path or pattern");
            }
            patterns.add(l);
        }
        return new AllowedFiles(List.copyOf(patterns), journal);
    }

    /** True when {@code path} (a string in the path grammar) matches an allowed line. */
    boolean allows(String path) {
        for (String p : allowed) {
            if (RemotePath.matches(p, path)) {
                return true;
            }
        }
        return false;
    }

    /**
     * The real path of {@code path} to open, after every check: allowed as given, allowed once links are resolved,
     * and a regular file.
     */
    Path resolve(String path) throws Refused {
        if (!RemotePath.isPath(path)) {
            throw Refused.malformed();
        }
        if (!allows(path)) {
            throw Refused.refused("path not allowed");
        }
        Path real;
        try {
            real = Path.of(path).toRealPath();
        } catch (NoSuchFileException e) {
            throw Refused.noSuchFile(path);
        } catch (IOException e) {
            throw Refused.cannotRead(path);
        }
        if (!allows(real.toString())) {
            throw Refused.refused("symbolic link leads outside the allowed files");
        }
        try {
            BasicFileAttributes a = Files.readAttributes(real, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            if (!a.isRegularFile()) {
                throw Refused.refused("not a regular file");
            }
        } catch (NoSuchFileException e) {
            throw Refused.noSuchFile(path);
        } catch (IOException e) {
            throw Refused.cannotRead(path);
        }
        return real;
    }
}
