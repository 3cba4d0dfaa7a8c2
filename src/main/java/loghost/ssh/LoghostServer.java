package loghost.ssh;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import loghost.audit.AuditTrail;
import loghost.config.Settings;
import loghost.config.SettingsChanges;
import loghost.keys.EnrolledKeys;
import loghost.keys.EnrolledKeysFile;
import loghost.metrics.MetricsEndpoint;
import loghost.metrics.ServerMetrics;
import loghost.seal.ReceiptSigner;
import loghost.seal.Sealer;
import loghost.seal.VerificationKey;
import loghost.store.DataDirectory;
import loghost.store.HostLog;
import loghost.store.HostName;
import loghost.store.LogStore;
import loghost.store.StorageException;
import loghost.store.SyncPolicy;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.core.CoreModuleProperties;
import org.apache.sshd.server.SshServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The loghost server, wired from {@link Settings}: one key, one host, one command; and its audit trail. */
public final class LoghostServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(LoghostServer.class);

    private final SshServer sshd;
    private final LogStore store;
    private final AuditTrail audit;
    private final ScheduledExecutorService timers;
    private final String hostKeyFingerprint;
    private final int enrolledKeys;
    private final MetricsEndpoint metricsEndpoint;
    private final EnrolledKeysAuthenticator authenticator;
    private final AuthenticatedConnections connections;
    private final Sealer sealer;
    private final String sealKey;
    private final SessionWorkers workers;

    private LoghostServer(SshServer sshd, LogStore store, AuditTrail audit, ScheduledExecutorService timers,
                          String fingerprint, int enrolledKeys, MetricsEndpoint metricsEndpoint,
                          EnrolledKeysAuthenticator authenticator, AuthenticatedConnections connections,
                          Sealer sealer, SessionWorkers workers) {
        this.sealer = sealer;
        this.workers = workers;
        String key = null;
        if (sealer != null) {
            try {
                key = Sealer.publicKey(sealer.dataDir()).toString();
            } catch (IOException e) {
                key = "(unreadable: " + e.getMessage() + ")";
            }
        }
        this.sealKey = key;
        this.sshd = sshd;
        this.store = store;
        this.audit = audit;
        this.timers = timers;
        this.hostKeyFingerprint = fingerprint;
        this.enrolledKeys = enrolledKeys;
        this.metricsEndpoint = metricsEndpoint;
        this.authenticator = authenticator;
        this.connections = connections;
    }

    /** Checks the data directory, recovers every chain, builds and starts the server; returns once it listens. */
    public static LoghostServer start(Settings settings) throws IOException, GeneralSecurityException,
            StorageException {
        return start(settings, Clock.systemUTC());
    }

    /** As {@link #start(Settings)}, stamping records and ending epochs by {@code clock}. */
    public static LoghostServer start(Settings settings, Clock clock) throws IOException, GeneralSecurityException,
            StorageException {
        Path data = settings.dataDir().toAbsolutePath().normalize();
        DataDirectory.prepare(data);
        HostKey.Loaded hostKey = HostKey.loadOrCreate(data);
        String fingerprint = KeyUtils.getFingerPrint(hostKey.pair().getPublic());
        if (settings.store().digest().legacy()) {
            LOG.warn("legacy-digest digest={}: collisions can be forged; use sha256 or sha512 for new hosts",
                    settings.store().digest().headerName());
        }
        ServerMetrics metrics = new ServerMetrics(data.resolve("hosts"), Clock.systemUTC());
        // One policy for every chain of the store: sessions, acknowledged mode, the audit trail, pulled logs, seals.
        SyncPolicy sync = new SyncPolicy(settings.store().fsyncInterval(),
                nanos -> metrics.synced(ServerMetrics.SyncTrigger.SESSION, nanos));
        LogStore store = new LogStore(data.resolve("hosts"), settings.store().digest(), clock, sync);
        AuditTrail audit = new AuditTrail(store.host(HostName.AUDIT), settings.audit().refusalsPerSecond());
        try {
            return start(settings, data, hostKey, fingerprint, store, audit, metrics, clock);
        } catch (IOException | GeneralSecurityException | RuntimeException e) {
            closeQuietly(audit, store, e);
            throw e;
        }
    }

    private static LoghostServer start(Settings settings, Path data, HostKey.Loaded hostKey, String fingerprint,
            LogStore store, AuditTrail audit, ServerMetrics metrics, Clock clock)
            throws IOException, GeneralSecurityException {
        if (hostKey.generated()) {
            audit.event("host-key-generated host-key=" + fingerprint);
        }
        String previous = HostKey.exchangeSeenFingerprint(data, fingerprint);
        if (previous != null && !previous.equals(fingerprint)) {
            LOG.warn("host-key-changed old={} new={}", previous, fingerprint);
            audit.event("host-key-changed old=" + previous + " new=" + fingerprint);
        }
        for (HostLog repaired : store.recoverAll()) {
            audit.event("torn-tail-repaired host=" + repaired.host() + " bytes=" + repaired.tornBytesRepaired());
        }
        metrics.exportEnrolled(data); // every enrolled host from the start, with its stored last-seen
        Sealer sealer = settings.seal().enabled() ? openSealer(data, store, audit, clock) : null;
        if (sealer != null && settings.seal().witnessFile().isPresent()) {
            sealer.witnessTo(settings.seal().witnessFile().get());
        }

        Refusals refusals = new Refusals(audit, metrics);
        EnrolledKeysAuthenticator authenticator = new EnrolledKeysAuthenticator(new EnrolledKeysFile(data), refusals);
        EnrolledKeys keys;
        try {
            keys = authenticator.loadInitial();
        } catch (IllegalArgumentException e) {
            throw new IOException("enrolled keys file " + data.resolve(EnrolledKeysFile.NAME) + " is invalid: "
                    + e.getMessage(), e);
        }
        ActiveSessions sessions = new ActiveSessions(settings.ssh().maxSessionsPerHost(), authenticator, metrics);
        AuthenticatedConnections connections = new AuthenticatedConnections(refusals,
                settings.ssh().maxConnectionsPerHost());
        int maxLine = settings.store().maxLineBytes();
        ReceiptSigner receipts = ReceiptSigner.of(hostKey.pair(), fingerprint);
        SessionWorkers workers = new SessionWorkers();
        CommandRouter router = new CommandRouter(
                channel -> new AppendLogCommand(store, sessions, maxLine, refusals, metrics, workers),
                channel -> new AckedAppendCommand(store, sessions, maxLine, refusals, metrics, receipts, workers),
                refusals);
        SshServer sshd = SshSurface.build(settings, hostKey.pair(), authenticator, router, connections,
                refusals);

        // Two threads: a slow or hung fsync in the periodic sync must never hold back the revocation sweep (each
        // task runs with a fixed delay, so neither overlaps itself).
        ScheduledExecutorService timers = Executors.newScheduledThreadPool(2, r -> {
            Thread t = new Thread(r, "loghost-timers");
            t.setDaemon(true);
            return t;
        });
        // Also with fsync-interval 0s, where every append syncs itself: the sweep parks idle hosts' day files.
        long sweep = store.syncPolicy().sweepEvery().toMillis();
        timers.scheduleWithFixedDelay(() -> {
            long start = System.nanoTime();
            store.sweepAll();
            metrics.synced(ServerMetrics.SyncTrigger.INTERVAL, System.nanoTime() - start);
        }, sweep, sweep, TimeUnit.MILLISECONDS);
        if (sealer != null) {
            scheduleEpochEnd(timers, sealer, settings.seal().epoch());
        }
        long reload = settings.ssh().keysReloadInterval().toMillis();
        timers.scheduleWithFixedDelay(() -> {
            // An exception would cancel every later sweep, and with it revocation: log it and carry on.
            try {
                connections.closeRevoked(authenticator.reloadIfChanged());
            } catch (RuntimeException e) {
                LOG.error("revocation-sweep-failed reason={}", Refusals.quote(e.toString()), e);
            }
        }, reload, reload, TimeUnit.MILLISECONDS);
        try {
            sshd.start();
        } catch (IOException e) {
            timers.shutdownNow();
            // "Address already in use" alone does not say which address.
            throw new IOException("cannot listen on " + settings.listen().getHostString() + ":"
                    + settings.listen().getPort() + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            timers.shutdownNow();
            throw e;
        }
        MetricsEndpoint endpoint = null;
        Optional<InetSocketAddress> metricsListen = settings.metrics().listen();
        if (metricsListen.isPresent()) {
            try {
                endpoint = MetricsEndpoint.start(metricsListen.get(), metrics);
            } catch (IOException | RuntimeException e) {
                timers.shutdownNow();
                sshd.stop(true);
                throw e;
            }
        }
        // Only now are the ports bound, and known when 0 was asked for.
        audit.event("server-start host-key=" + fingerprint + " listen=" + sshd.getHost() + ":" + sshd.getPort()
                + (endpoint == null ? "" : " metrics=" + endpoint.address().getAddress().getHostAddress() + ":"
                        + endpoint.address().getPort()));
        return new LoghostServer(sshd, store, audit, timers, fingerprint, keys.all().size(), endpoint,
                authenticator, connections, sealer, workers);
    }

    // The seal chain, created by the first start (its verification key logged and audited), then continued.
    private static Sealer openSealer(Path data, LogStore store, AuditTrail audit, Clock clock) throws IOException {
        if (!Sealer.exists(data)) {
            VerificationKey key = Sealer.init(data, clock);
            LOG.info("seal-initialized key={} file={}: pin this verification key off the loghost (loghost verify"
                    + " --key)", key, data.resolve(Sealer.PUBLIC_KEY_FILE));
            audit.event("seal-initialized key=" + key);
        }
        Sealer sealer = Sealer.open(data, store, clock);
        LOG.info("sealing epoch={} key={}", sealer.epoch(), Sealer.publicKey(data));
        return sealer;
    }

    // Each epoch ends at the next multiple of its length; a failed close (a full disk) is logged and retried at
    // the next boundary, the epoch staying open meanwhile.
    private static void scheduleEpochEnd(ScheduledExecutorService timers, Sealer sealer, Duration epoch) {
        long delay = Sealer.millisToBoundary(System.currentTimeMillis(), epoch);
        if (delay < epoch.toMillis() / 10) {
            delay += epoch.toMillis(); // a timer that fired a little early: this boundary was just sealed
        }
        timers.schedule(() -> {
            try {
                sealer.closeEpoch();
            } catch (IOException | RuntimeException e) {
                LOG.error("seal-failed epoch={} reason={} (the epoch stays open; retried at the next boundary)",
                        sealer.epoch(), Refusals.quote(e.toString()));
            }
            if (!timers.isShutdown()) {
                scheduleEpochEnd(timers, sealer, epoch);
            }
        }, delay, TimeUnit.MILLISECONDS);
    }

    private static void closeQuietly(AuditTrail audit, LogStore store, Exception cause) {
        try {
            audit.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            cause.addSuppressed(e);
        }
        try {
            // Always, even when the audit writer was interrupted: the logs must be synced and closed.
            store.close();
        } catch (StorageException e) {
            cause.addSuppressed(e);
        }
    }

    /** The address the server listens on, with the real port when 0 was asked for. */
    public InetSocketAddress address() {
        return new InetSocketAddress(sshd.getHost(), sshd.getPort());
    }

    /** The host key's SHA256 fingerprint, as {@code ssh-keygen -lf} prints it. */
    public String hostKeyFingerprint() {
        return hostKeyFingerprint;
    }

    /** The seal chain's verification key ({@code ed25519:...}), when sealing is on. */
    public Optional<String> sealKey() {
        return Optional.ofNullable(sealKey);
    }

    /** The metrics endpoint's scrape URL, when it is on. */
    public Optional<String> metricsUrl() {
        return Optional.ofNullable(metricsEndpoint).map(MetricsEndpoint::url);
    }

    /** The host chains this server writes, for what serve runs beside it (pull sources, housekeeping). */
    public LogStore store() {
        return store;
    }

    /** The audit trail, for the pull sources serve runs beside it. */
    public AuditTrail audit() {
        return audit;
    }

    /** Records a security event in the audit trail (housekeeping: archives, deletions, failures). */
    public void auditEvent(String message) {
        audit.event(message);
    }

    /** Keys enrolled when the server started. */
    public int enrolledKeysAtStart() {
        return enrolledKeys;
    }

    /**
     * SIGHUP: re-reads the enrolled keys now (closing revoked keys' sessions), applies the settings in
     * {@link SettingsChanges#LIVE} from {@code next}, and audits {@code config-reloaded WHAT}.
     */
    public synchronized void reload(Settings next, String what) {
        connections.closeRevoked(authenticator.reloadNow());
        audit.refusalsPerSecond(next.audit().refusalsPerSecond());
        // MINA reads these through the server's properties at each check: live for new and open sessions alike.
        CoreModuleProperties.AUTH_TIMEOUT.set(sshd, next.ssh().authTimeout());
        CoreModuleProperties.IDLE_TIMEOUT.set(sshd, next.ssh().idleTimeout());
        audit.event("config-reloaded " + what);
    }

    /** Stops accepting, ends sessions, writes the last audit records, syncs and closes every log. */
    @Override
    public void close() throws IOException, StorageException {
        timers.shutdownNow();
        if (metricsEndpoint != null) {
            metricsEndpoint.close();
        }
        try {
            workers.markStopping();
            sshd.stop(true);
            // The sessions just closed still store and sync what they received: let them, before the logs close.
            workers.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            LOG.warn("stop-interrupted: sessions still ending may not have synced; the logs are synced below");
        } finally {
            audit.event("server-stop");
            try {
                audit.close();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                LOG.warn("audit-close-interrupted: audit events still queued may not have been written");
            }
            try {
                if (sealer != null) {
                    // After the last audit record, so that the server-stop record is sealed too.
                    sealer.close();
                }
            } finally {
                store.close();
            }
        }
    }
}
