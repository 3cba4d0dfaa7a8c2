package loghost.serve;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import loghost.metrics.ServerMetrics;
import loghost.seal.Sealer;
import loghost.ssh.LoghostServer;
import loghost.store.LogStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * serve's timed work, on two threads named {@code loghost-timers}: the periodic sync and park of the store, the end
 * of each seal epoch, and the revocation sweep. Two, so that a slow or hung fsync in the periodic sync never holds
 * back the revocation sweep (each task runs with a fixed delay, so neither overlaps itself).
 */
final class ServeTimers {

    private static final Logger LOG = LoggerFactory.getLogger(ServeTimers.class);

    private final ScheduledExecutorService timers = Executors.newScheduledThreadPool(2, r -> {
        Thread t = new Thread(r, "loghost-timers");
        t.setDaemon(true);
        return t;
    });

    /** Starts the periodic sync of {@code store}, the epoch ends of {@code sealer} (if any) and the key reloads. */
    ServeTimers(LogStore store, ServerMetrics metrics, Sealer sealer, Duration epoch, LoghostServer ssh,
                Duration keysReload) {
        // Also with fsync-interval 0s, where every append syncs itself: the sweep parks idle hosts' day files.
        long sweep = store.syncPolicy().sweepEvery().toMillis();
        timers.scheduleWithFixedDelay(() -> {
            long start = System.nanoTime();
            store.sweepAll();
            metrics.synced(ServerMetrics.SyncTrigger.INTERVAL, System.nanoTime() - start);
        }, sweep, sweep, TimeUnit.MILLISECONDS);
        if (sealer != null) {
            scheduleEpochEnd(sealer, epoch);
        }
        long reload = keysReload.toMillis();
        timers.scheduleWithFixedDelay(() -> {
            // An exception would cancel every later sweep, and with it revocation: log it and carry on.
            try {
                ssh.closeRevokedSessions();
            } catch (RuntimeException e) {
                LOG.error("revocation-sweep-failed reason={}", Serve.quote(e.toString()), e);
            }
        }, reload, reload, TimeUnit.MILLISECONDS);
    }

    // Each epoch ends at the next multiple of its length; a failed close (a full disk) is logged and retried at
    // the next boundary, the epoch staying open meanwhile.
    private void scheduleEpochEnd(Sealer sealer, Duration epoch) {
        long delay = Sealer.millisToBoundary(System.currentTimeMillis(), epoch);
        if (delay < epoch.toMillis() / 10) {
            delay += epoch.toMillis(); // a timer that fired a little early: this boundary was just sealed
        }
        timers.schedule(() -> {
            try {
                sealer.closeEpoch();
            } catch (IOException | RuntimeException e) {
                LOG.error("seal-failed epoch={} reason={} (the epoch stays open; retried at the next boundary)",
                        sealer.epoch(), Serve.quote(e.toString()));
            }
            if (!timers.isShutdown()) {
                scheduleEpochEnd(sealer, epoch);
            }
        }, delay, TimeUnit.MILLISECONDS);
    }

    /** Cancels every timed task; one running now is interrupted (the store is safe to interrupt) and not awaited. */
    void stop() {
        timers.shutdownNow();
    }
}
