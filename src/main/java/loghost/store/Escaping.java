package loghost.store;

import java.io.ByteArrayOutputStream;

/**
 * The reversible escaping that keeps every record on exactly one line (docs/FORMAT.md, "Message escaping").
 *
 * <p>Printable ASCII except backslash, and well-formed UTF-8 except the characters that can fake
 * a line break or reorder text on an operator's terminal, pass through; every other byte becomes
 * {@code \xHH}, with {@code \\ \t \n \r} as short forms. Format version 2 also escapes the invisible
 * direction marks U+200E, U+200F, U+061C and the byte-order mark U+FEFF, which version 1 copied as is;
 * the writer always escapes by the current version, files keep the rule of the version in their header.
 */
public final class Escaping {

    /** The first format version, whose rule copies U+200E, U+200F, U+061C and U+FEFF as is. */
    public static final int V1 = 1;

    /** The current format version: the rule of version 1, plus those four characters escaped. */
    public static final int V2 = 2;

    private static final byte[] HEX = "0123456789abcdef".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    private Escaping() {
    }

    /** Worst-case escaped size of {@code len} raw bytes. */
    public static int maxEscapedLength(int len) {
        return 4 * len;
    }

    /**
     * Escapes {@code src[off, off+len)} by the current version's rule into {@code dst} at {@code pos}; returns the
     * position after the last byte written. {@code dst} must have {@link #maxEscapedLength(int)} bytes of room.
     */
    public static int escape(byte[] src, int off, int len, byte[] dst, int pos) {
        return escape(src, off, len, dst, pos, V2);
    }

    /** As {@link #escape(byte[], int, int, byte[], int)}, by the rule of format {@code version} (1 or 2). */
    public static int escape(byte[] src, int off, int len, byte[] dst, int pos, int version) {
        boolean v1 = version == V1;
        int i = off;
        int end = off + len;
        while (i < end) {
            // Most log text is plain ASCII: find the run and copy it in one go.
            int run = Bytes.plainRunEnd(src, i, end);
            if (run > i) {
                System.arraycopy(src, i, dst, pos, run - i);
                pos += run - i;
                i = run;
                if (i == end) {
                    break;
                }
            }
            int b = src[i] & 0xff;
            if (b == '\\') {
                dst[pos++] = '\\';
                dst[pos++] = '\\';
                i++;
            } else if (b < 0x80) {
                pos = escapeControl(b, dst, pos);
                i++;
            } else {
                int n = safeUtf8Length(src, i, end, v1);
                if (n == 0) {
                    pos = hex(b, dst, pos);
                    i++;
                } else {
                    System.arraycopy(src, i, dst, pos, n);
                    pos += n;
                    i += n;
                }
            }
        }
        return pos;
    }

    /** Escapes a whole array by the current rule; for tests, tools and the rare non-hot path. */
    public static byte[] escape(byte[] raw) {
        return escape(raw, V2);
    }

    /** Escapes a whole array by the rule of format {@code version}. */
    public static byte[] escape(byte[] raw, int version) {
        byte[] dst = new byte[maxEscapedLength(raw.length)];
        int n = escape(raw, 0, raw.length, dst, 0, version);
        return java.util.Arrays.copyOf(dst, n);
    }

    /**
     * A message escaped by the current rule, re-escaped by the rule of {@code version}: for records appended to
     * a day file of an older version (the rest of the day a server was upgraded on), which keeps its rule.
     */
    public static byte[] reescape(byte[] src, int off, int len, int version) {
        return escape(unescape(src, off, len), version);
    }

    /** True when a message escaped by the current rule may differ under {@code version}'s rule (it has a {@code \x}). */
    public static boolean mayDifferIn(int version, byte[] src, int off, int len) {
        if (version == V2) {
            return false;
        }
        for (int i = off; i + 1 < off + len; i++) {
            if (src[i] == '\\' && src[i + 1] == 'x') {
                return true;
            }
        }
        return false;
    }

    /** Decodes an escaped message back to the exact bytes; throws on anything the escaper cannot have produced. */
    public static byte[] unescape(byte[] src, int off, int len) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(len);
        int i = off;
        int end = off + len;
        while (i < end) {
            int b = src[i] & 0xff;
            if (b != '\\') {
                out.write(b);
                i++;
                continue;
            }
            if (i + 1 >= end) {
                throw new IllegalArgumentException("dangling backslash at offset " + (i - off));
            }
            int c = src[i + 1];
            switch (c) {
                case '\\' -> { out.write('\\'); i += 2; }
                case 't' -> { out.write('\t'); i += 2; }
                case 'n' -> { out.write('\n'); i += 2; }
                case 'r' -> { out.write('\r'); i += 2; }
                case 'x' -> {
                    if (i + 3 >= end) {
                        throw new IllegalArgumentException("short \\x escape at offset " + (i - off));
                    }
                    out.write((hexValue(src[i + 2]) << 4) | hexValue(src[i + 3]));
                    i += 4;
                }
                default -> throw new IllegalArgumentException("unknown escape \\" + (char) c + " at offset " + (i - off));
            }
        }
        return out.toByteArray();
    }

    /** True when {@code src[off, off+len)} is exactly what the current rule produces for some input. */
    public static boolean isCanonical(byte[] src, int off, int len) {
        return isCanonical(src, off, len, V2);
    }

    /** True when {@code src[off, off+len)} is exactly what the rule of format {@code version} produces for some input. */
    public static boolean isCanonical(byte[] src, int off, int len, int version) {
        boolean v1 = version == V1;
        int i = off;
        int end = off + len;
        while (i < end) {
            i = Bytes.plainRunEnd(src, i, end);
            if (i == end) {
                break;
            }
            int b = src[i] & 0xff;
            if (b == '\\') {
                if (i + 1 >= end) {
                    return false;
                }
                int c = src[i + 1];
                if (c == '\\' || c == 't' || c == 'n' || c == 'r') {
                    i += 2;
                } else if (c == 'x' && i + 3 < end && isLowerHex(src[i + 2]) && isLowerHex(src[i + 3])) {
                    int v = (hexValue(src[i + 2]) << 4) | hexValue(src[i + 3]);
                    // A short form or a byte that passes through must not be written as \xHH.
                    if (v == '\\' || v == '\t' || v == '\n' || v == '\r' || (v >= 0x20 && v < 0x7f)) {
                        return false;
                    }
                    if (v >= 0x80) {
                        byte[] raw = unescapeAhead(src, i, end);
                        if (safeUtf8Length(raw, 0, raw.length, v1) > 0) {
                            return false;
                        }
                    }
                    i += 4;
                } else {
                    return false;
                }
            } else if (b < 0x80) {
                return false;
            } else {
                int n = safeUtf8Length(src, i, end, v1);
                if (n == 0) {
                    return false;
                }
                i += n;
            }
        }
        return true;
    }

    // The raw bytes that up to four consecutive \xHH escapes starting at i stand for (for the canonical check).
    private static byte[] unescapeAhead(byte[] src, int i, int end) {
        byte[] raw = new byte[4];
        int n = 0;
        while (n < 4 && i + 3 < end && src[i] == '\\' && src[i + 1] == 'x'
                && isLowerHex(src[i + 2]) && isLowerHex(src[i + 3])) {
            raw[n++] = (byte) ((hexValue(src[i + 2]) << 4) | hexValue(src[i + 3]));
            i += 4;
        }
        return java.util.Arrays.copyOf(raw, n);
    }

    /**
     * Length (2 to 4) of a well-formed UTF-8 sequence at {@code i} that may pass through unescaped, or 0.
     * Excluded even when well-formed: C1 controls U+0080..U+009F (8-bit terminal escapes such as CSI),
     * U+2028..U+202E (line/paragraph separators, bidi embeddings and overrides) and U+2066..U+2069 (bidi isolates);
     * unless {@code v1}, also U+061C, U+200E, U+200F (direction marks) and U+FEFF (byte-order mark).
     */
    static int safeUtf8Length(byte[] s, int i, int end, boolean v1) {
        int b0 = s[i] & 0xff;
        if (b0 >= 0xc2 && b0 <= 0xdf) {
            if (i + 1 >= end || !isCont(s[i + 1])) {
                return 0;
            }
            int b1 = s[i + 1] & 0xff;
            if (b0 == 0xc2 && b1 < 0xa0) {
                return 0;
            }
            return (!v1 && b0 == 0xd8 && b1 == 0x9c) ? 0 : 2;
        }
        if (b0 >= 0xe0 && b0 <= 0xef) {
            if (i + 2 >= end) {
                return 0;
            }
            int b1 = s[i + 1] & 0xff;
            int lo = b0 == 0xe0 ? 0xa0 : 0x80;
            int hi = b0 == 0xed ? 0x9f : 0xbf;
            if (b1 < lo || b1 > hi || !isCont(s[i + 2])) {
                return 0;
            }
            int b2 = s[i + 2] & 0xff;
            if (b0 == 0xe2 && b1 == 0x80 && b2 >= 0xa8 && b2 <= 0xae) {
                return 0;
            }
            if (b0 == 0xe2 && b1 == 0x81 && b2 >= 0xa6 && b2 <= 0xa9) {
                return 0;
            }
            if (!v1 && ((b0 == 0xe2 && b1 == 0x80 && (b2 == 0x8e || b2 == 0x8f))
                    || (b0 == 0xef && b1 == 0xbb && b2 == 0xbf))) {
                return 0;
            }
            return 3;
        }
        if (b0 >= 0xf0 && b0 <= 0xf4) {
            if (i + 3 >= end) {
                return 0;
            }
            int b1 = s[i + 1] & 0xff;
            int lo = b0 == 0xf0 ? 0x90 : 0x80;
            int hi = b0 == 0xf4 ? 0x8f : 0xbf;
            if (b1 < lo || b1 > hi || !isCont(s[i + 2]) || !isCont(s[i + 3])) {
                return 0;
            }
            return 4;
        }
        return 0;
    }

    private static boolean isCont(byte b) {
        return (b & 0xc0) == 0x80;
    }

    private static int escapeControl(int b, byte[] dst, int pos) {
        switch (b) {
            case '\t' -> { dst[pos++] = '\\'; dst[pos++] = 't'; }
            case '\n' -> { dst[pos++] = '\\'; dst[pos++] = 'n'; }
            case '\r' -> { dst[pos++] = '\\'; dst[pos++] = 'r'; }
            default -> pos = hex(b, dst, pos);
        }
        return pos;
    }

    private static int hex(int b, byte[] dst, int pos) {
        dst[pos++] = '\\';
        dst[pos++] = 'x';
        dst[pos++] = HEX[b >>> 4];
        dst[pos++] = HEX[b & 0xf];
        return pos;
    }

    private static boolean isLowerHex(byte c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
    }

    private static int hexValue(byte c) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= 'a' && c <= 'f') {
            return c - 'a' + 10;
        }
        throw new IllegalArgumentException("not a lowercase hex digit: " + (char) c);
    }
}
