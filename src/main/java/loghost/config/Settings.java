package loghost.config;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import loghost.store.DigestAlgorithm;

/** Everything the server reads from configuration, typed and validated; nothing else sees a Config object. */
public record Settings(Path dataDir, InetSocketAddress listen, Store store, Ssh ssh, Crypto crypto, Audit audit,
                       Forward forward, Metrics metrics, Seal seal, Housekeeping housekeeping) {

    /** The store's settings. */
    public record Store(DigestAlgorithm digest, int maxLineBytes, Duration fsyncInterval) {
    }

    /** The SSH server's settings. */
    public record Ssh(Duration authTimeout, int maxAuthRequests, Duration idleTimeout, int maxSessionsPerHost,
                      Duration keysReloadInterval, int maxUnauthenticated, int maxConnectionsPerSource,
                      int maxChannelsPerConnection, int maxConnectionsPerHost) {
    }

    /** Algorithm names offered, in preference order; checked against the vetted set when the server starts. */
    public record Crypto(List<String> ciphers, List<String> macs, List<String> kexAlgorithms,
                         List<String> signatures) {
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
        return new Settings(dir, listen, store, ssh, crypto, audit, forward, metrics, seal, housekeeping);
    }

    /** A copy with another listen address (the {@code --listen} flag). */
    public Settings withListen(InetSocketAddress address) {
        return new Settings(dataDir, address, store, ssh, crypto, audit, forward, metrics, seal, housekeeping);
    }

    /** A copy with the metrics endpoint on {@code address} (the {@code --metrics} flag). */
    public Settings withMetricsListen(InetSocketAddress address) {
        return new Settings(dataDir, listen, store, ssh, crypto, audit, forward,
                new Metrics(Optional.of(address)), seal, housekeeping);
    }
}
