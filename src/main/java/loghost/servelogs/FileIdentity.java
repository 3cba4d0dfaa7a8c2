package loghost.servelogs;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * A file's identity across renames, {@code INODE.FP} (docs/PROTOCOL.md, "Pull mode"): the inode, and 12 hex
 * digits of SHA-256 of the first line (or first 1,024 bytes), because a deleted file's inode is soon reused.
 */
final class FileIdentity {

    /** Bytes of the file's start that make its fingerprint when no LF comes before. */
    static final int FINGERPRINT_BYTES = 1024;

    private FileIdentity() {
    }

    /** The inode of {@code path}, without following a link. */
    static long inode(Path path) throws IOException {
        Object ino = Files.getAttribute(path, "unix:ino", LinkOption.NOFOLLOW_LINKS);
        return ((Number) ino).longValue();
    }

    /** The inode of {@code path}, or -1 when nothing is there. */
    static long inodeOrNone(Path path) throws IOException {
        try {
            return inode(path);
        } catch (NoSuchFileException e) {
            return -1;
        }
    }

    /** The identity of the file open as {@code ch} with inode {@code inode}; {@code INODE.-} when it has none yet. */
    static String of(long inode, FileChannel ch) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(FINGERPRINT_BYTES);
        long pos = 0;
        while (b.hasRemaining()) {
            int n = ch.read(b, pos);
            if (n < 0) {
                break;
            }
            pos += n;
        }
        byte[] head = b.array();
        int len = b.position();
        int end = -1;
        for (int i = 0; i < len; i++) {
            if (head[i] == '\n') {
                end = i + 1;
                break;
            }
        }
        if (end < 0 && len < FINGERPRINT_BYTES) {
            return inode + ".-";
        }
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update(head, 0, end < 0 ? len : end);
            return inode + "." + HexFormat.of().formatHex(md.digest()).substring(0, 12);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }

    /** True when {@code id} is a complete identity (not pending). */
    static boolean complete(String id) {
        return !id.endsWith(".-");
    }
}
