package loghost.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.LocalDate;
import java.util.Set;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** File-system rules of the store: names, private permissions (0700 / 0600) and the fsyncs that make renames stick. */
public final class StoreFiles {

    /** Day files are named {@code YYYY-MM-DD.log}. */
    public static final Pattern DAY_FILE = Pattern.compile("\\d{4}-\\d{2}-\\d{2}\\.log");

    /** A day file being created: header written, not yet renamed into place. */
    static final String UNFINISHED_SUFFIX = ".tmp";

    private static final Logger LOG = LoggerFactory.getLogger(StoreFiles.class);
    private static final Set<PosixFilePermission> DIR_MODE = PosixFilePermissions.fromString("rwx------");
    private static final Set<PosixFilePermission> FILE_MODE = PosixFilePermissions.fromString("rw-------");

    private StoreFiles() {
    }

    /** The file name of a day. */
    public static String dayFileName(LocalDate day) {
        return day + ".log";
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
        try (FileChannel ch = FileChannel.open(file, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
                PosixFilePermissions.asFileAttribute(FILE_MODE))) {
            ByteBuffer bb = ByteBuffer.wrap(content);
            while (bb.hasRemaining()) {
                ch.write(bb);
            }
            ch.force(true);
        }
        Files.setPosixFilePermissions(file, FILE_MODE);
    }

    /** fsyncs a directory so that a create or rename in it is durable. */
    public static void syncDirectory(Path dir) throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }

    /** The newest day file in a host directory, or null when there is none. */
    static Path newestDayFile(Path dir) throws IOException {
        Path newest = null;
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
            for (Path f : files) {
                String name = f.getFileName().toString();
                if (DAY_FILE.matcher(name).matches()
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
                if (DAY_FILE.matcher(f.getFileName().toString()).matches()) {
                    files.add(f);
                }
            }
        }
        files.sort(null);
        return files;
    }

    /** Removes day files whose creation a crash interrupted: they hold at most a header and are not part of the chain. */
    static void removeUnfinishedDayFiles(Path dir) throws IOException {
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*.log" + UNFINISHED_SUFFIX)) {
            for (Path f : files) {
                LOG.warn("unfinished-day-file removed file={} (a crash interrupted its creation)", f);
                Files.delete(f);
            }
        }
    }
}
