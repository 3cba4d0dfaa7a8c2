package loghost.serve;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.security.GeneralSecurityException;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import loghost.audit.AuditTrail;
import loghost.config.Settings;
import loghost.config.SettingsChanges;
import loghost.housekeeping.Housekeeper;
import loghost.store.StepObserver;
import loghost.metrics.MetricsEndpoint;
import loghost.config.PullSettings;
import loghost.pull.PullSources;
import loghost.ssh.LoghostServer;
import loghost.store.StorageException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code loghost serve} wired in one place, and stopped within one {@link StopBudget}. Every thread serve runs
 * belongs to a part built here and is stopped here: {@code loghost-timers} ({@link ServeTimers}),
 * {@code loghost-session-N} and {@code loghost-fsync-N} (the SSH server's session workers), MINA's own I/O threads,
 * {@code loghost-audit} ({@link AuditTrail}), {@code loghost-seal-sync} (the sealer, ended by its close),
 * {@code loghost-housekeeping}, {@code loghost-pull-HOST} (one per source, and per connection one per followed
 * file) and the metrics endpoint's {@code loghost-metrics-*}.
 */
public final class Serve implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Serve.class);

    private final ServeStorage storage;
    private final LoghostServer ssh;
    private final ServeTimers timers;
    private final MetricsEndpoint metricsEndpoint; // null when off
    private final PullSources pulls; // null when serve runs no pull sources (tests)
    private final Housekeeper housekeeper; // null when serve runs no housekeeping (tests)
    private final AtomicBoolean stopStarted = new AtomicBoolean();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile Exception stopFailure;

    private Serve(ServeStorage storage, LoghostServer ssh, ServeTimers timers, MetricsEndpoint metricsEndpoint,
                  PullSources pulls, Housekeeper housekeeper) {
        this.storage = storage;
        this.ssh = ssh;
        this.timers = timers;
        this.metricsEndpoint = metricsEndpoint;
        this.pulls = pulls;
        this.housekeeper = housekeeper;
    }

    /** The SSH server with its store, audit trail, seals, timers and metrics; no pull sources, no housekeeping. */
    public static Serve start(Settings settings) throws IOException, GeneralSecurityException, StorageException {
        return start(settings, Clock.systemUTC(), null, null);
    }

    /**
     * Everything {@code loghost serve} runs: with {@code pullSettings}' sources unless null, and with housekeeping
     * (each crash-safe step told to {@code steps}) unless {@code steps} is null. The data directory's writer lock is taken first, before
     * any chain is opened; records are stamped and epochs ended by {@code clock}. Returns once the server listens.
     */
    public static Serve start(Settings settings, Clock clock, PullSettings pullSettings, StepObserver steps)
            throws IOException, GeneralSecurityException, StorageException {
        PullSources pulls = pullSettings == null ? null : PullSources.lock(settings.dataDir(), pullSettings);
        ServeStorage storage;
        try {
            storage = ServeStorage.open(settings, clock);
        } catch (IOException | GeneralSecurityException | StorageException | RuntimeException e) {
            if (pulls != null) {
                pulls.close();
            }
            throw e;
        }
        LoghostServer ssh;
        try {
            ssh = LoghostServer.start(settings, storage.data, storage.hostKey.pair(), storage.fingerprint,
                    storage.store, storage.audit, storage.metrics);
        } catch (IOException | RuntimeException e) {
            storage.closeAfterFailedStart(e);
            closeLock(pulls, e);
            throw e;
        }
        return startAround(settings, clock, storage, ssh, pulls, steps);
    }

    // With the SSH server listening: the timers, the metrics endpoint, the pull sources, housekeeping.
    private static Serve startAround(Settings settings, Clock clock, ServeStorage storage, LoghostServer ssh,
            PullSources pulls, StepObserver steps) throws IOException {
        ServeTimers timers = new ServeTimers(storage.store, storage.metrics, storage.sealer, settings.seal().epoch(),
                ssh, settings.ssh().keysReloadInterval());
        MetricsEndpoint endpoint = null;
        try {
            if (settings.metrics().listen().isPresent()) {
                endpoint = MetricsEndpoint.start(settings.metrics().listen().get(), storage.metrics);
            }
            if (pulls != null) {
                pulls.start(settings, storage.store, storage.audit);
            }
        } catch (IOException | RuntimeException e) {
            timers.stop();
            if (endpoint != null) {
                endpoint.close();
            }
            stopAfterFailedStart(ssh, pulls, e);
            storage.closeAfterFailedStart(e);
            closeLock(pulls, e);
            throw e;
        }
        // Only now are the ports bound, and known when 0 was asked for.
        storage.audit.event("server-start host-key=" + storage.fingerprint + " listen=" + ssh.address().getHostString()
                + ":" + ssh.address().getPort() + (endpoint == null ? "" : " metrics="
                + endpoint.address().getAddress().getHostAddress() + ":" + endpoint.address().getPort()));
        Housekeeper housekeeper = steps == null ? null : new Housekeeper(storage.data, storage.store,
                settings.housekeeping(), storage.audit::event, clock, steps).start();
        return new Serve(storage, ssh, timers, endpoint, pulls, housekeeper);
    }

    private static void stopAfterFailedStart(LoghostServer ssh, PullSources pulls, Exception cause) {
        if (pulls != null) {
            pulls.stop();
        }
        try {
            ssh.stopAccepting(StopBudget.TOTAL);
            ssh.drain(StopBudget.TOTAL);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            cause.addSuppressed(e);
        }
    }

    private static void closeLock(PullSources pulls, Exception cause) {
        if (pulls == null) {
            return;
        }
        try {
            pulls.close();
        } catch (IOException e) {
            cause.addSuppressed(e);
        }
    }

    /** The address the server listens on, with the real port when 0 was asked for. */
    public InetSocketAddress address() {
        return ssh.address();
    }

    /** The host key's SHA256 fingerprint, as {@code ssh-keygen -lf} prints it. */
    public String hostKeyFingerprint() {
        return storage.fingerprint;
    }

    /** The seal chain's verification key ({@code ed25519:...}), when sealing is on. */
    public Optional<String> sealKey() {
        return Optional.ofNullable(storage.sealKey());
    }

    /** The metrics endpoint's scrape URL, when it is on. */
    public Optional<String> metricsUrl() {
        return Optional.ofNullable(metricsEndpoint).map(MetricsEndpoint::url);
    }

    /** Keys enrolled when the server started. */
    public int enrolledKeysAtStart() {
        return ssh.enrolledKeysAtStart();
    }

    /**
     * SIGHUP: re-reads the enrolled keys now (closing revoked keys' sessions), applies the settings in
     * {@link SettingsChanges#LIVE} from {@code next}, and audits {@code config-reloaded WHAT}.
     */
    public synchronized void reload(Settings next, String what) {
        ssh.reload(next);
        storage.audit.refusalsPerSecond(next.audit().refusalsPerSecond());
        storage.audit.event("config-reloaded " + what);
    }

    /**
     * Stops within {@link StopBudget#TOTAL}, once, whichever of the signal and the shutdown hook comes first (the
     * other waits for it); true when every log was sealed, synced and closed.
     */
    public boolean stop() {
        if (stopStarted.compareAndSet(false, true)) {
            try {
                stopWithin(StopBudget.startingNow(StopBudget.TOTAL));
            } finally {
                stopped.countDown();
            }
        } else {
            try {
                stopped.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return stopFailure == null;
    }

    /** As {@link #stop()}, throwing what made it fail. */
    @Override
    public void close() throws IOException {
        if (!stop()) {
            throw new IOException("stop failed: " + stopFailure, stopFailure);
        }
    }

    // Stop accepting -> drain the sessions, and stop housekeeping and the pull sources -> final seal -> last sync.
    private void stopWithin(StopBudget budget) {
        try {
            stopParts(budget);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            LOG.warn("stop-interrupted: sessions still ending may not have synced; the logs are synced below");
        } catch (RuntimeException e) {
            LOG.error("stop-step-failed reason={}: the logs are sealed and synced below", quote(e.toString()));
        }
        try {
            storage.finish(budget);
            LOG.info("stopped: all logs synced and closed ({} ms of the {} s stop budget)",
                    budget.elapsed().toMillis(), budget.total().toSeconds());
        } catch (IOException | StorageException | RuntimeException e) {
            stopFailure = e;
            LOG.error("shutdown-failed reason=\"{}\"", e.toString());
        } finally {
            if (pulls != null) {
                try {
                    pulls.close(); // the writer lock, once nothing writes the chains any more
                } catch (IOException e) {
                    LOG.error("writer-lock-release-failed reason=\"{}\"", e.getMessage());
                }
            }
        }
    }

    // Every part is told to stop first, so that they stop together; then each is waited for, all within one share.
    private void stopParts(StopBudget budget) throws InterruptedException {
        timers.stop();
        if (housekeeper != null) {
            housekeeper.stop();
        }
        if (pulls != null) {
            pulls.stop();
        }
        if (metricsEndpoint != null) {
            metricsEndpoint.close();
        }
        if (!ssh.stopAccepting(budget.forParts())) {
            cutShort("ssh", budget, "MINA did not confirm every session closed; their workers are drained below");
        }
        if (!ssh.drain(budget.forParts())) {
            cutShort("sessions", budget, "sessions still stored or synced what they received; the logs are synced"
                    + " below, a line not yet appended is lost");
        }
        if (housekeeper != null && !housekeeper.awaitStopped(budget.forParts())) {
            cutShort("housekeeping", budget, "a pass still runs; it is crash-safe and resumes at the next start");
        }
        List<String> pulling = pulls == null ? List.of() : pulls.awaitStopped(budget.forParts());
        if (!pulling.isEmpty()) {
            cutShort("pull", budget, "sources " + String.join(",", pulling) + " still ran; each resumes from its"
                    + " saved position at the next start");
        }
    }

    /** Logs that a step of the stop was left unfinished at its deadline, and why that is safe or what it costs. */
    static void cutShort(String part, StopBudget budget, String reason) {
        LOG.warn("stop-cut-short part={} after={}ms budget={}s reason={}", part, budget.elapsed().toMillis(),
                budget.total().toSeconds(), quote(reason));
    }

    /** Text for one field of a log line: quoted, with quotes and backslashes escaped. */
    static String quote(String text) {
        return "\"" + text.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }
}
