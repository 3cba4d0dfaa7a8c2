package loghost.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.Callable;
import loghost.audit.AuditTrail;
import loghost.config.PullSettings;
import loghost.config.Settings;
import loghost.pull.PullFailure;
import loghost.pull.PullSource;
import loghost.pull.PullSources;
import loghost.store.HostName;
import loghost.store.LogStore;
import loghost.store.StoreFiles;
import loghost.store.SyncPolicy;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code loghost pull --once SOURCE}: runs one configured pull source by hand, to its current end, then exits. */
@Command(name = "pull", description = "Run one configured pull source once (loghost serve runs them all the time): "
        + "connect, check its host key, store every followed file up to its current end, collect its files; "
        + "exit 0, 1 on a failure, 78 when its host key is refused. Not while serve runs on the same data.")
final class PullCommand implements Callable<Integer> {

    /** Exit status when the source's host key is not the configured one (as loghost forward's). */
    static final int HOST_KEY_REFUSED = 78;

    @Mixin
    DataOptions options;

    @Option(names = "--once", required = true, description = "run the source once, then exit")
    boolean once;

    @Parameters(paramLabel = "SOURCE", description = "the source's host name, as configured in loghost.pull.sources")
    String host;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        Settings settings = options.settings();
        PullSettings pull = settings.pull();
        PullSettings.Source source = pull.source(host);
        PrintWriter err = spec.commandLine().getErr();
        if (source == null) {
            err.println("loghost: error: no pull source '" + host.replaceAll("[^ -~]", "?") + "' in loghost.pull"
                    + ".sources (configured: " + String.join(", ", pull.sources().stream()
                            .map(PullSettings.Source::host).toList()) + ")");
            return Main.ERROR;
        }
        Path data = settings.dataDir().toAbsolutePath().normalize();
        try (PullSources lock = PullSources.lock(data, pull.withoutSources())) {
            // No sweep runs in a one-shot pull: the store's close at the end syncs; 0s syncs each append.
            LogStore store = new LogStore(data.resolve("hosts"), settings.store().digest(), Clock.systemUTC(),
                    new SyncPolicy(settings.store().fsyncInterval(), nanos -> { }));
            AuditTrail audit = new AuditTrail(store.host(HostName.AUDIT), settings.audit().refusalsPerSecond());
            Path stateDir = data.resolve(PullSources.STATE_DIR);
            StoreFiles.createOrCheckPrivateDirectory(stateDir, "pull state directory");
            PullSource s = new PullSource(source, pull, settings, store, audit, stateDir);
            long before = store.host(host).lastSeq();
            try {
                s.runOnce();
                long after = store.host(host).lastSeq();
                spec.commandLine().getOut().println("pull " + host + ": ok, " + (after - before) + " records stored"
                        + ", chain head seq " + after);
                return 0;
            } catch (PullFailure e) {
                err.println("loghost: error: pull " + host + ": " + e.getMessage());
                return e instanceof PullSource.HostKeyRefused ? HOST_KEY_REFUSED : Main.ERROR;
            } finally {
                audit.close();
                store.close();
            }
        }
    }
}
