package loghost.archive;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Set;
import loghost.store.Manifest;
import loghost.store.StepObserver;
import loghost.store.StoreFiles;

/**
 * An archive destination that is a directory (a NAS mount, a second disk, tape staging) with the store's layout:
 * {@code ROOT/hosts/HOST/DAY.log.gz} and a copy of the host's {@code MANIFEST} (docs/FORMAT.md, "Archive").
 * Every file arrives as {@code NAME.tmp}, forced, renamed, the directory forced; then it is read back.
 */
public final class DirectoryTarget implements ArchiveTarget {

    private static final int CHUNK = 1 << 16;

    private final String name;
    private final Path root;
    private final StepObserver steps;

    /**
     * The destination {@code name} rooted at {@code root}, which must exist (a NAS that is not mounted is an error);
     * {@code steps} hears of each copy made.
     */
    public DirectoryTarget(String name, Path root, StepObserver steps) {
        this.name = name;
        this.root = root;
        this.steps = steps;
    }

    @Override
    public String name() {
        return name;
    }

    /** The directory holding the archived files of {@code host}. */
    public Path hostDir(String host) {
        return root.resolve("hosts").resolve(host);
    }

    /** {@inheritDoc} Written as NAME.tmp, forced, renamed, the directory forced; then read back. */
    @Override
    public void put(String host, Path source, Manifest.Entry entry) throws IOException {
        Path dir = prepare(host);
        Path target = dir.resolve(entry.name());
        if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
            if (!matches(target, entry)) {
                throw new IOException("archive " + name + " already holds a different hosts/" + host + "/"
                        + entry.name() + "; nothing overwritten (run loghost archive verify)");
            }
            return;
        }
        copy(source, dir, entry.name());
        steps.after("archive-copied");
        if (!matches(target, entry)) {
            throw new IOException("archive " + name + ": hosts/" + host + "/" + entry.name()
                    + " read back does not match its MANIFEST entry (a disk or network error?); the online copy is kept");
        }
    }

    /** {@inheritDoc} Crash-safely: NAME.tmp, forced, renamed. */
    @Override
    public void putManifest(String host, Path manifest) throws IOException {
        copy(manifest, prepare(host), Manifest.NAME);
    }

    @Override
    public java.util.List<String> hosts() throws IOException {
        Path hosts = root.resolve("hosts");
        if (!Files.isDirectory(hosts, LinkOption.NOFOLLOW_LINKS)) {
            throw new IOException("archive " + name + ": " + hosts + " does not exist (nothing archived, or not mounted)");
        }
        try (var s = Files.list(hosts)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Override
    public Path fetch(String host, String fileName, Path scratch) {
        Path p = hostDir(host).resolve(fileName);
        return Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS) ? p : null;
    }

    private Path prepare(String host) throws IOException {
        if (!Files.isDirectory(root, LinkOption.NOFOLLOW_LINKS)) {
            throw new IOException("archive " + name + ": directory " + root + " does not exist (not mounted?)");
        }
        Path hosts = root.resolve("hosts");
        Path dir = hosts.resolve(host);
        StoreFiles.createOrCheckPrivateDirectory(hosts, "archive hosts directory");
        StoreFiles.createOrCheckPrivateDirectory(dir, "archive host directory");
        return dir;
    }

    // NAME.tmp (0600, replaced if a crash left one), forced, renamed to NAME, directory forced.
    private static void copy(Path source, Path dir, String fileName) throws IOException {
        Path tmp = dir.resolve(fileName + ".tmp");
        Files.deleteIfExists(tmp);
        try (InputStream in = Files.newInputStream(source, LinkOption.NOFOLLOW_LINKS);
             FileChannel out = FileChannel.open(tmp, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
                     PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")))) {
            byte[] buf = new byte[CHUNK];
            int n;
            while ((n = in.read(buf)) > 0) {
                ByteBuffer bb = ByteBuffer.wrap(buf, 0, n);
                while (bb.hasRemaining()) {
                    out.write(bb);
                }
            }
            out.force(true);
        }
        Files.move(tmp, dir.resolve(fileName), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        StoreFiles.syncDirectory(dir);
    }

    /** True when {@code file} has the size and SHA-256 its manifest entry lists (read through, from disk). */
    public static boolean matches(Path file, Manifest.Entry entry) throws IOException {
        if (Files.size(file) != entry.size()) {
            return false;
        }
        return sha256Hex(file).equals(entry.sha256());
    }

    /** SHA-256 of a file's bytes, lowercase hex. */
    static String sha256Hex(Path file) throws IOException {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
        try (InputStream in = Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS)) {
            byte[] buf = new byte[CHUNK];
            int n;
            while ((n = in.read(buf)) > 0) {
                md.update(buf, 0, n);
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }
}
