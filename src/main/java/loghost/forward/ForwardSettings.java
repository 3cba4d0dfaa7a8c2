package loghost.forward;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * How {@code loghost forward} runs, as {@code ForwardCommand} reads it from options and config once: where to
 * (one or more loghosts, {@code HOST:PORT}), with which key and known_hosts, where to spool and how much, the
 * stream's name, how often to beat (zero: never), how long a destination that is down may hold back the spool
 * for the others, which source to read, and where to log acknowledgements (null: nowhere).
 */
public record ForwardSettings(List<String> to, Path key, Path knownHosts, Path spoolDir, long spoolMaxBytes,
                              String stream, Duration heartbeat, Duration destinationMaxLag,
                              Forwarder.SourceSpec source, Path ackLog) {

    /** The longest wait between connection attempts while lines wait for the loghost. */
    static final Duration RECONNECT_MAX_PENDING = Duration.ofSeconds(5);
    private static final Duration RECONNECT_MIN = Duration.ofMillis(500);
    private static final Duration RECONNECT_MAX = Duration.ofSeconds(30);

    /** The settings, with the list of destinations kept as given. */
    public ForwardSettings {
        to = List.copyOf(to);
    }

    /** The first wait between connection attempts (doubled up to {@link #reconnectMax} after each failure). */
    Duration reconnectMin() {
        return RECONNECT_MIN;
    }

    /** The longest wait between connection attempts. */
    Duration reconnectMax() {
        return RECONNECT_MAX;
    }

    /** The longest wait between connection attempts while lines wait for the loghost. */
    Duration reconnectMaxPending() {
        return RECONNECT_MAX_PENDING;
    }
}
