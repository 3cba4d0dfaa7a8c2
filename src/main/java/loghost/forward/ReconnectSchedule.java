package loghost.forward;

import java.time.Duration;
import java.util.Random;

/**
 * How long a forwarder waits before it tries a loghost again: "full jitter", a wait drawn uniformly between
 * {@link #FLOOR} and a ceiling that starts at {@link #FIRST_WINDOW} and doubles with each failure in a row, up to
 * {@link #CAP} ({@link #CAP_PENDING} while lines wait). When a loghost restarts, every forwarder loses its connection
 * in the same millisecond; the draw spreads their first attempts over the first window and every later round over
 * its whole ceiling, so a fleet arrives at about N / (ceiling / 2) attempts a second instead of all at once, and a
 * forwarder is back at most one cap after the loghost is (docs/PROTOCOL.md, "loghost forward: what it guarantees").
 */
public final class ReconnectSchedule {

    /** The ceiling of the first wait after a connection that made progress. */
    static final Duration FIRST_WINDOW = Duration.ofSeconds(1);
    /** The shortest wait: a loghost that refuses at once is never tried in a tight loop. */
    static final Duration FLOOR = Duration.ofMillis(100);
    /**
     * The longest wait. A restart (kill -9, the service manager's restart, the JVM and the store's recovery) takes
     * a few seconds; with 10 s a forwarder is back within ~10 s of the loghost, leaving most of a minute for the
     * loghost to accept the fleet at its own connection rate (the old 30 s cap alone could take half of it).
     */
    static final Duration CAP = Duration.ofSeconds(10);
    /** The longest wait while lines wait in the spool or are being dropped: the loghost's return is noticed sooner. */
    static final Duration CAP_PENDING = Duration.ofSeconds(5);

    private final Random random;
    private int failures;

    /** A schedule drawing its waits from {@code random} (one per forwarder destination; seeded in tests). */
    public ReconnectSchedule(Random random) {
        this.random = random;
    }

    /** Forgets the failures in a row: the connection made progress, so the next wait is drawn from the first window. */
    public void reset() {
        failures = 0;
    }

    /** The wait before the next attempt, and one more failure in a row; {@code pending}: lines wait for the loghost. */
    public Duration next(boolean pending) {
        long ceiling = ceiling(failures, pending).toMillis();
        failures = Math.min(failures + 1, 30); // 2^30 s is past any cap: no overflow however long the loghost is away
        long floor = FLOOR.toMillis();
        return Duration.ofMillis(floor + (long) (random.nextDouble() * (ceiling - floor)));
    }

    /** The ceiling of the wait after {@code failures} failures in a row (0: the first wait). */
    static Duration ceiling(int failures, boolean pending) {
        Duration cap = pending ? CAP_PENDING : CAP;
        Duration c = FIRST_WINDOW.multipliedBy(1L << Math.min(failures, 30));
        return c.compareTo(cap) > 0 ? cap : c;
    }
}
