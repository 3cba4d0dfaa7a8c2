package loghost.metrics;

import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.datapoints.GaugeDataPoint;
import java.time.Clock;

/** One host's series, looked up once per session so that counting a batch is a few atomic adds. */
public final class HostMetrics {

    private final CounterDataPoint records;
    private final CounterDataPoint bytes;
    private final GaugeDataPoint lastRecord;
    private final GaugeDataPoint lastHeartbeat;
    private final GaugeDataPoint sessions;
    private final Clock clock;

    HostMetrics(CounterDataPoint records, CounterDataPoint bytes, GaugeDataPoint lastRecord,
                GaugeDataPoint lastHeartbeat, GaugeDataPoint sessions, Clock clock) {
        this.records = records;
        this.bytes = bytes;
        this.lastRecord = lastRecord;
        this.lastHeartbeat = lastHeartbeat;
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
