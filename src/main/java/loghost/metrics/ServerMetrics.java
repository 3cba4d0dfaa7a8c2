package loghost.metrics;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import loghost.housekeeping.LastSeen;
import loghost.keys.EnrolledKeysFile;
import loghost.refusal.Refusal;
import loghost.store.HostName;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server's metrics, kept in memory whether or not an endpoint serves them (each update is one atomic add).
 * Every label value comes from the server, never from a client: host names are enrolled (validated) names, reason
 * codes and sync triggers are constants of the code.
 */
public final class ServerMetrics {

    /** What caused an fsync: a session waiting for its records, or the periodic sync of every host. */
    public enum SyncTrigger {
        /** A session's own sync: at its end, per write with fsync-interval 0s, or before an ACK. */
        SESSION("session"),
        /** The timer that syncs every host each fsync-interval; one observation per sweep over all hosts. */
        INTERVAL("interval");

        private final String label;

        SyncTrigger(String label) {
            this.label = label;
        }
    }

    private static final double[] FSYNC_BUCKETS = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
        1, 2.5, 5, 10};

    private static final Logger LOG = LoggerFactory.getLogger(ServerMetrics.class);

    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final Clock clock;
    private final Counter records;
    private final Counter bytes;
    private final Gauge lastRecord;
    private final Gauge lastHeartbeat;
    private final Gauge lastLog;
    private final Gauge sessions;
    private final Counter refusals;
    private final Histogram fsync;
    private final ConcurrentMap<String, HostMetrics> hosts = new ConcurrentHashMap<>();

    /** Metrics of a server whose host logs are under {@code hostsDir} (measured for disk use at scrape time). */
    public ServerMetrics(Path hostsDir, Clock clock) {
        this.clock = clock;
        records = Counter.builder().name("loghost_records_stored_total")
                .help("Records appended to the host's log by its SSH sessions (log, cont and mark records).")
                .labelNames("host").withoutExemplars().register(registry);
        bytes = Counter.builder().name("loghost_received_bytes_total")
                .help("Bytes the host's append-log sessions sent (raw: the stream; --ack: its line, mark and gap frames).")
                .labelNames("host").withoutExemplars().register(registry);
        lastRecord = Gauge.builder().name("loghost_last_record_timestamp_seconds")
                .help("When the host's last records were appended, in seconds since the epoch.")
                .labelNames("host").withoutExemplars().register(registry);
        lastHeartbeat = Gauge.builder().name("loghost_last_heartbeat_timestamp_seconds")
                .help("When the host's forwarder last sent a heartbeat (a mark record), in seconds since the epoch.")
                .labelNames("host").withoutExemplars().register(registry);
        lastLog = Gauge.builder().name("loghost_last_log_timestamp_seconds")
                .help("When the host's last log line (a log or cont record, not a heartbeat) was appended, in "
                        + "seconds since the epoch: its logs are flowing. 0 when none is known.")
                .labelNames("host").withoutExemplars().register(registry);
        sessions = Gauge.builder().name("loghost_open_sessions")
                .help("append-log sessions of the host running now.")
                .labelNames("host").withoutExemplars().register(registry);
        refusals = Counter.builder().name("loghost_refusals_total")
                .help("Requests refused, by reason code (the reason= of the refusal's log line and audit record).")
                .labelNames("reason").withoutExemplars().register(registry);
        fsync = Histogram.builder().name("loghost_fsync_duration_seconds")
                .help("Time spent forcing records to disk: a session's wait for its records, or one periodic "
                        + "sweep over every host.")
                .labelNames("trigger").classicOnly().classicUpperBounds(FSYNC_BUCKETS).withoutExemplars()
                .register(registry);
        DiskUse disk = new DiskUse(hostsDir, Duration.ofMinutes(1), clock);
        GaugeWithCallback.builder().name("loghost_store_disk_usage_bytes")
                .help("Bytes of all files under DATA/hosts; measured at scrape time, at most once a minute.")
                .callback(cb -> cb.call(disk.bytes())).register(registry);
    }

    /** The registry an endpoint serves. */
    PrometheusRegistry registry() {
        return registry;
    }

    /** The metrics of one host; {@code host} must be a storable name (it becomes a label value). */
    public HostMetrics host(String host) {
        if (!HostName.isStorable(host)) {
            throw new IllegalArgumentException("not a host name: " + host);
        }
        return hosts.computeIfAbsent(host, h -> new HostMetrics(records.labelValues(h), bytes.labelValues(h),
                lastRecord.labelValues(h), lastHeartbeat.labelValues(h), lastLog.labelValues(h),
                sessions.labelValues(h), clock));
    }

    /**
     * Exports every host enrolled in {@code data} from the start, each with its last-seen times read from its
     * stored history (today's and yesterday's days at most, closed and compressed ones included), so that a host
     * silent since before a restart is there for an alert; a host that cannot be read is logged and exported
     * with its times at 0.
     */
    public void exportEnrolled(Path data) {
        java.util.Set<String> enrolled = new java.util.TreeSet<>();
        try {
            EnrolledKeysFile keys = new EnrolledKeysFile(data);
            if (Files.exists(keys.path(), LinkOption.NOFOLLOW_LINKS)) {
                keys.load().all().forEach(k -> enrolled.add(k.host()));
            }
        } catch (IOException | RuntimeException e) {
            LOG.warn("metrics-hosts-unknown reason=\"{}\": only hosts that connect are exported",
                    e.getMessage());
            return;
        }
        Instant now = clock.instant();
        for (String h : enrolled) {
            HostMetrics m = host(h);
            Path dir = data.resolve("hosts").resolve(h);
            if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
                continue; // never seen: exported with its times at 0
            }
            try {
                m.seed(LastSeen.read(dir, LastSeen.MIN_HORIZON, now));
            } catch (IOException | RuntimeException e) {
                LOG.warn("metrics-last-seen-unread host={} reason=\"{}\"", h, e.getMessage());
            }
        }
    }

    /** Counts one refusal under its reason code (a constant of the code, never a client's text). */
    public void refused(Refusal reason) {
        refusals.labelValues(reason.code()).inc();
    }

    /** Records how long one fsync (or one sweep of them) took. */
    public void synced(SyncTrigger trigger, long nanos) {
        fsync.labelValues(trigger.label).observe(nanos / 1e9);
    }
}
