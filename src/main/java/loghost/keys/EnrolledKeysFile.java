package loghost.keys;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import java.util.function.UnaryOperator;
import loghost.store.StoreFiles;

/**
 * The enrolled-keys file on disk ({@code DATA/enrolled_keys}). Changes take a lock, write a new file and
 * rename it into place, so a reader (the running server) always sees either the old or the new whole file.
 */
public final class EnrolledKeysFile {

    /** The file's name inside the data directory. */
    public static final String NAME = "enrolled_keys";

    private final Path file;
    private final Path lockFile;

    /** The file inside {@code dataDir}. */
    public EnrolledKeysFile(Path dataDir) {
        this.file = dataDir.resolve(NAME);
        this.lockFile = dataDir.resolve(NAME + ".lock");
    }

    /** The file's path. */
    public Path path() {
        return file;
    }

    /** Reads and parses the file; a missing file means no keys. */
    public EnrolledKeys load() throws IOException {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return EnrolledKeys.empty();
        }
        return EnrolledKeys.parse(text);
    }

    /** Applies {@code change} to the current keys under the file lock and writes the result; returns it. */
    public EnrolledKeys update(UnaryOperator<EnrolledKeys> change) throws IOException {
        StoreFiles.createPrivateDirectory(file.getParent());
        try (FileChannel lockChannel = FileChannel.open(lockFile, Set.of(StandardOpenOption.CREATE,
                StandardOpenOption.WRITE), PosixFilePermissions.asFileAttribute(
                        PosixFilePermissions.fromString("rw-------")));
             FileLock lock = lockChannel.lock()) {
            EnrolledKeys updated = change.apply(load());
            Path tmp = file.resolveSibling(NAME + ".new");
            Files.deleteIfExists(tmp);
            StoreFiles.writePrivateFile(tmp, updated.render().getBytes(StandardCharsets.UTF_8));
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            StoreFiles.syncDirectory(file.getParent());
            return updated;
        }
    }
}
