package loghost.seal;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import loghost.store.StoreFiles;

/**
 * The current epoch's signing key on disk, {@code DATA/seal/epoch.key} (docs/FORMAT.md, "Seals and checkpoints"):
 * {@code loghost epoch-key v1 epoch=N}, LF, the 32-byte secret as 64 lowercase hex digits, LF. The secret never
 * passes through a {@code String}, which could not be overwritten.
 */
final class EpochKeyFile {

    static final String NAME = "epoch.key";
    static final String NEXT = "epoch.key.new";

    private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
    private static final int MAX_BYTES = 200;

    private EpochKeyFile() {
    }

    /** An epoch number and its key, as read from a key file. */
    record Stored(long epoch, SigningKey key) {
    }

    /** Writes {@code key} for {@code epoch} to a new file {@code file} (0600), forced to disk. */
    static void write(Path file, long epoch, SigningKey key) throws IOException {
        byte[] head = ("loghost epoch-key v1 epoch=" + epoch + "\n").getBytes(StandardCharsets.US_ASCII);
        byte[] seed = key.seedCopy();
        byte[] content = new byte[head.length + 65];
        try {
            System.arraycopy(head, 0, content, 0, head.length);
            for (int i = 0; i < seed.length; i++) {
                content[head.length + 2 * i] = HEX[(seed[i] >>> 4) & 0xf];
                content[head.length + 2 * i + 1] = HEX[seed[i] & 0xf];
            }
            content[content.length - 1] = '\n';
            Files.deleteIfExists(file);
            StoreFiles.writePrivateFile(file, content);
        } finally {
            Arrays.fill(seed, (byte) 0);
            Arrays.fill(content, (byte) 0);
        }
    }

    /**
     * Reads a key file; null when it holds only zero bytes (erased by {@link #erase}, a crash before the rename
     * that follows). Anything else malformed is an {@link IOException}.
     */
    static Stored read(Path file) throws IOException {
        StoreFiles.checkPrivateFile(file, "epoch key file");
        long size = Files.size(file);
        if (size > MAX_BYTES) {
            throw new IOException(file + ": not an epoch key file (too long)");
        }
        byte[] content = Files.readAllBytes(file);
        try {
            boolean allZero = true;
            for (byte b : content) {
                allZero &= b == 0;
            }
            if (allZero) {
                return null;
            }
            int lf = -1;
            for (int i = 0; i < content.length; i++) {
                if (content[i] == '\n') {
                    lf = i;
                    break;
                }
            }
            String head = lf < 0 ? "" : new String(content, 0, lf, StandardCharsets.US_ASCII);
            if (!head.matches("loghost epoch-key v1 epoch=[1-9][0-9]{0,17}") || content.length != lf + 66
                    || content[content.length - 1] != '\n') {
                throw new IOException(file + ": not an epoch key file");
            }
            long epoch = Long.parseLong(head.substring(head.indexOf('=') + 1));
            byte[] seed = new byte[32];
            for (int i = 0; i < 32; i++) {
                int hi = hex(content[lf + 1 + 2 * i]);
                int lo = hex(content[lf + 2 + 2 * i]);
                if (hi < 0 || lo < 0) {
                    Arrays.fill(seed, (byte) 0);
                    throw new IOException(file + ": not an epoch key file");
                }
                seed[i] = (byte) (hi << 4 | lo);
            }
            return new Stored(epoch, SigningKey.fromSeed(seed));
        } finally {
            Arrays.fill(content, (byte) 0);
        }
    }

    /**
     * Erases a key file: overwrites its bytes in place with zeros and forces them to disk, then deletes it. On a
     * journaling or copy-on-write file system or an SSD the old blocks may survive elsewhere (docs/SECURITY.md).
     */
    static void erase(Path file) throws IOException {
        if (!Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        overwrite(file);
        Files.delete(file);
        StoreFiles.syncDirectory(file.getParent());
    }

    /** Overwrites {@code current} with zeros (forced), then renames {@code next} over it and syncs the directory. */
    static void replace(Path current, Path next) throws IOException {
        if (Files.exists(current, LinkOption.NOFOLLOW_LINKS)) {
            overwrite(current);
        }
        Files.move(next, current, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        StoreFiles.syncDirectory(current.getParent());
    }

    private static void overwrite(Path file) throws IOException {
        StoreFiles.checkPrivateFile(file, "epoch key file");
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            byte[] zeros = new byte[(int) Math.min(raf.length(), MAX_BYTES)];
            raf.seek(0);
            raf.write(zeros);
            raf.getFD().sync();
        }
    }

    private static int hex(byte c) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= 'a' && c <= 'f') {
            return c - 'a' + 10;
        }
        return -1;
    }
}
