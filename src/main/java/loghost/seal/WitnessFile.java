package loghost.seal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Set;
import loghost.store.StoreFiles;

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
        StoreFiles.writeAndForce(file, Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.APPEND), b);
    }
}
