package loghost.read;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@code --since}/{@code --until} take journalctl's forms (systemd.time(7)), UTC unless a zone is given. */
class TimeArgumentTest {

    private static final Instant NOW = Instant.parse("2026-11-24T10:30:15.250Z");

    @ParameterizedTest(name = "[{index}] {0}")
    @CsvSource(delimiter = '|', value = {
        "now                              | 2026-11-24T10:30:15.250Z",
        "today                            | 2026-11-24T00:00:00Z",
        "yesterday                        | 2026-11-23T00:00:00Z",
        "tomorrow                         | 2026-11-25T00:00:00Z",
        "-10m                             | 2026-11-24T10:20:15.250Z",
        "+5m                              | 2026-11-24T10:35:15.250Z",
        "-90                              | 2026-11-24T10:28:45.250Z",
        "-1.5h                            | 2026-11-24T09:00:15.250Z",
        "-1h30min                         | 2026-11-24T09:00:15.250Z",
        "-2d                              | 2026-11-22T10:30:15.250Z",
        "-1w                              | 2026-11-17T10:30:15.250Z",
        "-250ms                           | 2026-11-24T10:30:15Z",
        "10 min ago                       | 2026-11-24T10:20:15.250Z",
        "1h 30min ago                     | 2026-11-24T09:00:15.250Z",
        "2 hours ago                      | 2026-11-24T08:30:15.250Z",
        "1 day left                       | 2026-11-25T10:30:15.250Z",
        "-1M                              | 2026-10-25T00:00:15.250Z",
        "23:57                            | 2026-11-24T23:57:00Z",
        "08:05:09                         | 2026-11-24T08:05:09Z",
        "10:00 +01:00                     | 2026-11-24T09:00:00Z",
        "2026-11-23                       | 2026-11-23T00:00:00Z",
        "2026-11-23 08:15                 | 2026-11-23T08:15:00Z",
        "2026-11-23 08:15:30              | 2026-11-23T08:15:30Z",
        "2026-11-23T08:15:30Z             | 2026-11-23T08:15:30Z",
        "2026-11-23T08:15:30.123456789Z   | 2026-11-23T08:15:30.123456789Z",
        "2026-11-23 08:15:30 UTC          | 2026-11-23T08:15:30Z",
        "2026-11-23T08:15:30+02:00        | 2026-11-23T06:15:30Z",
        "2026-11-23T08:15:30-0530         | 2026-11-23T13:45:30Z",
        "2026-11-23 08:15 Europe/Berlin   | 2026-11-23T07:15:00Z",
        "@1764000000                      | 2025-11-24T16:00:00Z",
        "@1764000000.5                    | 2025-11-24T16:00:00.500Z",
    })
    void readsJournalctlForms(String text, String expected) {
        assertEquals(Instant.parse(expected), TimeArgument.parse(text, NOW));
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @CsvSource(delimiter = '|', value = {
        "''                               | not a time",
        "next tuesday                     | not a time",
        "10 parsecs ago                   | not a time",
        "-                                | not a time",
        "@                                | not a time",
        "@-5                              | not a time",
        "2026-11-24 10                    | not a time",
        "2026-13-01                       | no such date or time, or out of range",
        "25:00                            | no such date or time, or out of range",
        "2026-11-23 08:15 Mars/Olympus    | unknown time zone",
        "@999999999999                    | out of range",
        "-3000y                           | out of range",
    })
    void refusesWhatIsNotATimeSayingWhy(String text, String why) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TimeArgument.parse(text, NOW));
        assertEquals(why, e.getMessage());
    }

    @Test
    void aTimeOfDayIsTodayInItsOwnZone() {
        // At 15:30 UTC on the 24th it is already the 25th in Tokyo: "today" is the zone's date, not UTC's.
        assertEquals(Instant.parse("2026-11-23T23:30:00Z"),
                TimeArgument.parse("08:30 Asia/Tokyo", Instant.parse("2026-11-24T00:30:00Z")));
        assertEquals(Instant.parse("2026-11-24T23:30:00Z"),
                TimeArgument.parse("08:30 Asia/Tokyo", Instant.parse("2026-11-24T15:30:00Z")));
    }
}
