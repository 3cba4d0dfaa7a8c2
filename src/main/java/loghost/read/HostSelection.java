package loghost.read;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.regex.Pattern;
import loghost.store.HostName;

/**
 * Which host directories {@code --host} names: plain host names, shell globs ({@code web*}, {@code db0?},
 * {@code [ab]*}) matched against the host directories that exist, or every host when none is given. A name or
 * pattern never becomes a path: only directory names that are host names are ever opened.
 */
public final class HostSelection {

    private static final Pattern GLOB_CHARS = Pattern.compile("[a-z0-9._*?\\[\\]!{},-]+");

    private final List<Path> dirs;
    private final boolean several;

    private HostSelection(List<Path> dirs, boolean several) {
        this.dirs = dirs;
        this.several = several;
    }

    /** The host directories, sorted by name. */
    public List<Path> dirs() {
        return dirs;
    }

    /**
     * True unless exactly one plain host name was given: then lines are not prefixed by their host, so the output
     * does not depend on how many hosts a pattern happened to match.
     */
    public boolean several() {
        return several;
    }

    /** The hosts under {@code hostsDir} that {@code args} name (none: all of them, the audit trail included). */
    public static HostSelection of(Path hostsDir, List<String> args) throws IOException {
        List<String> given = args == null ? List.of() : args;
        if (given.size() == 1 && !isGlob(given.get(0))) {
            return new HostSelection(List.of(plain(hostsDir, given.get(0))), false);
        }
        TreeSet<String> names = new TreeSet<>();
        List<String> existing = given.stream().anyMatch(HostSelection::isGlob) || given.isEmpty()
                ? list(hostsDir) : List.of();
        for (String arg : given) {
            if (!isGlob(arg)) {
                names.add(plain(hostsDir, arg).getFileName().toString());
                continue;
            }
            if (!GLOB_CHARS.matcher(arg).matches()) {
                throw new IllegalArgumentException("not a host name or pattern: \"" + printable(arg) + "\"; names "
                        + "match " + HostName.rule() + ", patterns add * ? [...] {a,b}");
            }
            PathMatcher glob = FileSystems.getDefault().getPathMatcher("glob:" + arg);
            List<String> matched = existing.stream().filter(n -> glob.matches(Path.of(n))).toList();
            if (matched.isEmpty()) {
                throw new IOException("no host matches " + arg + " in " + hostsDir);
            }
            names.addAll(matched);
        }
        if (given.isEmpty()) {
            names.addAll(existing);
            if (names.isEmpty()) {
                throw new IOException("no host logs in " + hostsDir);
            }
        }
        List<Path> dirs = new ArrayList<>();
        for (String n : names) {
            dirs.add(hostsDir.resolve(n));
        }
        return new HostSelection(List.copyOf(dirs), true);
    }

    private static boolean isGlob(String arg) {
        return arg.chars().anyMatch(c -> "*?[{".indexOf(c) >= 0);
    }

    private static Path plain(Path hostsDir, String host) throws IOException {
        if (!HostName.isStorable(host)) {
            throw new IllegalArgumentException("not a host name: \"" + printable(host) + "\"; names match "
                    + HostName.rule());
        }
        Path dir = hostsDir.resolve(host);
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            throw new IOException("no log for host " + host + " in " + hostsDir);
        }
        return dir;
    }

    // Only entries that are host names and real directories (not links) are hosts.
    private static List<String> list(Path hostsDir) throws IOException {
        if (!Files.isDirectory(hostsDir, LinkOption.NOFOLLOW_LINKS)) {
            throw new IOException("no host logs in " + hostsDir + " (not a directory)");
        }
        List<String> names = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(hostsDir)) {
            for (Path p : entries) {
                String n = p.getFileName().toString();
                if (HostName.isStorable(n) && Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                    names.add(n);
                }
            }
        }
        return names;
    }

    private static String printable(String s) {
        return s.replaceAll("[^ -~]", "?");
    }
}
