package loghost.pull;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import loghost.store.StoreFiles;

/**
 * A host's collected files, {@code DATA/files/HOST/} (docs/FORMAT.md, "Collected files"): one directory per UTC day
 * holding the copies under names the loghost makes, and a {@code MANIFEST} in the day-file manifest's line syntax,
 * so that {@code sha256sum -c MANIFEST} checks every copy.
 */
final class CollectedFiles {

    /** The top-level directory of collected files in the data directory. */
    static final String DIR = "files";
    static final String MANIFEST = "MANIFEST";
    static final String PARTIAL = ".partial";
    private static final int MAX_BASE = 100;
    private static final Pattern PRINTABLE = Pattern.compile("[!-~]+");
    private static final Pattern ENTRY = Pattern.compile("([0-9a-f]{64})  (\\S+)");

    private final String host;
    private final Path dir;
    private final Set<String> collected = new HashSet<>();

    private CollectedFiles(String host, Path dir) {
        this.host = host;
        this.dir = dir;
    }

    /** Opens (creating, 0700) the host's directory, reads what its manifest lists, drops unfinished copies. */
    static CollectedFiles open(Path data, String host) throws IOException {
        Path top = data.resolve(DIR);
        StoreFiles.createOrCheckPrivateDirectory(top, "collected files directory");
        Path dir = top.resolve(host);
        StoreFiles.createOrCheckPrivateDirectory(dir, "collected files directory");
        CollectedFiles c = new CollectedFiles(host, dir);
        Path manifest = dir.resolve(MANIFEST);
        if (Files.exists(manifest, LinkOption.NOFOLLOW_LINKS)) {
            StoreFiles.checkPrivateFile(manifest, "collected files manifest");
            for (String l : Files.readAllLines(manifest, StandardCharsets.US_ASCII)) {
                var m = ENTRY.matcher(l);
                if (m.matches()) {
                    c.collected.add(m.group(1));
                }
            }
        }
        Path partial = dir.resolve(PARTIAL);
        if (Files.isDirectory(partial, LinkOption.NOFOLLOW_LINKS)) {
            try (var s = Files.list(partial)) {
                for (Path p : s.toList()) {
                    Files.delete(p); // a transfer a failure or a crash cut short: never taken for a copy
                }
            }
        } else {
            StoreFiles.createOrCheckPrivateDirectory(partial, "collected files directory");
        }
        return c;
    }

    /** True when a copy with this SHA-256 is listed already (unchanged, or rotated under another name). */
    boolean has(String sha256) {
        return collected.contains(sha256);
    }

    /** A new file for a transfer in progress, 0600, in {@code .partial/}. */
    Path partial(String name) {
        return dir.resolve(PARTIAL).resolve(name + ".part");
    }

    /**
     * Moves a checked transfer to {@code DAY/H-B}: H the first 16 hex digits of its SHA-256, B the last component
     * of its path on the host (characters outside the path grammar as {@code _}, at most 100), with {@code ~N} when
     * that name is taken; forces the file and its directories first; returns its name relative to the host
     * directory. The name is the loghost's own: the host's path never chooses a directory.
     */
    String keep(Path partial, String day, String sha256, String remotePath) throws IOException {
        Path target = dir.resolve(day);
        StoreFiles.createOrCheckPrivateDirectory(target, "collected files directory");
        String base = sha256.substring(0, 16) + "-" + baseName(remotePath);
        Path file = target.resolve(base);
        for (int n = 2; Files.exists(file, LinkOption.NOFOLLOW_LINKS); n++) {
            file = target.resolve(base + "~" + n);
        }
        Files.move(partial, file); // rename(2) in one private directory: it follows no link, and the name is free
        StoreFiles.syncDirectory(file.getParent());
        StoreFiles.syncDirectory(partial.getParent());
        return dir.relativize(file).toString();
    }

    /** The last component of {@code remotePath}, made a safe file name: path-grammar characters only, 1 to 100. */
    static String baseName(String remotePath) {
        String last = remotePath.substring(remotePath.lastIndexOf('/') + 1);
        String safe = last.replaceAll("[^A-Za-z0-9._+@:,=%-]", "_");
        if (safe.length() > MAX_BASE) {
            safe = safe.substring(0, MAX_BASE);
        }
        return safe.isEmpty() || safe.equals(".") || safe.equals("..") ? "_" : safe;
    }

    /** Appends the two manifest lines of a kept copy and forces them to disk; creates the manifest with its header. */
    void list(String sha256, String name, long size, String remotePath, String id, long seq) throws IOException {
        if (!PRINTABLE.matcher(name).matches() || !PRINTABLE.matcher(remotePath).matches()) {
            // The collector lets no such path through; this keeps the promise if that ever changes.
            throw new IllegalArgumentException("not printable ASCII: " + PullFailure.quote(remotePath));
        }
        Path manifest = dir.resolve(MANIFEST);
        StringBuilder sb = new StringBuilder();
        boolean fresh = !Files.exists(manifest, LinkOption.NOFOLLOW_LINKS);
        if (fresh) {
            sb.append("#loghost files manifest v1 host=").append(host).append('\n');
        }
        sb.append(sha256).append("  ").append(name).append('\n');
        sb.append("# ").append(name).append(" size=").append(size).append(" path=").append(remotePath)
                .append(" id=").append(id).append(" seq=").append(seq).append('\n');
        if (fresh) {
            StoreFiles.writePrivateFile(manifest, sb.toString().getBytes(StandardCharsets.US_ASCII));
        } else {
            try (var ch = java.nio.channels.FileChannel.open(manifest, List.of(StandardOpenOption.WRITE,
                    StandardOpenOption.APPEND, LinkOption.NOFOLLOW_LINKS).toArray(new java.nio.file.OpenOption[0]))) {
                ch.write(java.nio.ByteBuffer.wrap(sb.toString().getBytes(StandardCharsets.US_ASCII)));
                ch.force(true);
            }
        }
        StoreFiles.syncDirectory(dir);
        collected.add(sha256);
    }
}
