package loghost.store;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * The 24-byte TIME field: formats receive times, caching the last value (many records share a millisecond), and
 * checks that a stored one names a real instant.
 */
final class RecordTime {

    private static final DateTimeFormatter FORMAT =
            DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

    private long cachedMillis = Long.MIN_VALUE;
    private final byte[] cached = new byte[RecordView.TIME_LENGTH];

    /** The TIME field bytes for {@code millis}; the array is reused by the next call. */
    byte[] format(long millis) {
        if (millis != cachedMillis) {
            byte[] b = FORMAT.format(Instant.ofEpochMilli(millis)).getBytes(StandardCharsets.US_ASCII);
            if (b.length != RecordView.TIME_LENGTH) {
                throw new IllegalStateException("receive time outside years 0000-9999: " + millis);
            }
            System.arraycopy(b, 0, cached, 0, b.length);
            cachedMillis = millis;
        }
        return cached;
    }

    /**
     * True when {@code b[p, p+24)} is {@code YYYY-MM-DDTHH:MM:SS.mmmZ} naming a real instant (docs/FORMAT.md,
     * "Record line"): a real date, hour 00-23, minute and second 00-59. No leap second: the writer formats epoch
     * milliseconds, which have none, so {@code :60} never occurs.
     */
    static boolean isValid(byte[] b, int p) {
        // The shape, eight bytes per step: XOR with the template leaves 0 where a fixed character belongs and
        // 0..9 where a digit does; anything else (a bit outside the low nibble, or 10..15) is not the shape.
        for (int k = 0; k < 3; k++) {
            long y = Bytes.longAt(b, p + 8 * k) ^ SHAPE_XOR[k];
            if ((y & ~DIGIT_NIBBLES[k]) != 0 || ((y + 0x0606060606060606L) & 0x1010101010101010L) != 0) {
                return false;
            }
        }
        int year = number(b, p, 4);
        int month = number(b, p + 5, 2);
        int day = number(b, p + 8, 2);
        return month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month)
                && number(b, p + 11, 2) <= 23 && number(b, p + 14, 2) <= 59 && number(b, p + 17, 2) <= 59;
    }

    private static final String TIME_SHAPE = "dddd-dd-ddTdd:dd:dd.dddZ";
    // Per 8-byte word of the shape (little-endian): '0' where a digit goes, else the fixed character; and 0x0f
    // where a digit goes, else 0.
    private static final long[] SHAPE_XOR = new long[3];
    private static final long[] DIGIT_NIBBLES = new long[3];

    static {
        for (int i = 0; i < RecordView.TIME_LENGTH; i++) {
            char s = TIME_SHAPE.charAt(i);
            SHAPE_XOR[i / 8] |= (long) (s == 'd' ? '0' : s) << (8 * (i % 8));
            if (s == 'd') {
                DIGIT_NIBBLES[i / 8] |= 0x0fL << (8 * (i % 8));
            }
        }
    }

    private static int number(byte[] b, int p, int digits) {
        int v = 0;
        for (int i = 0; i < digits; i++) {
            v = v * 10 + (b[p + i] - '0');
        }
        return v;
    }

    /** Days in {@code month} of {@code year} in the proleptic Gregorian calendar (as {@code java.time} counts). */
    static int daysInMonth(int year, int month) {
        if (month == 2) {
            boolean leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
            return leap ? 29 : 28;
        }
        return (month == 4 || month == 6 || month == 9 || month == 11) ? 30 : 31;
    }
}
