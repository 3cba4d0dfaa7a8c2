package loghost.seal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import loghost.store.StoreFiles;

/**
 * The intent file {@code DATA/seal/sealing} (docs/FORMAT.md, "Seals and checkpoints"): present while an epoch is
 * being sealed, between its first seal record and its checkpoint, naming the epoch and the day of its seal records,
 * so that a start after a crash finds them again.
 */
final class SealIntent {

    /** The file's name in the seal directory. */
    static final String NAME = "sealing";

    private static final Pattern CONTENT =
            Pattern.compile("epoch=([1-9][0-9]{0,17}) day=([0-9]{4}-[0-9]{2}-[0-9]{2})\n");

    private SealIntent() {
    }

    /** Writes, durably, the intent to seal {@code epoch} with seal records of {@code day}, unless one is there. */
    static void writeIfAbsent(Path dir, long epoch, String day) throws IOException {
        Path intent = dir.resolve(NAME);
        if (Files.exists(intent, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        StoreFiles.writePrivateFile(intent, ("epoch=" + epoch + " day=" + day + "\n")
                .getBytes(StandardCharsets.US_ASCII));
        StoreFiles.syncDirectory(dir);
    }

    /**
     * The day of the seal records of {@code epoch} when the intent file is about it; else null (no file, or one
     * left from a finished epoch, which is removed).
     */
    static String resume(Path dir, long epoch) throws IOException {
        Path intent = dir.resolve(NAME);
        if (!Files.exists(intent, LinkOption.NOFOLLOW_LINKS)) {
            return null;
        }
        String day = read(intent, epoch);
        if (day == null) {
            Files.delete(intent);
            StoreFiles.syncDirectory(dir);
        }
        return day;
    }

    /** Removes the intent file once its epoch's checkpoint is written (the caller then syncs the directory). */
    static void remove(Path dir) throws IOException {
        Files.deleteIfExists(dir.resolve(NAME));
    }

    // The intent file's day when it is about `epoch`, else null (left from a finished epoch).
    private static String read(Path intent, long epoch) throws IOException {
        StoreFiles.checkPrivateFile(intent, "seal intent file");
        String text = Files.readString(intent, StandardCharsets.US_ASCII);
        Matcher m = CONTENT.matcher(text);
        if (!m.matches()) {
            throw new IOException(intent + ": not a seal intent file");
        }
        return Long.parseLong(m.group(1)) == epoch ? m.group(2) : null;
    }
}
