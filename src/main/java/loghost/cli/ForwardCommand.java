package loghost.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import loghost.config.ConfigFile;
import loghost.config.Settings;
import loghost.config.SettingsLoader;
import loghost.config.Units;
import loghost.forward.ForwardSettings;
import loghost.forward.Forwarder;
import loghost.ssh.PrivateKeyFile;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code loghost forward}: a host's side; spools lines and delivers them exactly once over acknowledged mode. */
@Command(name = "forward", description = "Forward lines from a FIFO, a file (tail -F) or stdin to the loghost, "
        + "spooled on disk and acknowledged: nothing lost, nothing doubled.")
final class ForwardCommand implements Callable<Integer> {

    /** Exit status when the loghost's host key is not the one in known_hosts. */
    static final int HOST_KEY_REFUSED = 78;

    /** Exit status of a stdin run that ended with a destination lacking entries (it lagged beyond the max lag). */
    static final int DESTINATION_BEHIND = 75;

    @Option(names = "--config", paramLabel = "FILE", description = "HOCON config file, its loghost.forward section "
            + "(default: $LOGHOST_CONFIG, which the installed launcher sets to /etc/loghost/forward.conf for forward; "
            + "else the built-in defaults)")
    Path config;

    @Option(names = "--to", paramLabel = "HOST:PORT", description = "the loghost; repeat it for several, each "
            + "gets the whole stream (each needs its own line in known_hosts)")
    java.util.List<String> to;

    @Option(names = "--destination-max-lag", paramLabel = "DURATION", description = "with several --to: how long a "
            + "loghost that is down may hold back the spool for the others (default 1h)")
    String destinationMaxLag;

    @Option(names = "--key", paramLabel = "FILE", description = "this host's private key")
    Path key;

    @Option(names = "--known-hosts", paramLabel = "FILE", description = "known_hosts holding the loghost's key")
    Path knownHosts;

    @Option(names = "--spool", paramLabel = "DIR", description = "spool directory")
    Path spool;

    @Option(names = "--spool-max", paramLabel = "SIZE", description = "spool size limit, e.g. 256MiB")
    String spoolMax;

    @Option(names = "--fifo", paramLabel = "PATH", description = "read this FIFO (reopened when its writer closes)")
    Path fifo;

    @Option(names = "--file", paramLabel = "PATH", description = "follow this file like tail -F; a file that "
            + "exists at the first start is read from its end, one that appears later from its start")
    Path file;

    @Option(names = "--from-start", description = "with --file: at the first start, read an existing file from its "
            + "start, not its end; with --journal: every entry the journal holds, not only new ones")
    boolean fromStart;

    @Option(names = "--journal", description = "read this host's systemd journal with journalctl, exactly once "
            + "from the position the spool holds (at the first start: entries written from then on)")
    boolean journal;

    @Option(names = "--journal-directory", paramLabel = "DIR", description = "with --journal: read the journal "
            + "files in DIR (journalctl --directory), not the system journal")
    Path journalDirectory;

    @Option(names = "--stdin", description = "read standard input; exit 0 once all of it is acknowledged")
    boolean stdin;

    @Option(names = "--stream", paramLabel = "NAME", description = "stream name (default: stdin, fifo or file); "
            + "the spool adds a dot and 16 random hex digits to make the stream id recorded with every line")
    String stream;

    @Option(names = "--ack-log", paramLabel = "FILE",
            description = "append one line per acknowledgement: wall-clock microseconds and the acknowledged cseq "
                    + "(for measuring delivery latency)")
    Path ackLog;

    @Option(names = "--heartbeat", paramLabel = "DURATION", description = "heartbeat interval, e.g. 60s; 0s for none")
    String heartbeat;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        Settings.Forward f = SettingsLoader.load(ConfigFile.chosen(config)).forward();
        java.util.List<String> targets = to != null ? to : f.to();
        for (String t : targets) {
            SettingsLoader.parseListen("--to", t);
        }
        Duration maxLag = destinationMaxLag != null
                ? Units.duration("--destination-max-lag", destinationMaxLag) : f.destinationMaxLag();
        if (maxLag.isNegative() || maxLag.isZero()) {
            throw new IllegalArgumentException("--destination-max-lag must be positive, got " + destinationMaxLag);
        }
        Path fifoPath = fifo != null ? fifo : f.fifo().isEmpty() ? null : Path.of(f.fifo());
        Path filePath = file != null ? file : f.file().isEmpty() ? null : Path.of(f.file());
        // --journal beats a FIFO or file named in the config: the command line chose the source.
        if (journal) {
            fifoPath = fifo;
            filePath = file;
        }
        int sources = (stdin ? 1 : 0) + (fifoPath != null ? 1 : 0) + (filePath != null ? 1 : 0) + (journal ? 1 : 0);
        if (sources != 1) {
            throw new IllegalArgumentException(
                    "give exactly one source: --stdin, --fifo PATH, --file PATH or --journal");
        }
        if (journalDirectory != null && !journal) {
            throw new IllegalArgumentException("--journal-directory goes with --journal");
        }
        if (fromStart && filePath == null && !journal) {
            throw new IllegalArgumentException("--from-start goes with --file or --journal");
        }
        Forwarder.SourceSpec source = stdin ? new Forwarder.SourceSpec.Stdin(System.in)
                : fifoPath != null ? new Forwarder.SourceSpec.Fifo(fifoPath)
                : journal ? new Forwarder.SourceSpec.Journal(journalDirectory == null ? java.util.List.of()
                        : java.util.List.of("--directory=" + journalDirectory.toAbsolutePath()), fromStart)
                : new Forwarder.SourceSpec.File(filePath, fromStart || f.fileFromStart());
        String id = stream != null ? stream : !f.stream().isEmpty() ? f.stream()
                : stdin ? "stdin" : fifoPath != null ? "fifo" : journal ? "journal" : "file";
        Duration beat = heartbeat != null ? Units.duration("--heartbeat", heartbeat) : f.heartbeat();
        Path keyFile = key != null ? key : f.key();
        Path knownHostsFile = knownHosts != null ? knownHosts : f.knownHosts();
        PrivateKeyFile.checkClosedToOthers(keyFile);
        if (!Files.isReadable(knownHostsFile)) {
            // Lines are still spooled (syslog must not wait for a provisioning step), but no connection can be
            // trusted until the file is there: say so plainly once, at start.
            spec.commandLine().getErr().println("loghost forward: warning: " + (Files.exists(knownHostsFile)
                    ? "cannot read " : "no such file: ") + knownHostsFile + " (the loghost's host key, as the line "
                    + "\"[HOST]:PORT ssh-ed25519 AAAA...\" made from its DATA/ssh_host_ed25519_key.pub); lines are "
                    + "spooled, and the loghost is refused until the file is there");
            spec.commandLine().getErr().flush();
        }
        Forwarder.Outcome outcome = Forwarder.run(new ForwardSettings(targets, keyFile, knownHostsFile,
                spool != null ? spool : f.spoolDir(),
                spoolMax != null ? Units.bytes("--spool-max", spoolMax) : f.spoolMaxBytes(), id, beat,
                maxLag, source, ackLog));
        for (String r : outcome.refused()) {
            spec.commandLine().getErr().println("loghost forward: refused: " + r);
        }
        for (String b : outcome.behind()) {
            spec.commandLine().getErr().println("loghost forward: error: " + b + " (it lagged longer than "
                    + "forward.destination-max-lag; its entries stay in the spool for the next run while they may)");
        }
        spec.commandLine().getErr().flush();
        return !outcome.refused().isEmpty() ? HOST_KEY_REFUSED : !outcome.behind().isEmpty() ? DESTINATION_BEHIND : 0;
    }
}
