package loghost.seal;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import loghost.names.StreamId;

/**
 * A signed receipt (docs/PROTOCOL.md, "Receipts"): the loghost's statement, signed with its SSH host key, that a
 * host's stream is stored up to a client sequence number and that the host's chain then ended at a SEQ with a
 * digest. One ASCII line; what is signed is {@code loghost-receipt v1} LF and the line up to {@code " sig="}.
 */
public record Receipt(String host, String stream, long cseq, long seq, String digestHex, String time,
                      String keyFingerprint, byte[] signature, String line) {

    private static final byte[] DOMAIN = "loghost-receipt v1\n".getBytes(StandardCharsets.US_ASCII);
    private static final Pattern LINE = Pattern.compile("receipt v1 host=([a-z0-9_][a-z0-9._-]{0,62})"
            + " stream=(" + StreamId.GRAMMAR + ") cseq=([1-9][0-9]{0,18}) seq=([1-9][0-9]{0,17})"
            + " digest=([0-9a-f]{32}|[0-9a-f]{64}|[0-9a-f]{128})"
            + " time=([0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z)"
            + " key=(SHA256:[A-Za-z0-9+/]{43}) sig=([0-9a-f]{128})");

    /** Parses one receipt line (without LF); anything else is an {@link IllegalArgumentException}. */
    public static Receipt parse(String line) {
        Matcher m = LINE.matcher(line);
        if (!m.matches()) {
            throw new IllegalArgumentException("not a receipt line");
        }
        long cseq = Long.parseLong(m.group(3)); // at most 19 digits: may still exceed 2^63-1
        return new Receipt(m.group(1), m.group(2), cseq, Long.parseLong(m.group(4)), m.group(5), m.group(6),
                m.group(7), HexFormat.of().parseHex(m.group(8)), line);
    }

    /** The bytes the signature covers. */
    public byte[] signedBytes() {
        return signed(line.substring(0, line.indexOf(" sig=")));
    }

    static byte[] signed(String unsigned) {
        byte[] text = unsigned.getBytes(StandardCharsets.US_ASCII);
        byte[] m = new byte[DOMAIN.length + text.length];
        System.arraycopy(DOMAIN, 0, m, 0, DOMAIN.length);
        System.arraycopy(text, 0, m, DOMAIN.length, text.length);
        return m;
    }

    /** True when {@code key} (the loghost's host key, raw Ed25519) made this receipt's signature. */
    public boolean signedBy(VerificationKey key) {
        return key.verifies(signedBytes(), signature);
    }
}
