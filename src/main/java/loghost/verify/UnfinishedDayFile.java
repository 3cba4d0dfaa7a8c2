package loghost.verify;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;

/**
 * The rule for a {@code DAY.log.tmp} left by a crash or a full disk while a day file was being created: it may hold
 * nothing more than a header line or a prefix of one (docs/FORMAT.md, "Verifying").
 */
final class UnfinishedDayFile {

    /** Longest content accepted: well above the longest header (about 270 bytes). */
    static final int MAX_BYTES = 512;

    private static final byte[] MAGIC = "#loghost ".getBytes(StandardCharsets.US_ASCII);

    private UnfinishedDayFile() {
    }

    /**
     * True when the file holds at most {@value #MAX_BYTES} bytes that begin with {@code #loghost } (or are a prefix
     * of it), are printable ASCII, and have at most one LF, as the last byte.
     */
    static boolean atMostAHeader(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS)) {
            return atMostAHeader(in.readNBytes(MAX_BYTES + 1));
        }
    }

    /** The rule on the file's bytes. */
    static boolean atMostAHeader(byte[] b) {
        if (b.length > MAX_BYTES) {
            return false;
        }
        for (int i = 0; i < b.length; i++) {
            int c = b[i] & 0xff;
            boolean lastLf = c == '\n' && i == b.length - 1;
            if (i < MAGIC.length ? c != (MAGIC[i] & 0xff) : !lastLf && (c < 0x20 || c > 0x7e)) {
                return false;
            }
        }
        return true;
    }
}
