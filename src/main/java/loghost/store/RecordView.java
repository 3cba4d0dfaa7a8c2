package loghost.store;

import java.nio.charset.StandardCharsets;

/**
 * A parsed record line, as offsets into the caller's buffer; reused from line to line so that reading a log
 * allocates nothing per record. Layout: {@code SEQ SP TIME SP TYPE SP META SP DIGEST SP MESSAGE}.
 */
public final class RecordView {

    /** Length of the TIME field, {@code YYYY-MM-DDTHH:MM:SS.mmmZ}. */
    public static final int TIME_LENGTH = 24;

    /** The longest message a record may carry, in raw bytes (the ceiling of the max-line setting). */
    public static final int MAX_MESSAGE_BYTES = 1 << 20;

    /** The longest record line any v1 writer produces: a fully escaped maximal message plus the fields. */
    public static final int MAX_LINE_BYTES = 4 * MAX_MESSAGE_BYTES + 4096;

    private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

    private byte[] buf;
    private long seq;
    private int timeStart;
    private int typeStart;
    private int typeEnd;
    private int metaStart;
    private int metaEnd;
    private int digestStart;
    private int digestEnd;
    private int messageStart;
    private int end;

    /**
     * Parses {@code buf[0, len)} (one line without its LF) for a chain using {@code alg}; returns null when it is
     * well-formed, otherwise what is wrong.
     */
    public String parse(byte[] buf, int len, DigestAlgorithm alg) {
        this.buf = buf;
        this.end = len;
        int p = 0;
        long v = 0;
        int digits = 0;
        while (p < len && buf[p] >= '0' && buf[p] <= '9') {
            if (digits == 0 && buf[p] == '0') {
                return "seq has a leading zero";
            }
            if (++digits > 18) {
                return "seq too long";
            }
            v = v * 10 + (buf[p] - '0');
            p++;
        }
        if (digits == 0 || p >= len || buf[p] != ' ') {
            return "malformed seq field";
        }
        seq = v;
        timeStart = ++p;
        if (p + TIME_LENGTH >= len || buf[p + TIME_LENGTH] != ' ' || !validTime(buf, p)) {
            return "malformed time field";
        }
        p += TIME_LENGTH + 1;
        typeStart = p;
        while (p < len && buf[p] >= 'a' && buf[p] <= 'z') {
            p++;
        }
        typeEnd = p;
        if (typeEnd == typeStart || typeEnd - typeStart > 8 || p >= len || buf[p] != ' ') {
            return "malformed type field";
        }
        metaStart = ++p;
        while (p < len && isMetaChar(buf[p])) {
            p++;
        }
        metaEnd = p;
        if (metaEnd == metaStart || p >= len || buf[p] != ' ') {
            return "malformed meta field";
        }
        digestStart = ++p;
        while (p < len && ((buf[p] >= '0' && buf[p] <= '9') || (buf[p] >= 'a' && buf[p] <= 'f'))) {
            p++;
        }
        digestEnd = p;
        if (digestEnd - digestStart != 2 * alg.length() || p >= len || buf[p] != ' ') {
            return "malformed digest field (expected " + 2 * alg.length() + " lowercase hex digits)";
        }
        messageStart = p + 1;
        if (!Escaping.isCanonical(buf, messageStart, end - messageStart)) {
            return "message is not in canonical escaped form";
        }
        return null;
    }

    private static boolean isMetaChar(byte c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '=' || c == ',' || c == '.' || c == '_'
                || c == ':' || c == '-';
    }

    private static boolean validTime(byte[] b, int p) {
        // YYYY-MM-DDTHH:MM:SS.mmmZ
        String shape = "dddd-dd-ddTdd:dd:dd.dddZ";
        for (int i = 0; i < TIME_LENGTH; i++) {
            char s = shape.charAt(i);
            byte c = b[p + i];
            if (s == 'd' ? (c < '0' || c > '9') : c != s) {
                return false;
            }
        }
        return true;
    }

    /** The record's sequence number. */
    public long seq() {
        return seq;
    }

    /** The TIME field as text. */
    public String time() {
        return new String(buf, timeStart, TIME_LENGTH, StandardCharsets.US_ASCII);
    }

    /** The TYPE word. */
    public String type() {
        return new String(buf, typeStart, typeEnd - typeStart, StandardCharsets.US_ASCII);
    }

    /** The META field. */
    public String meta() {
        return new String(buf, metaStart, metaEnd - metaStart, StandardCharsets.US_ASCII);
    }

    /** Offset of the DIGEST hex in the buffer. */
    public int digestStart() {
        return digestStart;
    }

    /** Offset of the MESSAGE field in the buffer. */
    public int messageStart() {
        return messageStart;
    }

    /** End of the line (exclusive, before LF). */
    public int end() {
        return end;
    }

    /** Feeds the record's canonical bytes (the line without {@code DIGEST SP}) into a digest. */
    public void updateCanonical(java.security.MessageDigest md) {
        md.update(buf, 0, digestStart);
        md.update(buf, messageStart, end - messageStart);
    }

    /** The stored digest, decoded. */
    public byte[] digest() {
        return java.util.HexFormat.of().parseHex(new String(buf, digestStart, digestEnd - digestStart,
                StandardCharsets.US_ASCII));
    }

    /** True when the stored digest equals {@code expected}, compared without allocating. */
    public boolean digestEquals(byte[] expected) {
        if (digestEnd - digestStart != 2 * expected.length) {
            return false;
        }
        for (int i = 0; i < expected.length; i++) {
            int e = expected[i] & 0xff;
            if (buf[digestStart + 2 * i] != HEX[e >>> 4] || buf[digestStart + 2 * i + 1] != HEX[e & 0xf]) {
                return false;
            }
        }
        return true;
    }
}
