package loghost.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import loghost.config.SettingsLoader;
import loghost.store.HostName;
import loghost.store.HostSummary;
import loghost.store.StorageException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code loghost status}: per host, when it was last heard; exit 1 if any host is silent too long. */
@Command(name = "status", description = "Per host: last record, last heartbeat, records, bytes, chain head; "
        + "exit 1 if a host has been silent longer than --silent-after (a monitoring check).")
final class StatusCommand implements Callable<Integer> {

    @Mixin
    DataOptions options;

    @Option(names = "--silent-after", paramLabel = "DURATION", defaultValue = "10m",
            description = "flag hosts with no record for this long (default 10m)")
    String silentAfter;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException, StorageException {
        Duration limit = SettingsLoader.parseDuration("--silent-after", silentAfter);
        Path hosts = options.settings().dataDir().resolve("hosts");
        List<Path> dirs = new ArrayList<>();
        if (Files.isDirectory(hosts)) {
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(hosts)) {
                ds.forEach(dirs::add);
            }
        }
        dirs.sort(null);
        PrintWriter out = spec.commandLine().getOut();
        out.println("HOST\tLAST-RECORD\tLAST-HEARTBEAT\tRECORDS\tBYTES\tHEAD\tSTATE");
        Instant now = Instant.now();
        int silent = 0;
        for (Path d : dirs) {
            String name = d.getFileName().toString();
            if (!HostName.isEnrollable(name)) {
                continue; // the audit trail and anything else is not a host that should be heard from
            }
            HostSummary s = HostSummary.of(d);
            boolean quiet = s.lastRecord() == null || Duration.between(s.lastRecord(), now).compareTo(limit) > 0;
            silent += quiet ? 1 : 0;
            out.println(name + "\t" + (s.lastRecord() == null ? "-" : s.lastRecord()) + "\t"
                    + (s.lastHeartbeat() == null ? "-" : s.lastHeartbeat()) + "\t" + s.records() + "\t" + s.bytes()
                    + "\t" + (s.head() == null ? "-" : s.head().substring(0, 16)) + "\t"
                    + (quiet ? "SILENT" : "ok"));
        }
        return silent == 0 ? 0 : Main.ERROR;
    }
}
