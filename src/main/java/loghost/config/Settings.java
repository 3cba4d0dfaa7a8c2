package loghost.config;

import static loghost.config.SettingsTable.*;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import loghost.store.DigestAlgorithm;

/**
 * Everything loghost reads from configuration, typed and checked: the values of {@link SettingsTable}'s rows, grouped
 * into the records below for the code that uses them. Nothing else sees a Config object.
 */
public final class Settings {

    private final SettingValues values;
    private final Store store;
    private final Ssh ssh;
    private final Crypto crypto;
    private final Audit audit;
    private final Forward forward;
    private final Metrics metrics;
    private final Seal seal;
    private final Housekeeping housekeeping;
    private final PullSettings pull;

    Settings(SettingValues v) {
        this.values = v;
        this.store = new Store(v.get(STORE_DIGEST), v.get(STORE_MAX_LINE), v.get(STORE_FSYNC_INTERVAL));
        this.ssh = new Ssh(v.get(SSH_AUTH_TIMEOUT), v.get(SSH_MAX_AUTH_REQUESTS), v.get(SSH_IDLE_TIMEOUT),
                v.get(SSH_MAX_SESSIONS_PER_HOST), v.get(SSH_KEYS_RELOAD_INTERVAL), v.get(SSH_MAX_UNAUTHENTICATED),
                v.get(SSH_MAX_CONNECTIONS_PER_SOURCE), v.get(SSH_MAX_WAITING_PER_SOURCE),
                v.get(SSH_MAX_CHANNELS_PER_CONNECTION), v.get(SSH_MAX_CONNECTIONS_PER_HOST));
        Set<String> cryptoInFile = new TreeSet<>();
        for (Setting<?> s : List.of(SSH_CIPHERS, SSH_MACS, SSH_KEX_ALGORITHMS, SSH_SIGNATURES)) {
            if (v.inFile(s)) {
                cryptoInFile.add(s.key());
            }
        }
        this.crypto = new Crypto(v.get(SSH_CIPHERS), v.get(SSH_MACS), v.get(SSH_KEX_ALGORITHMS), v.get(SSH_SIGNATURES),
                Set.copyOf(cryptoInFile));
        this.audit = new Audit(v.get(AUDIT_REFUSALS_PER_SECOND));
        this.forward = new Forward(v.get(FORWARD_TO), v.get(FORWARD_KEY), v.get(FORWARD_KNOWN_HOSTS),
                v.get(FORWARD_SPOOL_DIR), v.get(FORWARD_SPOOL_MAX), v.get(FORWARD_HEARTBEAT_INTERVAL),
                v.get(FORWARD_FIFO), v.get(FORWARD_FILE), v.get(FORWARD_FILE_FROM_START), v.get(FORWARD_STREAM),
                v.get(FORWARD_DESTINATION_MAX_LAG));
        this.metrics = new Metrics(v.get(METRICS_LISTEN));
        this.seal = new Seal(v.get(SEAL_ENABLED), v.get(SEAL_EPOCH), v.get(SEAL_WITNESS_FILE));
        this.housekeeping = new Housekeeping(v.get(HOUSEKEEPING_COMPRESS), v.get(HOUSEKEEPING_INTERVAL),
                v.get(RETENTION_ONLINE), v.get(RETENTION_DELETE_AFTER), v.get(ARCHIVE_DESTINATIONS));
        this.pull = new PullSettings(v.get(PULL_SOURCES), v.get(PULL_BACKOFF_MIN), v.get(PULL_BACKOFF_MAX),
                v.get(PULL_COLLECT_MAX_BYTES));
    }

    /** The value of one row of {@link SettingsTable}, whether or not a record below groups it. */
    public <T> T get(Setting<T> setting) {
        return values.get(setting);
    }

    SettingValues values() {
        return values;
    }

    /** Where everything stateful lives. */
    public Path dataDir() {
        return values.get(DATA_DIR);
    }

    /** The SSH server's address. */
    public InetSocketAddress listen() {
        return values.get(LISTEN);
    }

    /** The store's settings. */
    public Store store() {
        return store;
    }

    /** The SSH server's limits and timeouts. */
    public Ssh ssh() {
        return ssh;
    }

    /** The algorithms offered. */
    public Crypto crypto() {
        return crypto;
    }

    /** The audit trail's settings. */
    public Audit audit() {
        return audit;
    }

    /** {@code loghost forward}'s settings. */
    public Forward forward() {
        return forward;
    }

    /** The metrics endpoint. */
    public Metrics metrics() {
        return metrics;
    }

    /** Sealing. */
    public Seal seal() {
        return seal;
    }

    /** Closing, compressing, archiving and deleting day files. */
    public Housekeeping housekeeping() {
        return housekeeping;
    }

    /** Pull mode's sources and timings. */
    public PullSettings pull() {
        return pull;
    }

    /** The store's settings. */
    public record Store(DigestAlgorithm digest, int maxLineBytes, Duration fsyncInterval) {
    }

    /** The SSH server's settings. */
    public record Ssh(Duration authTimeout, int maxAuthRequests, Duration idleTimeout, int maxSessionsPerHost,
                      Duration keysReloadInterval, int maxUnauthenticated, int maxConnectionsPerSource,
                      int maxWaitingPerSource, int maxChannelsPerConnection, int maxConnectionsPerHost) {
    }

    /**
     * Algorithm names offered, in preference order; checked against the vetted set when the server starts.
     * {@code inFile} holds the keys of these lists that the config file sets (the others are reference.conf's).
     */
    public record Crypto(List<String> ciphers, List<String> macs, List<String> kexAlgorithms,
                         List<String> signatures, Set<String> inFile) {
    }

    /**
     * {@code loghost forward}'s settings; empty strings mean "not set". {@code to} holds one or more loghosts
     * ({@code forward.to}, a string or a list); a destination down longer than {@code destinationMaxLag} stops
     * holding back the spool for the others.
     */
    public record Forward(List<String> to, Path key, Path knownHosts, Path spoolDir, long spoolMaxBytes,
                          Duration heartbeat, String fifo, String file, boolean fileFromStart, String stream,
                          Duration destinationMaxLag) {
    }

    /** The audit trail's settings. */
    public record Audit(int refusalsPerSecond) {
    }

    /** The metrics endpoint of {@code serve}: where it listens, or empty when it is off. */
    public record Metrics(Optional<InetSocketAddress> listen) {
    }

    /**
     * Sealing: on or off, how long each epoch lasts, and the file each checkpoint's witness line is appended to
     * (docs/FORMAT.md, "Seals and checkpoints").
     */
    public record Seal(boolean enabled, Duration epoch, Optional<Path> witnessFile) {
    }

    /**
     * What {@code serve} does with closed day files, every {@code interval}: compress them, archive those older than
     * {@code online} to every destination, or (no destination) delete those older than {@code deleteAfter} (zero:
     * never). README, "Housekeeping".
     */
    public record Housekeeping(boolean compress, Duration interval, Duration online, Duration deleteAfter,
                               List<ArchiveDestination> destinations) {
    }

    /**
     * An archive destination: a directory with the store's layout (a NAS mount, a second disk, tape staging), or
     * (directory null) an S3-compatible bucket.
     */
    public record ArchiveDestination(String name, Path directory, S3 s3) {
        /** A directory destination. */
        public ArchiveDestination(String name, Path directory) {
            this(name, directory, null);
        }
    }

    /**
     * An S3 bucket: objects under {@code prefix} ("" or ending with "/"); {@code endpoint} "" for AWS itself;
     * {@code accessKey} "" for the SDK's default credentials chain; Object Lock (COMPLIANCE) for {@code
     * objectLockDays} per object, 0 for none.
     */
    public record S3(String bucket, String prefix, String endpoint, String region, String accessKey, String secretKey,
                     int objectLockDays) {
        /** Never the secret: settings may be printed. */
        @Override
        public String toString() {
            return "S3[bucket=" + bucket + ", prefix=" + prefix + ", endpoint=" + endpoint + ", region=" + region
                    + ", accessKey=" + (accessKey.isEmpty() ? "(default chain)" : "(set)") + ", objectLockDays="
                    + objectLockDays + "]";
        }
    }

    /** A copy with another data directory (the {@code --data} flag). */
    public Settings withDataDir(Path dir) {
        return new Settings(values.with(DATA_DIR, dir));
    }

    /** A copy with another listen address (the {@code --listen} flag). */
    public Settings withListen(InetSocketAddress address) {
        return new Settings(values.with(LISTEN, address));
    }

    /** A copy with the metrics endpoint on {@code address} (the {@code --metrics} flag). */
    public Settings withMetricsListen(InetSocketAddress address) {
        return new Settings(values.with(METRICS_LISTEN, Optional.of(address)));
    }
}
