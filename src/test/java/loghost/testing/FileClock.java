package loghost.testing;

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
 * A clock showing the instant written in a file (ISO-8601, re-read at every reading), so that a test can move a
 * real server process through midnight ({@link TestMain}, {@code -Dloghost.test.clock-file=PATH}).
 */
public final class FileClock extends Clock {

    private final Path file;
    private volatile long lastRead;

    /** The clock of {@code file}. */
    public FileClock(Path file) {
        this.file = file;
        this.lastRead = System.currentTimeMillis();
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
