package loghost.store;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/** Byte scans on the hot path, eight bytes per step (SWAR: bit tricks on a long), for every line received. */
public final class Bytes {

    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final long ONES = 0x0101010101010101L;
    private static final long HIGHS = 0x8080808080808080L;

    private Bytes() {
    }

    /** The eight bytes at {@code b[i, i+8)} as one little-endian long. */
    static long longAt(byte[] b, int i) {
        return (long) LONGS.get(b, i);
    }

    /** Index of the first LF in {@code b[from, to)}, or -1. */
    public static int indexOfLf(byte[] b, int from, int to) {
        int i = from;
        for (; i + 8 <= to; i += 8) {
            long x = (long) LONGS.get(b, i) ^ (ONES * '\n');
            if (((x - ONES) & ~x & HIGHS) != 0) {
                break; // an LF is in these eight bytes: find it below
            }
        }
        for (; i < to; i++) {
            if (b[i] == '\n') {
                return i;
            }
        }
        return -1;
    }

    /**
     * End of the run of plain bytes (0x20..0x7e, not backslash) starting at {@code from}: the index of the first
     * byte in {@code b[from, to)} that needs escaping, or {@code to}.
     */
    static int plainRunEnd(byte[] b, int from, int to) {
        int i = from;
        for (; i + 8 <= to; i += 8) {
            long x = (long) LONGS.get(b, i);
            long below = (x - ONES * 0x20) & ~x & HIGHS;      // some byte < 0x20
            long above = ((x + ONES) | x) & HIGHS;              // some byte > 0x7e
            long slash = x ^ (ONES * '\\');
            long backslash = (slash - ONES) & ~slash & HIGHS;   // some byte == '\\'
            if ((below | above | backslash) != 0) {
                break;
            }
        }
        for (; i < to; i++) {
            int c = b[i] & 0xff;
            if (c < 0x20 || c > 0x7e || c == '\\') {
                return i;
            }
        }
        return to;
    }

    /** True when {@code b[from, from+count)} are all lowercase hex digits ({@code [0-9a-f]}), without a branch per byte. */
    static boolean isLowerHex(byte[] b, int from, int count) {
        int i = from;
        int end = from + count;
        long bad = 0;
        for (; i + 8 <= end; i += 8) {
            long x = (long) LONGS.get(b, i);
            // Per byte below 0x80 (so no add carries into its neighbour): high bit set when the byte is >= lo, and
            // when it is > hi; a byte at or above 0x80 fails the ASCII test itself, whatever its neighbours show.
            long digit = (x + ONES * (0x80 - '0')) & ~(x + ONES * (0x7f - '9'));
            long lower = (x + ONES * (0x80 - 'a')) & ~(x + ONES * (0x7f - 'f'));
            bad |= ~((digit | lower) & ~x) & HIGHS;
        }
        for (; i < end; i++) {
            byte c = b[i];
            if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f')) {
                return false;
            }
        }
        return bad == 0;
    }

    /** The eight lowercase hex digits of {@code x}, most significant first, as the big-endian long of their ASCII bytes. */
    static long hex8(int x) {
        long n = x & 0xffffffffL;
        n = (n | (n << 16)) & 0x0000ffff0000ffffL;
        n = (n | (n << 8)) & 0x00ff00ff00ff00ffL;
        n = (n | (n << 4)) & 0x0f0f0f0f0f0f0f0fL; // one nibble per byte
        long letters = ((n + 0x0606060606060606L) >>> 4) & 0x0101010101010101L; // 1 in each byte holding 10..15
        return n + 0x3030303030303030L + letters * ('a' - '0' - 10);
    }
}
