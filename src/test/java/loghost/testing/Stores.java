package loghost.testing;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import loghost.store.DigestAlgorithm;
import loghost.store.LogStore;
import loghost.store.SyncPolicy;

/** Stores for tests that configure nothing: synced as {@code store.fsync-interval}'s default (1s) would. */
public final class Stores {

    /** The sync policy of {@code store.fsync-interval = 1s}, with no metrics to tell. */
    public static final SyncPolicy DEFAULT_SYNC = new SyncPolicy(Duration.ofSeconds(1), nanos -> { });

    private Stores() {
    }

    /** A store rooted at {@code hostsDir}; new chains use {@code algorithm}; the default sync policy. */
    public static LogStore open(Path hostsDir, DigestAlgorithm algorithm, Clock clock) throws IOException {
        return new LogStore(hostsDir, algorithm, clock, DEFAULT_SYNC);
    }
}
