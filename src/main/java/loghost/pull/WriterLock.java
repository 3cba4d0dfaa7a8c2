package loghost.pull;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import loghost.store.StoreFiles;

/**
 * {@code DATA/writer.lock}: held by {@code loghost serve} and by {@code loghost pull --once}, so that only one process
 * ever appends to the host chains of a data directory (two would fork a chain). A kernel lock: a {@code kill -9}
 * does not leave it behind.
 */
public final class WriterLock implements AutoCloseable {

    /** The lock file's name in the data directory. */
    public static final String FILE = "writer.lock";

    private final FileChannel channel;

    private WriterLock(FileChannel channel) {
        this.channel = channel;
    }

    /** Takes the lock of {@code data}, or fails with a message saying who holds it. */
    public static WriterLock acquire(Path data) throws IOException {
        Path file = data.resolve(FILE);
        if (Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
            StoreFiles.checkPrivateFile(file, "writer lock file");
        }
        FileChannel ch = FileChannel.open(file, java.util.Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                LinkOption.NOFOLLOW_LINKS), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString(
                        "rw-------")));
        FileLock held;
        try {
            held = ch.tryLock();
        } catch (OverlappingFileLockException e) {
            held = null;
        }
        if (held == null) {
            ch.close();
            throw new IOException("another loghost serve or loghost pull --once is writing in " + data + " ("
                    + FILE + " is locked); run pull --once only while serve is stopped, or watch loghost status");
        }
        return new WriterLock(ch);
    }

    /** Releases the lock. */
    @Override
    public void close() throws IOException {
        channel.close();
    }
}
