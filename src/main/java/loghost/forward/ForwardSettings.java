package loghost.forward;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * How {@code loghost forward} runs: where to (one or more loghosts), with which key and known_hosts, where to
 * spool, how often to beat, how long to wait between connection attempts (at most {@code reconnectMaxPending}
 * while lines wait), and how long a destination that is down may hold back the spool for the others.
 */
record ForwardSettings(List<Destination> destinations, Path key, Path knownHosts, Path spoolDir, long spoolMaxBytes,
                       Duration heartbeat, Duration reconnectMin, Duration reconnectMax,
                       Duration reconnectMaxPending, Duration destinationMaxLag, Path ackLog) {
}
