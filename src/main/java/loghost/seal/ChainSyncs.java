package loghost.seal;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import loghost.store.HostLog;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sealer's fsyncs of many chains at once: with thousands of hosts, one after another they would take most of
 * an epoch (measured in docs/PERFORMANCE.md).
 */
final class ChainSyncs {

    // Logged as the sealer's own lines: operators and their alerts know them by that name.
    private static final Logger LOG = LoggerFactory.getLogger(Sealer.class);

    private final ExecutorService syncers = Executors.newFixedThreadPool(8, r -> {
        Thread t = new Thread(r, "loghost-seal-sync");
        t.setDaemon(true);
        return t;
    });

    /** Syncs {@code logs} in parallel; returns the chains that synced (a failure is logged, its chain left out). */
    List<HostLog> syncAll(List<HostLog> logs) {
        List<Future<HostLog>> done = new ArrayList<>(logs.size());
        for (HostLog log : logs) {
            done.add(syncers.submit(() -> {
                log.sync();
                return log;
            }));
        }
        List<HostLog> synced = new ArrayList<>(logs.size());
        boolean interrupted = false;
        for (int i = 0; i < done.size(); i++) {
            try {
                synced.add(done.get(i).get());
            } catch (ExecutionException e) {
                LOG.error("fsync-failed host={} reason=\"{}\" (its records stay unsealed until a later epoch)",
                        logs.get(i).host(), e.getCause().getMessage());
            } catch (InterruptedException e) {
                // A stopping server's timer: the epoch is still closed (the stop seals it); wait for this sync.
                interrupted = true;
                i--;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        return synced;
    }

    /** Lets the sync threads end once idle. */
    void shutdown() {
        syncers.shutdown();
    }
}
