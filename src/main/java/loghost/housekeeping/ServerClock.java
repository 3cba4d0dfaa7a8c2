package loghost.housekeeping;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;

/**
 * The clock {@code serve} runs on: the system's UTC clock; or, in tests only, with {@code
 * -Dloghost.test.clock-file=PATH}, the instant written in that file (ISO-8601, re-read at every reading), so that a
 * test can move a real server process through midnight.
 */
public final class ServerClock extends Clock {

    /** Test-only: the file whose instant the server's clock shows. */
    static final String FILE_PROPERTY = "loghost.test.clock-file";

    private final Path file;
    private volatile long lastRead;

    private ServerClock(Path file) {
        this.file = file;
        this.lastRead = System.currentTimeMillis();
    }

    /** The system's UTC clock, unless the test-only property names a clock file. */
    public static Clock get() {
        String f = System.getProperty(FILE_PROPERTY);
        return f == null || f.isEmpty() ? Clock.systemUTC() : new ServerClock(Path.of(f));
    }

    @Override
    public long millis() {
        try {
            lastRead = Instant.parse(new String(Files.readAllBytes(file), StandardCharsets.US_ASCII).strip())
                    .toEpochMilli();
        } catch (IOException | DateTimeParseException e) {
            // A test writing the file may be caught half way: the time read last stands.
        }
        return lastRead;
    }

    @Override
    public Instant instant() {
        return Instant.ofEpochMilli(millis());
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        throw new UnsupportedOperationException("UTC only");
    }
}
