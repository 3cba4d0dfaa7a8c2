package loghost.read;

import java.math.BigDecimal;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The times {@code --since} and {@code --until} take, in the forms journalctl users type (systemd.time(7)):
 * {@code now}, {@code today}, {@code yesterday}, {@code tomorrow}; spans relative to now ({@code -10m},
 * {@code +1h}, {@code "10 min ago"}, {@code "2h left"}); {@code HH:MM[:SS]} (today);
 * {@code YYYY-MM-DD[ HH:MM[:SS[.FRAC]]]} or with {@code T}; an optional zone ({@code Z}, {@code UTC},
 * {@code +01:00}, {@code Europe/Berlin}); {@code @EPOCH}. A time without a zone is UTC, unlike journalctl: the TIME
 * loghost stores and prints is UTC, and day files are UTC days.
 */
public final class TimeArgument {

    /** What the forms are, for error messages and help. */
    public static final String FORMS = "e.g. 2026-11-24T10:00:00Z, \"2026-11-24 10:00\", 23:57, today, yesterday, "
            + "-10m, \"10 min ago\", @1764000000; UTC unless a zone is given";

    private static final Pattern ABSOLUTE = Pattern.compile(
            "(?:(\\d{4})-(\\d{1,2})-(\\d{1,2})(?:[ T](\\d{1,2}):(\\d{2})(?::(\\d{2})(?:[.,](\\d{1,9}))?)?)?"
            + "|(\\d{1,2}):(\\d{2})(?::(\\d{2})(?:[.,](\\d{1,9}))?)?)"
            + "(?:\\s*(Z|z|UTC|utc|[+-]\\d{2}(?::?\\d{2})?)|\\s+([A-Za-z]+(?:/[A-Za-z0-9_+-]+)+))?");
    private static final Pattern SPAN_PART = Pattern.compile("\\s*(\\d+(?:\\.\\d+)?)\\s*([a-zA-Zµμ]*)");
    private static final long DAY = 86_400;
    // systemd.time(7)'s units, in seconds; a month is 30.44 days and a year 365.25 days, as there.
    private static final Map<String, BigDecimal> UNITS = Map.ofEntries(
            Map.entry("nsec", new BigDecimal("1e-9")), Map.entry("ns", new BigDecimal("1e-9")),
            Map.entry("usec", new BigDecimal("1e-6")), Map.entry("us", new BigDecimal("1e-6")),
            Map.entry("µs", new BigDecimal("1e-6")), Map.entry("μs", new BigDecimal("1e-6")),
            Map.entry("msec", new BigDecimal("1e-3")), Map.entry("ms", new BigDecimal("1e-3")),
            Map.entry("seconds", BigDecimal.ONE), Map.entry("second", BigDecimal.ONE),
            Map.entry("sec", BigDecimal.ONE), Map.entry("s", BigDecimal.ONE), Map.entry("", BigDecimal.ONE),
            Map.entry("minutes", BigDecimal.valueOf(60)), Map.entry("minute", BigDecimal.valueOf(60)),
            Map.entry("min", BigDecimal.valueOf(60)), Map.entry("m", BigDecimal.valueOf(60)),
            Map.entry("hours", BigDecimal.valueOf(3600)), Map.entry("hour", BigDecimal.valueOf(3600)),
            Map.entry("hr", BigDecimal.valueOf(3600)), Map.entry("h", BigDecimal.valueOf(3600)),
            Map.entry("days", BigDecimal.valueOf(DAY)), Map.entry("day", BigDecimal.valueOf(DAY)),
            Map.entry("d", BigDecimal.valueOf(DAY)),
            Map.entry("weeks", BigDecimal.valueOf(7 * DAY)), Map.entry("week", BigDecimal.valueOf(7 * DAY)),
            Map.entry("w", BigDecimal.valueOf(7 * DAY)),
            Map.entry("months", BigDecimal.valueOf(2_629_800)), Map.entry("month", BigDecimal.valueOf(2_629_800)),
            Map.entry("M", BigDecimal.valueOf(2_629_800)),
            Map.entry("years", BigDecimal.valueOf(31_557_600)), Map.entry("year", BigDecimal.valueOf(31_557_600)),
            Map.entry("y", BigDecimal.valueOf(31_557_600)));
    // TIME is compared as text of four-digit years (AD): anything outside them cannot be compared and is refused.
    private static final Instant FIRST = Instant.parse("0001-01-01T00:00:00Z");
    private static final Instant LAST = Instant.parse("9999-12-31T23:59:59.999Z");

    private TimeArgument() {
    }

    /** The instant {@code text} names, relative to {@code now}; IllegalArgumentException saying why when none. */
    public static Instant parse(String text, Instant now) {
        String s = text.strip();
        Instant t;
        try {
            t = instant(s, now);
        } catch (java.time.zone.ZoneRulesException e) {
            throw new IllegalArgumentException("unknown time zone");
        } catch (DateTimeException | ArithmeticException e) {
            throw new IllegalArgumentException("no such date or time, or out of range");
        }
        if (t == null) {
            throw new IllegalArgumentException("not a time");
        }
        if (t.isBefore(FIRST) || t.isAfter(LAST)) {
            throw new IllegalArgumentException("out of range");
        }
        return t;
    }

    private static Instant instant(String s, Instant now) {
        LocalDate today = LocalDate.ofInstant(now, ZoneOffset.UTC);
        switch (s) {
            case "now":
                return now;
            case "today":
                return today.atStartOfDay(ZoneOffset.UTC).toInstant();
            case "yesterday":
                return today.minusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant();
            case "tomorrow":
                return today.plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant();
            default:
                break;
        }
        if (s.startsWith("@")) {
            return epoch(s.substring(1));
        }
        if (s.startsWith("-") || s.startsWith("+")) {
            Duration d = span(s.substring(1));
            return d == null ? null : s.startsWith("-") ? now.minus(d) : now.plus(d);
        }
        if (s.endsWith(" ago") || s.endsWith(" left")) {
            boolean ago = s.endsWith(" ago");
            Duration d = span(s.substring(0, s.length() - (ago ? 4 : 5)));
            return d == null ? null : ago ? now.minus(d) : now.plus(d);
        }
        return absolute(s, now);
    }

    private static Instant epoch(String digits) {
        if (!digits.matches("\\d+(\\.\\d{1,9})?")) {
            return null;
        }
        BigDecimal seconds = new BigDecimal(digits);
        long whole = seconds.setScale(0, java.math.RoundingMode.DOWN).longValueExact();
        return Instant.ofEpochSecond(whole, seconds.subtract(BigDecimal.valueOf(whole)).movePointRight(9).longValue());
    }

    /** A systemd time span ({@code 1h 30min}, {@code 5m}, {@code 2.5d}; a bare number is seconds), or null. */
    static Duration span(String text) {
        String s = text.strip();
        if (s.isEmpty()) {
            return null;
        }
        BigDecimal seconds = BigDecimal.ZERO;
        Matcher m = SPAN_PART.matcher(s);
        int at = 0;
        while (at < s.length()) {
            if (!m.find(at) || m.start() != at) {
                return null;
            }
            BigDecimal unit = UNITS.get(m.group(2));
            if (unit == null) {
                return null;
            }
            seconds = seconds.add(new BigDecimal(m.group(1)).multiply(unit));
            at = m.end();
        }
        BigDecimal whole = seconds.setScale(0, java.math.RoundingMode.DOWN);
        return Duration.ofSeconds(whole.longValueExact(), seconds.subtract(whole).movePointRight(9).longValue());
    }

    private static Instant absolute(String s, Instant now) {
        Matcher m = ABSOLUTE.matcher(s);
        if (!m.matches()) {
            return null;
        }
        ZoneId zone = zone(m.group(12), m.group(13));
        LocalDate date;
        LocalTime time;
        if (m.group(1) != null) {
            date = LocalDate.of(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)),
                    Integer.parseInt(m.group(3)));
            time = m.group(4) == null ? LocalTime.MIDNIGHT : time(m.group(4), m.group(5), m.group(6), m.group(7));
        } else {
            date = LocalDate.ofInstant(now, zone);
            time = time(m.group(8), m.group(9), m.group(10), m.group(11));
        }
        return date.atTime(time).atZone(zone).toInstant();
    }

    private static ZoneId zone(String offset, String region) {
        if (region != null) {
            return ZoneId.of(region); // an unknown region is refused, never taken as UTC
        }
        if (offset == null || offset.equalsIgnoreCase("Z") || offset.equalsIgnoreCase("UTC")) {
            return ZoneOffset.UTC;
        }
        String o = offset.length() == 3 ? offset + ":00" : offset.length() == 5
                ? offset.substring(0, 3) + ":" + offset.substring(3) : offset;
        return ZoneOffset.of(o);
    }

    private static LocalTime time(String hours, String minutes, String seconds, String fraction) {
        int nanos = fraction == null ? 0 : Integer.parseInt((fraction + "00000000").substring(0, 9));
        return LocalTime.of(Integer.parseInt(hours), Integer.parseInt(minutes),
                seconds == null ? 0 : Integer.parseInt(seconds), nanos);
    }
}
