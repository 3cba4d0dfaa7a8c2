package loghost.read;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * A record's event time (docs/FORMAT.md, "META attributes": {@code t=}, seconds since the epoch with 3 or 6
 * fraction digits), as the reader shows and compares it: without {@code t=}, the event time is the record's TIME.
 */
final class EventTime {

    private static final DateTimeFormatter SECONDS = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss")
            .withZone(ZoneOffset.UTC);

    private EventTime() {
    }

    /**
     * The event time of a record with {@code meta} and {@code time} (its TIME), in TIME's form with the fraction
     * digits {@code t=} has: {@code 2026-11-22T23:59:58.250Z}, or {@code .250123Z} for microseconds.
     */
    static String of(String meta, String time) {
        String t = value(meta);
        if (t == null) {
            return time;
        }
        int dot = t.indexOf('.');
        return SECONDS.format(Instant.ofEpochSecond(Long.parseLong(t.substring(0, dot)))) + t.substring(dot) + "Z";
    }

    /**
     * The event time cut to milliseconds, as a 24-byte TIME text: compared as text with a TIME bound it says
     * whether the event is at or after that millisecond exactly as the full value would.
     */
    static String millis(String meta, String time) {
        String e = of(meta, time);
        return e.length() == 24 ? e : e.substring(0, 23) + "Z";
    }

    // The value of the t= item of a META field, or null; the reader parsed META by its grammar, so the value fits.
    private static String value(String meta) {
        int at;
        if (meta.startsWith("t=")) {
            at = 0;
        } else {
            int comma = meta.indexOf(",t=");
            if (comma < 0) {
                return null;
            }
            at = comma + 1;
        }
        int end = meta.indexOf(',', at);
        return meta.substring(at + 2, end < 0 ? meta.length() : end);
    }
}
