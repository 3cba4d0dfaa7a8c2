package loghost.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import loghost.config.Settings;
import loghost.config.SettingsChanges;
import loghost.config.SettingsLoader;
import loghost.keys.EnrolledKey;
import loghost.keys.EnrolledKeys;
import loghost.keys.EnrolledKeysFile;
import loghost.serve.Serve;
import loghost.ssh.HostKey;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;
import sun.misc.Signal;

/** {@code loghost serve}: runs the server ({@link Serve}) until SIGTERM or SIGINT, then stops it and exits 0. */
@Command(name = "serve", description = "Run the loghost SSH server.")
final class ServeCommand implements Callable<Integer> {

    /** Host name the demo key is enrolled under by {@code --demo}. */
    static final String DEMO_HOST = "demo";

    // Looked up when serve logs, not when the class loads: picocli instantiates every command for any command line,
    // and the first logger sets up the logging system (~0.1 s that verify, cat or status do not need).
    private static Logger log() {
        return LoggerFactory.getLogger(ServeCommand.class);
    }

    @Mixin
    DataOptions options;

    @Option(names = "--listen", paramLabel = "HOST:PORT", description = "listen address (overrides loghost.listen)")
    String listen;

    @Option(names = "--metrics", paramLabel = "HOST:PORT", description = "serve Prometheus metrics on this address, "
            + "e.g. 127.0.0.1:9273 (overrides loghost.metrics.listen; off by default)")
    String metrics;

    @Option(names = "--demo", description = "for trying out only: enroll the throwaway demo key from "
            + "keys-example/ for host '" + DEMO_HOST + "' (never in production; later starts warn until revoked)")
    boolean demo;

    @Spec
    CommandSpec spec;

    @ParentCommand
    Main main;

    @Override
    public Integer call() throws Exception {
        Settings settings = settings();
        PrintWriter out = spec.commandLine().getOut();
        EnrolledKey demoKey = demoKey();
        if (demo) {
            enrollDemoKey(settings, demoKey, out);
        } else {
            warnIfDemoKeyEnrolled(settings, demoKey);
        }
        CountDownLatch stopRequested = new CountDownLatch(1);
        // SIGTERM (systemd, kill) and SIGINT (Ctrl-C) are the normal way to stop: handled here so that the
        // process exits 0 once every log is synced, instead of the JVM's 143/130 for a signal. sun.misc.Signal
        // (module jdk.unsupported, kept for exactly this) is the only JDK way to do it; a halt(0) in the shutdown
        // hook would also turn any other exit status into 0. Set before starting: a stop asked for meanwhile
        // takes effect as soon as the server is up.
        for (String name : new String[] {"TERM", "INT"}) {
            Signal.handle(new Signal(name), sig -> stopRequested.countDown());
        }
        // SIGHUP, as for sshd and rsyslogd: reload what can change live, never stop. Replaces the JVM's default
        // for HUP, which would run the shutdown hooks and exit; set now so that a reload while starting (or
        // stopping) is only logged, not a stop.
        AtomicReference<Reloader> reloader = new AtomicReference<>();
        Signal.handle(new Signal("HUP"), sig -> {
            Reloader r = reloader.get();
            if (r == null || stopRequested.getCount() == 0) {
                log().warn("reload-ignored: the server is starting or stopping");
            } else {
                r.reload();
            }
        });
        // Pull sources' settings are checked and the writer lock taken before any chain is opened.
        Serve serve = Serve.start(settings, main.environment().clock(), settings.pull(),
                main.environment().steps());
        reloader.set(new Reloader(serve, settings));
        // Any other way the JVM goes down (System.exit, a fatal error) still seals, syncs and closes the logs.
        Runtime.getRuntime().addShutdownHook(new Thread(serve::stop, "loghost-shutdown"));
        printStarted(serve, settings, out);
        stopRequested.await();
        return serve.stop() ? 0 : Main.ERROR;
    }

    private static void printStarted(Serve serve, Settings settings, PrintWriter out) {
        out.println("listening on " + serve.address().getHostString() + ":" + serve.address().getPort());
        out.println("host key " + serve.hostKeyFingerprint() + " (ED25519) in "
                + settings.dataDir().resolve(HostKey.FILE + ".pub"));
        out.println("data in " + settings.dataDir().toAbsolutePath().normalize() + ", " + serve.enrolledKeysAtStart()
                + " key(s) enrolled");
        out.println(serve.sealKey().map(k -> "sealing with verification key " + k + " (pin it off the loghost)")
                .orElse("sealing off"));
        out.println(serve.metricsUrl().map(url -> "metrics on " + url).orElse("metrics off"));
        out.flush();
    }

    // The config file with the command line's --listen and --metrics over it (also on every SIGHUP).
    private Settings settings() {
        Settings s = options.settings();
        if (listen != null) {
            s = s.withListen(SettingsLoader.parseListen(listen));
        }
        if (metrics != null) {
            s = s.withMetricsListen(SettingsLoader.parseListen("--metrics", metrics));
        }
        return s;
    }

    /** SIGHUP: re-reads the config file and the enrolled keys; a bad config is logged and the old one kept. */
    private final class Reloader {
        private final Serve server;
        private final Settings started;
        private Settings applied;

        Reloader(Serve server, Settings started) {
            this.server = server;
            this.started = started;
            this.applied = started;
        }

        synchronized void reload() {
            // Runs on the JVM's signal thread: nothing may escape, and the server keeps running whatever happens.
            try {
                Settings next = settings();
                List<String> live = SettingsChanges.between(applied, next).stream()
                        .filter(SettingsChanges.LIVE::contains).toList();
                List<String> restart = SettingsChanges.between(started, next).stream()
                        .filter(k -> !SettingsChanges.LIVE.contains(k)).toList();
                String what = "changed=" + names(live) + " needs-restart=" + names(restart);
                server.reload(next, what);
                applied = next;
                log().info("config-reloaded {} (enrolled keys re-read)", what);
            } catch (RuntimeException e) {
                // The layout escapes control characters; quoting keeps the reason one field.
                String reason = e.getMessage() == null ? e.toString() : e.getMessage();
                log().error("config-reload-failed reason=\"{}\": keeping the settings in force",
                        reason.replace("\\", "\\\\").replace("\"", "\\\""));
            }
        }

        private static String names(List<String> keys) {
            return keys.isEmpty() ? "none" : String.join(",", keys);
        }
    }

    private static EnrolledKey demoKey() throws IOException {
        String line;
        try (InputStream in = ServeCommand.class.getResourceAsStream("/demo/demo_ed25519.pub")) {
            if (in == null) {
                throw new IOException("demo key missing from the jar");
            }
            line = new String(in.readAllBytes(), StandardCharsets.UTF_8).strip();
        }
        return EnrolledKeys.publicKey(DEMO_HOST, line, null, Instant.now());
    }

    private static void enrollDemoKey(Settings settings, EnrolledKey key, PrintWriter out) throws IOException {
        new EnrolledKeysFile(settings.dataDir()).update(keys ->
                keys.findByFingerprint(key.fingerprint()).isPresent() ? keys : keys.with(key));
        out.println("DEMO MODE, for trying out only: the throwaway key keys-example/demo_ed25519 ("
                + key.fingerprint() + ") may write as host '" + DEMO_HOST
                + "'. Its private half is public: never use it in production.");
        log().warn("demo-mode key={} host={}: for trying out only; anyone can write as '{}' with the published key",
                key.fingerprint(), DEMO_HOST, DEMO_HOST);
    }

    // A data directory once served with --demo keeps the demo key enrolled: say so at every start until revoked.
    private static void warnIfDemoKeyEnrolled(Settings settings, EnrolledKey demoKey) {
        EnrolledKeys keys;
        try {
            keys = new EnrolledKeysFile(settings.dataDir()).load();
        } catch (IOException | IllegalArgumentException e) {
            return; // the server's own start reports an unreadable or invalid file, and refuses to start
        }
        keys.findByFingerprint(demoKey.fingerprint()).ifPresent(k -> log().warn(
                "demo-key-enrolled key={} host={}: the demo key's private half is public, anyone can write as '{}';"
                + " remove it with: loghost revoke {}", k.fingerprint(), k.host(), k.host(), k.fingerprint()));
    }
}
