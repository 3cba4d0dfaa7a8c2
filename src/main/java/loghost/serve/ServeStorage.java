package loghost.serve;

import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Clock;
import loghost.audit.AuditTrail;
import loghost.config.Settings;
import loghost.metrics.ServerMetrics;
import loghost.seal.Sealer;
import loghost.seal.VerificationKey;
import loghost.ssh.HostKey;
import loghost.store.DataDirectory;
import loghost.store.HostLog;
import loghost.store.HostName;
import loghost.store.LogStore;
import loghost.store.StorageException;
import loghost.store.SyncPolicy;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What serve keeps on disk, opened at start and closed last at a stop: the data directory and host key, every host
 * chain (recovered), the audit trail, and the seal chain when sealing is on.
 */
final class ServeStorage {

    private static final Logger LOG = LoggerFactory.getLogger(ServeStorage.class);

    final Path data;
    final HostKey.Loaded hostKey;
    final String fingerprint;
    final ServerMetrics metrics;
    final LogStore store;
    final AuditTrail audit;
    /** Null when sealing is off. */
    final Sealer sealer;

    private ServeStorage(Path data, HostKey.Loaded hostKey, String fingerprint, ServerMetrics metrics, LogStore store,
                         AuditTrail audit, Sealer sealer) {
        this.data = data;
        this.hostKey = hostKey;
        this.fingerprint = fingerprint;
        this.metrics = metrics;
        this.store = store;
        this.audit = audit;
        this.sealer = sealer;
    }

    /** Checks the data directory, loads (or makes) the host key, recovers every chain and opens the seal chain. */
    static ServeStorage open(Settings settings, Clock clock) throws IOException, GeneralSecurityException,
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
        ServeStorage opened = new ServeStorage(data, hostKey, fingerprint, metrics, store, audit, null);
        try {
            return opened.recover(settings, clock);
        } catch (IOException | RuntimeException e) {
            opened.closeAfterFailedStart(e);
            throw e;
        }
    }

    // Audits a new or changed host key, repairs torn tails, then continues (or creates) the seal chain.
    private ServeStorage recover(Settings settings, Clock clock) throws IOException {
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
        if (!settings.seal().enabled()) {
            return this;
        }
        Sealer sealer = openSealer(clock);
        if (settings.seal().witnessFile().isPresent()) {
            sealer.witnessTo(settings.seal().witnessFile().get());
        }
        return new ServeStorage(data, hostKey, fingerprint, metrics, store, audit, sealer);
    }

    // The seal chain, created by the first start (its verification key logged and audited), then continued.
    private Sealer openSealer(Clock clock) throws IOException {
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

    /** The seal chain's verification key as {@code ed25519:...}; null when sealing is off. */
    String sealKey() {
        if (sealer == null) {
            return null;
        }
        try {
            return Sealer.publicKey(data).toString();
        } catch (IOException e) {
            return "(unreadable: " + e.getMessage() + ")";
        }
    }

    /**
     * The end of a stop: the {@code server-stop} record and whatever else the audit trail holds (written until
     * {@link StopBudget#forAudit()}), then the final seal, then every chain synced and closed. The seal and the
     * syncs are never cut short: the budget keeps their share for them.
     */
    void finish(StopBudget budget) throws IOException, StorageException {
        audit.event("server-stop");
        try {
            if (!audit.close(budget.forAudit())) {
                Serve.cutShort("audit", budget, "the audit trail still wrote; events queued after server-stop may be"
                        + " lost");
            }
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

    /** After a start that failed: the audit trail and the logs are closed (synced), nothing is sealed. */
    void closeAfterFailedStart(Exception cause) {
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
}
