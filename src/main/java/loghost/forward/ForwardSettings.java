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

    /** The settings, with the list of destinations kept as given. */
    public ForwardSettings {
        to = List.copyOf(to);
    }
}
