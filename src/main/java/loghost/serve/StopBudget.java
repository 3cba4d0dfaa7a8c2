package loghost.serve;

import java.time.Duration;

/**
 * The time one clean stop of {@code serve} may take, from SIGTERM to the last sync, and how its steps share it
 * (README, "Stopping"). systemd kills the server {@code TimeoutStopSec} (30 s in the packaged unit) after SIGTERM,
 * so the whole stop gets 5 s less, for the JVM around it. The steps run in order against deadlines measured from
 * the start: stop accepting, drain the sessions and stop housekeeping and the pull sources (together, one shared
 * 48%), write the audit trail's last records (to 60%), then the final seal and the last sync, whose 40% is kept for
 * them whatever the steps before took. A step still running at its deadline is left, and logged, not waited for.
 */
public final class StopBudget {

    /** The packaged unit's {@code TimeoutStopSec} (src/deb/systemd/loghost.service). */
    public static final Duration UNIT_TIMEOUT_STOP = Duration.ofSeconds(30);
    /** The whole stop: the unit's timeout less 5 s for the JVM to begin and end around it. */
    public static final Duration TOTAL = UNIT_TIMEOUT_STOP.minusSeconds(5);

    private final Duration total;
    private final long start;

    private StopBudget(Duration total, long start) {
        this.total = total;
        this.start = start;
    }

    /** A budget of {@code total} starting now. */
    public static StopBudget startingNow(Duration total) {
        return new StopBudget(total, System.nanoTime());
    }

    /** Left for stopping to accept, draining the sessions, and stopping housekeeping and the pull sources. */
    public Duration forParts() {
        return until(total.multipliedBy(48).dividedBy(100));
    }

    /** Left for the audit trail's last records; the final seal and sync keep the rest. */
    public Duration forAudit() {
        return until(total.multipliedBy(60).dividedBy(100));
    }

    /** Time since the stop began. */
    public Duration elapsed() {
        return Duration.ofNanos(System.nanoTime() - start);
    }

    /** The whole budget. */
    public Duration total() {
        return total;
    }

    private Duration until(Duration mark) {
        Duration left = mark.minus(elapsed());
        return left.isNegative() ? Duration.ZERO : left;
    }
}
