package loghost.forward;

import java.nio.file.Path;
import java.time.Duration;

/**
 * How {@code loghost forward} runs: where to, with which key and known_hosts, where to spool, how often to beat,
 * how long to wait between connection attempts (at most {@code reconnectMaxPending} while lines wait).
 */
record ForwardSettings(String host, int port, Path key, Path knownHosts, Path spoolDir, long spoolMaxBytes,
                       Duration heartbeat, Duration reconnectMin, Duration reconnectMax,
                       Duration reconnectMaxPending, Path ackLog) {

    /** The loghost as HOST:PORT. */
    String target() {
        return host + ":" + port;
    }
}
