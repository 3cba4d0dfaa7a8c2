package loghost.seal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * The witness file: one line per checkpoint, appended and forced to disk (docs/FORMAT.md, "Witness lines"), for
 * shipping off the loghost. A witness that holds a line can later show that checkpoint was there, and what it was.
 */
final class WitnessFile {

    private final Path file;
    private final VerificationKey key;

    WitnessFile(Path file, VerificationKey key) {
        this.file = file;
        this.key = key;
    }

    Path file() {
        return file;
    }

    /** The witness line of {@code checkpoint}, without LF. */
    static String line(VerificationKey key, SealBlock checkpoint) {
        return "loghost-witness v1 key=" + key + " epoch=" + checkpoint.epoch() + " end=" + checkpoint.end()
                + " digest=" + checkpoint.digestHex();
    }

    void append(SealBlock checkpoint) throws IOException {
        byte[] b = (line(key, checkpoint) + "\n").getBytes(StandardCharsets.US_ASCII);
        boolean interrupted = Thread.interrupted(); // a stopping server's timer: the line must still be written
        try (FileChannel ch = FileChannel.open(file, Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.APPEND), PosixFilePermissions.asFileAttribute(
                        PosixFilePermissions.fromString("rw-------")))) {
            ByteBuffer bb = ByteBuffer.wrap(b);
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
}
