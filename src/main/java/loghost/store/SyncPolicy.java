package loghost.store;

import java.time.Duration;
import java.util.function.LongConsumer;

/**
 * When every chain's records are forced to disk, the same for all writers (sessions, acknowledged mode, the audit
 * trail, pulled logs, the sealer): with {@code store.fsync-interval} above zero a sweep syncs every chain written
 * since the last one at that interval; with zero each append is synced before it returns. Either way a sweep at
 * least once a second closes the day files of hosts that wrote nothing since the previous sweep.
 *
 * @param interval {@code store.fsync-interval}: zero means every append
 * @param writeSynced told the nanoseconds of each per-append fsync (for the metrics); not called with an interval
 */
public record SyncPolicy(Duration interval, LongConsumer writeSynced) {

    private static final Duration MAX_SWEEP = Duration.ofSeconds(1);

    /** Checks the interval. */
    public SyncPolicy {
        if (interval.isNegative()) {
            throw new IllegalArgumentException("fsync interval must not be negative: " + interval);
        }
    }

    /** True when each append is synced before it returns. */
    public boolean everyWrite() {
        return interval.isZero();
    }

    /** How often the sweep runs: the interval, or once a second when each write syncs itself. */
    public Duration sweepEvery() {
        return everyWrite() ? MAX_SWEEP : interval;
    }
}
