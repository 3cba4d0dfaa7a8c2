package loghost.ssh;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Pattern;
import loghost.store.HostLog;

/**
 * One file a host pushes under a NAME of its choosing, as the host identifies it: {@code DEV INO FP} (device and
 * inode in decimal, 12 hex digits of SHA-256 of its first line), and where it lives in the host's log
 * (docs/PROTOCOL.md, "Pushing a file"): generation 1 in stream {@code f.NAME.H}, generation N in
 * {@code f.NAME.H.gN} (H: 16 hex digits of SHA-256 of {@code DEV INO FP}), and the {@code gap} records of its
 * truncations in {@code f.NAME.H.cut}, whose position is the last generation cut. So the newest generation, and
 * its position, come from the log alone.
 */
record PushedFile(String name, String dev, String ino, String fp) {

    /** A NAME: chosen by the host, one per followed file. */
    static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9._-]{0,31}");
    /** A device or inode number: decimal, at most 20 digits (2^64 − 1), no leading zero. */
    static final String NUMBER = "(?:0|[1-9][0-9]{0,19})";
    /** The first-line fingerprint. */
    static final String FINGERPRINT = "[0-9a-f]{12}";
    /** {@code DEV INO FP}, the identity as headers and answers write it. */
    static final String IDENTITY = NUMBER + " " + NUMBER + " " + FINGERPRINT;
    /** The prefix of every pushed file's stream. */
    static final String STREAM_PREFIX = "f.";

    /** The identity as the host writes it: {@code DEV INO FP}. */
    String identity() {
        return dev + " " + ino + " " + fp;
    }

    /** The identity in record texts: {@code dev=DEV ino=INO fp=FP}. */
    String fields() {
        return "name=" + name + " dev=" + dev + " ino=" + ino + " fp=" + fp;
    }

    /** {@code f.NAME.H}: the stream of generation 1, and the start of every stream of this identity. */
    String base() {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(identity().getBytes(StandardCharsets.US_ASCII));
            return STREAM_PREFIX + name + "." + HexFormat.of().formatHex(d, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }

    /** The stream of this identity's truncations: its position is the last generation cut (0: none). */
    String cutStream() {
        return base() + ".cut";
    }

    /** The newest generation: one more than the last one cut. */
    long generation(HostLog log) {
        return log.streamPosition(cutStream()) + 1;
    }

    /** The stream of generation {@code g}. */
    String stream(long g) {
        return g == 1 ? base() : base() + ".g" + g;
    }
}
