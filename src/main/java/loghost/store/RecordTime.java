package loghost.store;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/** Formats receive times as the 24-byte TIME field, caching the last value (many records share a millisecond). */
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
}
