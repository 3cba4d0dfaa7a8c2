package loghost.testing;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/** A UTC clock a test sets and moves by hand: day changes without waiting for midnight. */
public final class ManualClock extends Clock {

    /** The time, in milliseconds since the epoch. */
    public volatile long millis;

    /** A clock showing {@code instant} (ISO-8601, e.g. 2026-11-22T23:59:59.000Z). */
    public ManualClock(String instant) {
        set(instant);
    }

    /** Sets the time to {@code instant}. */
    public void set(String instant) {
        millis = Instant.parse(instant).toEpochMilli();
    }

    @Override
    public long millis() {
        return millis;
    }

    @Override
    public Instant instant() {
        return Instant.ofEpochMilli(millis);
    }

    @Override
    public ZoneOffset getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        throw new UnsupportedOperationException("UTC only");
    }
}
