package loghost.keys;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import java.util.function.UnaryOperator;
import loghost.store.DurableFile;
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

    /**
     * Reads and parses the file; a missing file means no keys. Like OpenSSH's StrictModes for authorized_keys, a
     * file that is a symbolic link, not ours, or open to group or others is refused: whoever could write it could
     * enroll a key.
     */
    public EnrolledKeys load() throws IOException {
        byte[] raw;
        try {
            StoreFiles.checkPrivateFile(file, "enrolled keys file");
            // NOFOLLOW_LINKS: the check above and this open cannot be split by a link put in between.
            try (InputStream in = Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS)) {
                raw = in.readAllBytes();
            }
        } catch (NoSuchFileException e) {
            return EnrolledKeys.empty();
        }
        try {
            return EnrolledKeys.parse(StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(raw)).toString());
        } catch (CharacterCodingException e) {
            throw new IOException("enrolled keys file " + file + " is not valid UTF-8", e);
        }
    }

    /** Applies {@code change} to the current keys under the file lock and writes the result; returns it. */
    public EnrolledKeys update(UnaryOperator<EnrolledKeys> change) throws IOException {
        StoreFiles.createOrCheckPrivateDirectory(file.getParent(), "data directory");
        if (Files.exists(lockFile, LinkOption.NOFOLLOW_LINKS)) {
            StoreFiles.checkPrivateFile(lockFile, "enrolled keys lock file");
        }
        try (FileChannel lockChannel = FileChannel.open(lockFile, Set.of(StandardOpenOption.CREATE,
                StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS), PosixFilePermissions.asFileAttribute(
                        PosixFilePermissions.fromString("rw-------")));
             FileLock lock = lockChannel.lock()) {
            EnrolledKeys updated = change.apply(load());
            DurableFile.replace(file, updated.render().getBytes(StandardCharsets.UTF_8));
            return updated;
        }
    }
}
