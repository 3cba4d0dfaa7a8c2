package loghost.store;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.LocalDate;
import java.util.Arrays;
import java.util.Set;
import loghost.names.DayFileName;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * File-system rules of the store: names, private permissions (0700 / 0600), no symbolic links, and the fsyncs
 * that make renames stick.
 *
 * <p>Why checking before opening is enough here. Day files are written through {@link RandomAccessFile} (see
 * {@link HostLog}), which cannot open with {@code O_NOFOLLOW} and does not reveal its descriptor, so the open
 * itself cannot refuse a symbolic link. Instead, as OpenSSH's {@code StrictModes} does for authorized_keys,
 * every directory on the way (data at start, hosts and host directory at each open and day-file creation) must
 * be a real directory owned by the loghost user and closed to group and others, and the file is checked with
 * {@code NOFOLLOW_LINKS} right before it is opened and again right after. A symbolic link that exists before
 * the check (planted while a mode was loose, or made by an operator) is refused; only someone who can already
 * write in those directories, i.e. the loghost user or root, could swap one in between the two checks, and they
 * could as well rewrite the log itself.
 */
public final class StoreFiles {

    /** A day file being created: header written, not yet renamed into place. */
    static final String UNFINISHED_SUFFIX = ".tmp";

    private static final Logger LOG = LoggerFactory.getLogger(StoreFiles.class);
    private static final Set<PosixFilePermission> DIR_MODE = PosixFilePermissions.fromString("rwx------");
    private static final Set<PosixFilePermission> FILE_MODE = PosixFilePermissions.fromString("rw-------");

    private StoreFiles() {
    }

    /** The file name of a day. */
    public static String dayFileName(LocalDate day) {
        return DayFileName.plain(day);
    }

    /** The user every file and directory of the store must belong to: the one loghost runs as. */
    static String user() {
        return System.getProperty("user.name");
    }

    /**
     * Refuses, with one line naming {@code dir} and the fix, unless it is a directory (not a symbolic link) owned
     * by the loghost user and closed to group and others. {@code what} names it for the operator.
     */
    public static PosixFileAttributes checkPrivateDirectory(Path dir, String what) throws IOException {
        return checkPrivate(dir, what, true);
    }

    /** As {@link #checkPrivateDirectory} for a regular file (mode 0600). */
    public static PosixFileAttributes checkPrivateFile(Path file, String what) throws IOException {
        return checkPrivate(file, what, false);
    }

    private static PosixFileAttributes checkPrivate(Path p, String what, boolean directory) throws IOException {
        PosixFileAttributes a = Files.readAttributes(p, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        String kind = directory ? "directory" : "file";
        if (a.isSymbolicLink()) {
            throw new IOException(what + " " + p + " is a symbolic link; loghost does not follow symbolic links in "
                    + "its data directory: put the real " + kind + " there (or mount a filesystem there)");
        }
        if (directory ? !a.isDirectory() : !a.isRegularFile()) {
            throw new IOException(what + " " + p + " is not a " + (directory ? "directory" : "regular file")
                    + "; move it out of the data directory");
        }
        String me = user();
        if (!a.owner().getName().equals(me)) {
            // Root running a command on the server's store is the usual slip: chown-ing the store to root would
            // stop the next serve (User=loghost), so the hint is to run the command as the store's owner instead.
            // A lone file of another user inside root's own store is still a chown.
            boolean theirStore = directory || p.getParent() == null || Files.getOwner(p.getParent(),
                    LinkOption.NOFOLLOW_LINKS).equals(a.owner());
            String fix = "root".equals(me) && theirStore ? "run loghost as that user, e.g.: runuser -u "
                    + a.owner().getName() + " -- loghost ..."
                    : "fix with: chown " + (directory ? "-R " : "") + me + " " + p;
            throw new IOException(what + " " + p + " is owned by " + a.owner().getName() + ", but loghost runs as "
                    + me + "; " + fix);
        }
        Set<PosixFilePermission> mode = a.permissions();
        if (mode.stream().anyMatch(m -> m.name().startsWith("GROUP") || m.name().startsWith("OTHERS"))) {
            throw new IOException(what + " " + p + " has mode " + PosixFilePermissions.toString(mode)
                    + (directory ? " (group or others can reach the logs); fix with: chmod 700 "
                            : " (group or others can reach it); fix with: chmod 600 ") + p);
        }
        return a;
    }

    /** Creates {@code dir} (0700) if it does not exist; else refuses it unless it passes the check above. */
    public static void createOrCheckPrivateDirectory(Path dir, String what) throws IOException {
        if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            createPrivateDirectory(dir);
        }
        checkPrivateDirectory(dir, what);
    }

    /**
     * Opens an existing day file for appending, refusing a symbolic link, a file that is not ours or not private,
     * and a file that changed between the check and the open (see the class comment for why this is sound).
     */
    static RandomAccessFile openDayFile(Path file) throws IOException {
        Object key = checkPrivateFile(file, "day file").fileKey();
        RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw");
        try {
            Object after = checkPrivateFile(file, "day file").fileKey();
            if (!key.equals(after)) {
                throw new IOException("day file " + file + " was replaced while being opened");
            }
            return raf;
        } catch (IOException | RuntimeException e) {
            raf.close();
            throw e;
        }
    }

    /**
     * Creates day file {@code file} holding exactly {@code header}: written to {@code DAY.log.tmp}, forced, renamed
     * into place and the directory forced, so a day file never lacks a whole header. A failure (a full disk)
     * leaves no {@code .tmp} behind, and a leftover of an earlier failure is replaced, so the next attempt can
     * succeed without a restart. A day file already holding exactly {@code header} (an earlier attempt renamed it
     * into place, then failed) is kept; any other existing file is refused: the chain never overwrites a day file.
     */
    static void createDayFile(Path file, byte[] header) throws IOException {
        Path dir = file.getParent();
        checkPrivateDirectory(dir.getParent(), "hosts directory");
        checkPrivateDirectory(dir, "host directory");
        if (Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
            PosixFileAttributes a = checkPrivateFile(file, "day file");
            if (a.size() != header.length || !Arrays.equals(Files.readAllBytes(file), header)) {
                throw new IOException("day file " + file + " already exists and is not the start of a new day of "
                        + "this chain; run loghost verify");
            }
            syncDirectory(dir);
            return;
        }
        Path tmp = file.resolveSibling(file.getFileName() + UNFINISHED_SUFFIX);
        if (Files.deleteIfExists(tmp)) {
            LOG.warn("unfinished-day-file removed file={} (left by an earlier failed creation)", tmp);
        }
        try {
            writePrivateFile(tmp, header);
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException cleanup) {
                e.addSuppressed(cleanup);
            }
            throw e;
        }
        syncDirectory(dir);
    }

    /** Creates {@code dir} (and missing parents) with mode 0700 and syncs its parent so the entry survives a crash. */
    public static void createPrivateDirectory(Path dir) throws IOException {
        if (Files.isDirectory(dir)) {
            return;
        }
        Path parent = dir.toAbsolutePath().getParent();
        if (parent != null && !Files.isDirectory(parent)) {
            createPrivateDirectory(parent);
        }
        Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(DIR_MODE));
        Files.setPosixFilePermissions(dir, DIR_MODE);
        if (parent != null) {
            syncDirectory(parent);
        }
    }

    /** Writes a new file with mode 0600 and forces it to disk. */
    public static void writePrivateFile(Path file, byte[] content) throws IOException {
        writeAndForce(file, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE), content);
        Files.setPosixFilePermissions(file, FILE_MODE);
    }

    /** fsyncs a directory so that a create or rename in it is durable. */
    public static void syncDirectory(Path dir) throws IOException {
        boolean interrupted = Thread.interrupted(); // as in writePrivateFile: an interrupt is kept, not obeyed here
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** The newest day file in a host directory, or null when there is none. */
    static Path newestDayFile(Path dir) throws IOException {
        Path newest = null;
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
            for (Path f : files) {
                String name = f.getFileName().toString();
                if (DayFileName.PLAIN.matcher(name).matches()
                        && (newest == null || name.compareTo(newest.getFileName().toString()) > 0)) {
                    newest = f;
                }
            }
        }
        return newest;
    }

    /** The day files of a host directory in chain order. */
    static java.util.List<Path> dayFiles(Path dir) throws IOException {
        java.util.List<Path> files = new java.util.ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (Path f : entries) {
                if (DayFileName.PLAIN.matcher(f.getFileName().toString()).matches()) {
                    files.add(f);
                }
            }
        }
        files.sort(null);
        return files;
    }

    /**
     * Writes {@code content} to {@code file} opened with {@code options} (created with mode 0600) and forces it to
     * disk, even on a thread that was interrupted.
     */
    public static void writeAndForce(Path file, Set<StandardOpenOption> options, byte[] content) throws IOException {
        // MINA interrupts a session's thread when its channel closes, and an interrupted FileChannel fails the
        // write: a day file's creation must not fail (for every session of the host) because one client left, nor
        // a witness line because the server is stopping.
        boolean interrupted = Thread.interrupted();
        try (FileChannel ch = FileChannel.open(file, options, PosixFilePermissions.asFileAttribute(FILE_MODE))) {
            ByteBuffer bb = ByteBuffer.wrap(content);
            while (bb.hasRemaining()) {
                ch.write(bb);
            }
            ch.force(true);
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** A host's day files in chain order, each day as stored: {@code DAY.log}, or {@code DAY.log.gz} once compressed. */
    public static java.util.List<Path> storedDayFiles(Path dir) throws IOException {
        java.util.TreeMap<String, Path> byDay = new java.util.TreeMap<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (Path f : entries) {
                String name = f.getFileName().toString();
                // While a compression is unfinished both exist with the same bytes: the plain file is the one.
                if (DayFileName.isStored(name)
                        && (name.endsWith(".log") || !byDay.containsKey(name.substring(0, 10)))) {
                    byDay.put(name.substring(0, 10), f);
                }
            }
        }
        return new java.util.ArrayList<>(byDay.values());
    }

    /** The bytes on disk of a host's day files as stored, compressed ones included. */
    static long storedBytes(Path dir) throws IOException {
        long bytes = 0;
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (Path f : entries) {
                if (DayFileName.isStored(f.getFileName().toString())) {
                    bytes += Files.size(f);
                }
            }
        }
        return bytes;
    }

    /**
     * Removes day files whose creation a crash or a failure interrupted: they hold at most a header and are not
     * part of the chain.
     */
    static void removeUnfinishedDayFiles(Path dir) throws IOException {
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*.log" + UNFINISHED_SUFFIX)) {
            for (Path f : files) {
                LOG.warn("unfinished-day-file removed file={} (a crash interrupted its creation)", f);
                Files.delete(f);
            }
        }
    }
}
