package loghost.metrics;

import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.datapoints.GaugeDataPoint;
import java.time.Clock;
import java.time.Instant;
import loghost.housekeeping.LastSeen;

/** One host's series, looked up once per session so that counting a batch is a few atomic adds. */
public final class HostMetrics {

    private final CounterDataPoint records;
    private final CounterDataPoint bytes;
    private final GaugeDataPoint lastRecord;
    private final GaugeDataPoint lastHeartbeat;
    private final GaugeDataPoint lastLog;
    private final GaugeDataPoint sessions;
    private final Clock clock;

    HostMetrics(CounterDataPoint records, CounterDataPoint bytes, GaugeDataPoint lastRecord,
                GaugeDataPoint lastHeartbeat, GaugeDataPoint lastLog, GaugeDataPoint sessions, Clock clock) {
        this.records = records;
        this.bytes = bytes;
        this.lastRecord = lastRecord;
        this.lastHeartbeat = lastHeartbeat;
        this.lastLog = lastLog;
        this.sessions = sessions;
        this.clock = clock;
    }

    /** Counts one appended batch: {@code stored} records, from {@code received} bytes of input. */
    public void appended(int stored, long received) {
        if (received > 0) {
            bytes.inc(received);
        }
        if (stored > 0) {
            records.inc(stored);
            lastRecord.set(now());
        }
    }

    /** Notes that a heartbeat (mark record) of this host was just stored. */
    public void heartbeat() {
        lastHeartbeat.set(now());
    }

    /** Notes that log lines of this host (log or cont records, not heartbeats) were just stored. */
    public void logged() {
        lastLog.set(now());
    }

    /**
     * Starts the host's times from its stored history (at server start, so that a host that died before the
     * restart is exported with its real last-seen); a time not known is left at 0.
     */
    void seed(LastSeen seen) {
        seed(lastRecord, seen.record());
        seed(lastHeartbeat, seen.heartbeat());
        seed(lastLog, seen.log());
    }

    private static void seed(GaugeDataPoint gauge, Instant at) {
        if (at != null) {
            gauge.set(at.toEpochMilli() / 1000.0);
        }
    }

    /** A session of this host started. */
    public void sessionOpened() {
        sessions.inc();
    }

    /** A session of this host ended. */
    public void sessionClosed() {
        sessions.dec();
    }

    private double now() {
        return clock.millis() / 1000.0;
    }
}
