package loghost.config;

import static loghost.config.Setting.Reload.LIVE;
import static loghost.config.Setting.Reload.NOT_SERVED;
import static loghost.config.Setting.Reload.RESTART;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import loghost.store.DigestAlgorithm;

/**
 * Every setting loghost reads: its key, when a change takes effect, and how it is read and checked; its default and
 * one-line comment are in reference.conf, which must list exactly these keys. Adding a setting is one row here plus
 * its lines in reference.conf: the file check, SIGHUP's report and {@link Settings#get} follow from the row.
 * <p>
 * Restart, and why: the listen address and data directory are the server's socket and files; digest, max-line and
 * fsync-interval are fixed into the open logs and their timer; the algorithms into the SSH server; the per-host,
 * per-source, channel and auth-request limits are held by the objects that count against them; metrics, seals,
 * housekeeping and pull sources are started once with their settings.
 */
public final class SettingsTable {

    public static final Setting<Path> DATA_DIR = row("data-dir", RESTART, Readers::path);
    public static final Setting<InetSocketAddress> LISTEN = row("listen", RESTART, Readers::listen);
    public static final Setting<Optional<InetSocketAddress>> METRICS_LISTEN = row("metrics.listen", RESTART,
            Readers::optionalListen);

    public static final Setting<Boolean> SEAL_ENABLED = row("seal.enabled", RESTART, Readers::bool);
    public static final Setting<Duration> SEAL_EPOCH = row("seal.epoch", RESTART, Readers::epoch);
    public static final Setting<Optional<Path>> SEAL_WITNESS_FILE = row("seal.witness-file", RESTART,
            Readers::optionalPath);

    public static final Setting<DigestAlgorithm> STORE_DIGEST = row("store.digest", RESTART, Readers::digest);
    public static final Setting<Integer> STORE_MAX_LINE = row("store.max-line", RESTART, Readers::maxLine);
    public static final Setting<Duration> STORE_FSYNC_INTERVAL = row("store.fsync-interval", RESTART,
            Readers::nonNegative);

    public static final Setting<Duration> SSH_AUTH_TIMEOUT = row("ssh.auth-timeout", LIVE, Readers::positive);
    public static final Setting<Integer> SSH_MAX_AUTH_REQUESTS = row("ssh.max-auth-requests", RESTART,
            Readers::atLeastOne);
    public static final Setting<Duration> SSH_IDLE_TIMEOUT = row("ssh.idle-timeout", LIVE, Readers::positive);
    public static final Setting<Integer> SSH_MAX_SESSIONS_PER_HOST = row("ssh.max-sessions-per-host", RESTART,
            Readers::atLeastOne);
    public static final Setting<Duration> SSH_KEYS_RELOAD_INTERVAL = row("ssh.keys-reload-interval", RESTART,
            Readers::positive);
    public static final Setting<Integer> SSH_MAX_UNAUTHENTICATED = row("ssh.max-unauthenticated", RESTART,
            Readers::atLeastOne);
    public static final Setting<Integer> SSH_MAX_CONNECTIONS_PER_SOURCE = row("ssh.max-connections-per-source",
            RESTART, Readers::atLeastOne);
    public static final Setting<Integer> SSH_MAX_WAITING_PER_SOURCE = row("ssh.max-waiting-per-source",
            RESTART, Readers::atLeastOne);
    public static final Setting<Integer> SSH_MAX_CHANNELS_PER_CONNECTION = row("ssh.max-channels-per-connection",
            RESTART, Readers::atLeastOne);
    public static final Setting<Integer> SSH_MAX_CONNECTIONS_PER_HOST = row("ssh.max-connections-per-host",
            RESTART, Readers::atLeastOne);
    public static final Setting<List<String>> SSH_CIPHERS = row("ssh.ciphers", RESTART, Readers::algorithms);
    public static final Setting<List<String>> SSH_MACS = row("ssh.macs", RESTART, Readers::algorithms);
    public static final Setting<List<String>> SSH_KEX_ALGORITHMS = row("ssh.kex-algorithms", RESTART,
            Readers::algorithms);
    public static final Setting<List<String>> SSH_SIGNATURES = row("ssh.signatures", RESTART, Readers::algorithms);

    public static final Setting<List<String>> FORWARD_TO = row("forward.to", NOT_SERVED, Readers::oneOrMore);
    public static final Setting<Path> FORWARD_KEY = row("forward.key", NOT_SERVED, Readers::path);
    public static final Setting<Path> FORWARD_KNOWN_HOSTS = row("forward.known-hosts", NOT_SERVED, Readers::path);
    public static final Setting<Path> FORWARD_SPOOL_DIR = row("forward.spool-dir", NOT_SERVED, Readers::path);
    public static final Setting<Long> FORWARD_SPOOL_MAX = row("forward.spool-max", NOT_SERVED, Readers::bytes);
    public static final Setting<Duration> FORWARD_HEARTBEAT_INTERVAL = row("forward.heartbeat-interval", NOT_SERVED,
            Readers::nonNegative);
    public static final Setting<String> FORWARD_FIFO = row("forward.fifo", NOT_SERVED, Readers::string);
    public static final Setting<String> FORWARD_FILE = row("forward.file", NOT_SERVED, Readers::string);
    public static final Setting<Boolean> FORWARD_FILE_FROM_START = row("forward.file-from-start", NOT_SERVED,
            Readers::bool);
    public static final Setting<String> FORWARD_STREAM = row("forward.stream", NOT_SERVED, Readers::string);
    public static final Setting<Duration> FORWARD_DESTINATION_MAX_LAG = row("forward.destination-max-lag",
            NOT_SERVED, Readers::positive);

    public static final Setting<List<PullSettings.Source>> PULL_SOURCES = row("pull.sources", RESTART,
            PullSourcesReader::read);
    public static final Setting<Duration> PULL_BACKOFF_MIN = row("pull.backoff-min", RESTART, Readers::positive);
    public static final Setting<Duration> PULL_BACKOFF_MAX = row("pull.backoff-max", RESTART, Readers::positive);
    public static final Setting<Long> PULL_COLLECT_MAX_BYTES = row("pull.collect-max-bytes", RESTART,
            Readers::positiveBytes);
    // Read through pull.sources (each source over them); rows of their own so that the file check knows them
    // and a changed default is reported by SIGHUP.
    public static final Setting<Integer> PULL_DEFAULT_PORT = row("pull.source-defaults.port", RESTART, Readers::port);
    public static final Setting<List<String>> PULL_DEFAULT_FOLLOW = row("pull.source-defaults.follow", RESTART,
            Readers::strings);
    public static final Setting<Boolean> PULL_DEFAULT_FROM_START = row("pull.source-defaults.from-start", RESTART,
            Readers::bool);
    public static final Setting<List<String>> PULL_DEFAULT_COLLECT = row("pull.source-defaults.collect", RESTART,
            Readers::strings);
    public static final Setting<Duration> PULL_DEFAULT_COLLECT_INTERVAL = row("pull.source-defaults.collect-interval",
            RESTART, Readers::positive);
    public static final Setting<Boolean> PULL_DEFAULT_JOURNAL = row("pull.source-defaults.journal", RESTART,
            Readers::bool);

    public static final Setting<Boolean> HOUSEKEEPING_COMPRESS = row("housekeeping.compress", RESTART, Readers::bool);
    public static final Setting<Duration> HOUSEKEEPING_INTERVAL = row("housekeeping.interval", RESTART,
            Readers::positive);
    public static final Setting<Duration> RETENTION_ONLINE = row("retention.online", RESTART, Readers::nonNegative);
    public static final Setting<Duration> RETENTION_DELETE_AFTER = row("retention.delete-after", RESTART,
            Readers::nonNegative);
    public static final Setting<List<Settings.ArchiveDestination>> ARCHIVE_DESTINATIONS = row("archive.destinations",
            RESTART, ArchiveDestinationsReader::read);

    public static final Setting<Integer> AUDIT_REFUSALS_PER_SECOND = row("audit.refusals-per-second", LIVE,
            Readers::atLeastOne);

    /** Every row, in reference.conf's order. */
    public static final List<Setting<?>> ALL = List.of(DATA_DIR, LISTEN, METRICS_LISTEN, SEAL_ENABLED, SEAL_EPOCH,
            SEAL_WITNESS_FILE, STORE_DIGEST, STORE_MAX_LINE, STORE_FSYNC_INTERVAL, SSH_AUTH_TIMEOUT,
            SSH_MAX_AUTH_REQUESTS, SSH_IDLE_TIMEOUT, SSH_MAX_SESSIONS_PER_HOST, SSH_KEYS_RELOAD_INTERVAL,
            SSH_MAX_UNAUTHENTICATED, SSH_MAX_CONNECTIONS_PER_SOURCE, SSH_MAX_WAITING_PER_SOURCE,
            SSH_MAX_CHANNELS_PER_CONNECTION, SSH_MAX_CONNECTIONS_PER_HOST, SSH_CIPHERS, SSH_MACS, SSH_KEX_ALGORITHMS, SSH_SIGNATURES, FORWARD_TO,
            FORWARD_KEY, FORWARD_KNOWN_HOSTS, FORWARD_SPOOL_DIR, FORWARD_SPOOL_MAX, FORWARD_HEARTBEAT_INTERVAL,
            FORWARD_FIFO, FORWARD_FILE, FORWARD_FILE_FROM_START, FORWARD_STREAM, FORWARD_DESTINATION_MAX_LAG,
            PULL_SOURCES, PULL_BACKOFF_MIN, PULL_BACKOFF_MAX, PULL_COLLECT_MAX_BYTES, PULL_DEFAULT_PORT,
            PULL_DEFAULT_FOLLOW, PULL_DEFAULT_FROM_START, PULL_DEFAULT_COLLECT, PULL_DEFAULT_COLLECT_INTERVAL,
            PULL_DEFAULT_JOURNAL, HOUSEKEEPING_COMPRESS, HOUSEKEEPING_INTERVAL, RETENTION_ONLINE,
            RETENTION_DELETE_AFTER, ARCHIVE_DESTINATIONS, AUDIT_REFUSALS_PER_SECOND);

    private SettingsTable() {
    }

    private static <T> Setting<T> row(String path, Setting.Reload reload, Setting.Reader<T> reader) {
        return new Setting<>(path, reload, reader);
    }
}
