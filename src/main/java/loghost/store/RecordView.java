package loghost.store;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A parsed record line, as offsets into the caller's buffer; reused from line to line so that reading a log
 * allocates nothing per record. Layout: {@code SEQ SP TIME SP TYPE SP META SP DIGEST SP MESSAGE}.
 */
public final class RecordView {

    /** Length of the TIME field, {@code YYYY-MM-DDTHH:MM:SS.mmmZ}. */
    public static final int TIME_LENGTH = 24;

    /** The longest message a record may carry, in raw bytes (the ceiling of the max-line setting). */
    public static final int MAX_MESSAGE_BYTES = 1 << 20;

    /** The longest record line any writer produces, without its LF: a fully escaped maximal message plus the fields. */
    public static final int MAX_LINE_BYTES = 4 * MAX_MESSAGE_BYTES + 4096;

    private static final VarHandle BIG_ENDIAN_LONGS =
            MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);
    private static final VarHandle BIG_ENDIAN_INTS =
            MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.BIG_ENDIAN);
    private static final boolean[] META_CHARS = new boolean[256];

    static {
        for (int c = 0; c < 256; c++) {
            META_CHARS[c] = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '=' || c == ',' || c == '.'
                    || c == '_' || c == ':' || c == '-';
        }
    }
    private static final RecordType[] TYPES = RecordType.values();

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
    private final MetaField meta = new MetaField();

    /**
     * Parses {@code buf[0, len)} (one line without its LF) of a current-version file of a chain using {@code alg};
     * returns null when it is well-formed, otherwise what is wrong.
     */
    public String parse(byte[] buf, int len, DigestAlgorithm alg) {
        return parse(buf, len, alg, FileHeader.CURRENT_VERSION);
    }

    /**
     * Parses {@code buf[0, len)} (one line without its LF) of a file of format {@code version} of a chain using
     * {@code alg}; returns null when it is well-formed, otherwise the reason {@code loghost verify} prints
     * (docs/FORMAT.md, "Verifying"). The fields are checked in order; the first bad one is the reason.
     */
    public String parse(byte[] buf, int len, DigestAlgorithm alg, int version) {
        this.buf = buf;
        this.end = len;
        int p = 0;
        long v = 0;
        int digits = 0;
        while (p < len && buf[p] >= '0' && buf[p] <= '9') {
            if ((digits == 0 && buf[p] == '0') || ++digits > 18) {
                return "malformed SEQ field";
            }
            v = v * 10 + (buf[p] - '0');
            p++;
        }
        if (digits == 0 || p >= len || buf[p] != ' ') {
            return "malformed SEQ field";
        }
        seq = v;
        timeStart = ++p;
        if (p + TIME_LENGTH >= len || buf[p + TIME_LENGTH] != ' ' || !RecordTime.isValid(buf, p)) {
            return "malformed TIME field";
        }
        p += TIME_LENGTH + 1;
        typeStart = p;
        while (p < len && buf[p] >= 'a' && buf[p] <= 'z') {
            p++;
        }
        typeEnd = p;
        if (typeEnd == typeStart || typeEnd - typeStart > 8 || p >= len || buf[p] != ' ') {
            return "malformed TYPE field";
        }
        metaStart = ++p;
        while (p < len && META_CHARS[buf[p] & 0xff]) {
            p++;
        }
        metaEnd = p;
        if (metaEnd == metaStart || p >= len || buf[p] != ' ') {
            return "malformed META field";
        }
        if (!meta.parse(buf, metaStart, metaEnd)) {
            return "malformed META field";
        }
        digestStart = ++p;
        // Exactly 2 x length hex digits and a space: the same rule as scanning the hex run and measuring it, but
        // eight bytes per step (random hex defeats a per-byte branch).
        int hexLength = 2 * alg.length();
        if (len - p <= hexLength || !Bytes.isLowerHex(buf, p, hexLength) || buf[p + hexLength] != ' ') {
            return "malformed DIGEST field";
        }
        p += hexLength;
        digestEnd = p;
        messageStart = p + 1;
        if (!Escaping.isCanonical(buf, messageStart, end - messageStart, version)) {
            return "MESSAGE is not in canonical escaped form";
        }
        return null;
    }

    /** The {@code s=} value of META, or 0 when it has none. */
    public long session() {
        return meta.session();
    }

    /** The {@code t=} value of META (the event time) in microseconds since the epoch, or -1 when it has none. */
    public long eventMicros() {
        return meta.eventMicros();
    }

    /** True when META has a {@code c=} attribute. */
    public boolean hasClientSeq() {
        return meta.hasClientSeq();
    }

    /** True when META is {@code -} (no attributes). */
    public boolean noMeta() {
        return metaEnd - metaStart == 1 && buf[metaStart] == '-';
    }

    /**
     * Compares the date part of TIME ({@code YYYY-MM-DD}) with {@code day} (10 ASCII bytes of the same form):
     * negative, zero or positive as TIME's date is before, on or after that day.
     */
    public int compareTimeDay(byte[] day) {
        for (int i = 0; i < 10; i++) {
            int d = buf[timeStart + i] - day[i];
            if (d != 0) {
                return d;
            }
        }
        return 0;
    }

    /**
     * Compares TIME with {@code time} (24 ASCII bytes of the same form; for this fixed-width form byte order is the
     * order of time): negative, zero or positive as TIME is before, at or after it.
     */
    public int compareTime(byte[] time) {
        for (int i = 0; i < TIME_LENGTH; i++) {
            int d = buf[timeStart + i] - time[i];
            if (d != 0) {
                return d;
            }
        }
        return 0;
    }

    /** Offset of the META field in the buffer. */
    public int metaStart() {
        return metaStart;
    }

    /** End (exclusive) of the META field in the buffer. */
    public int metaEnd() {
        return metaEnd;
    }

    /** Offset of the TYPE field in the buffer. */
    public int typeStart() {
        return typeStart;
    }

    /** End (exclusive) of the TYPE field in the buffer. */
    public int typeEnd() {
        return typeEnd;
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

    /** The TYPE word as a known {@link RecordType}, or null for a word this version does not know; allocates nothing. */
    public RecordType knownType() {
        for (RecordType t : TYPES) {
            byte[] w = t.bytes();
            if (w.length == typeEnd - typeStart && Arrays.equals(w, 0, w.length, buf, typeStart, typeEnd)) {
                return t;
            }
        }
        return null;
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
        int hexLength = 2 * expected.length;
        if (digestEnd - digestStart != hexLength || expected.length % 4 != 0) {
            return false;
        }
        // Eight hex digits per step, compared as one long, every step taken: no branch per digit (they are random).
        long diff = 0;
        for (int i = 0; i < expected.length; i += 4) {
            diff |= Bytes.hex8((int) BIG_ENDIAN_INTS.get(expected, i))
                    ^ (long) BIG_ENDIAN_LONGS.get(buf, digestStart + 2 * i);
        }
        return diff == 0;
    }
}
