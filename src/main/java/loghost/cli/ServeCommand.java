package loghost.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import loghost.config.Settings;
import loghost.config.SettingsChanges;
import loghost.config.SettingsLoader;
import loghost.housekeeping.Housekeeper;
import loghost.keys.EnrolledKey;
import loghost.keys.EnrolledKeys;
import loghost.keys.EnrolledKeysFile;
import loghost.pull.PullSources;
import loghost.ssh.HostKey;
import loghost.ssh.LoghostServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;
import sun.misc.Signal;

/** {@code loghost serve}: runs the SSH server until SIGTERM or SIGINT, then syncs, closes and exits 0. */
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
        // Pull sources first: their settings are checked and the writer lock taken before any chain is opened.
        PullSources pulls = PullSources.lock(settings.dataDir(), settings.pull());
        LoghostServer server;
        try {
            server = LoghostServer.start(settings, main.environment().clock());
            pulls.start(settings, server.store(), server.audit());
        } catch (Exception e) {
            pulls.close();
            throw e;
        }
        Housekeeper housekeeper = new Housekeeper(settings.dataDir().toAbsolutePath().normalize(), server.store(),
                settings.housekeeping(), server::auditEvent, main.environment().clock(), main.environment().steps())
                .start();
        Stopper stopper = new Stopper(server, pulls, housekeeper);
        reloader.set(new Reloader(server, settings));
        // Any other way the JVM goes down (System.exit, a fatal error) still syncs and closes the logs.
        Thread hook = new Thread(stopper::stop, "loghost-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        out.println("listening on " + server.address().getHostString() + ":" + server.address().getPort());
        out.println("host key " + server.hostKeyFingerprint() + " (ED25519) in "
                + settings.dataDir().resolve(HostKey.FILE + ".pub"));
        out.println("data in " + settings.dataDir().toAbsolutePath().normalize() + ", " + server.enrolledKeysAtStart()
                + " key(s) enrolled");
        out.println(server.sealKey().map(k -> "sealing with verification key " + k + " (pin it off the loghost)")
                .orElse("sealing off"));
        out.println(server.metricsUrl().map(url -> "metrics on " + url).orElse("metrics off"));
        out.flush();
        stopRequested.await();
        return stopper.stop() ? 0 : Main.ERROR;
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
        private final LoghostServer server;
        private final Settings started;
        private Settings applied;

        Reloader(LoghostServer server, Settings started) {
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

    /** Stops the server once, whichever of the signal and the shutdown hook comes first; the other waits for it. */
    private static final class Stopper {
        private final LoghostServer server;
        private final PullSources pulls;
        private final Housekeeper housekeeper;
        private final AtomicBoolean started = new AtomicBoolean();
        private final CountDownLatch done = new CountDownLatch(1);
        private volatile boolean clean;

        Stopper(LoghostServer server, PullSources pulls, Housekeeper housekeeper) {
            this.server = server;
            this.pulls = pulls;
            this.housekeeper = housekeeper;
        }

        /** Closes the server (or waits until the first caller has); false if closing failed. */
        boolean stop() {
            if (started.compareAndSet(false, true)) {
                try {
                    try {
                        housekeeper.close();
                        pulls.close(); // stops every pull source before the logs they write are closed
                    } finally {
                        server.close();
                    }
                    clean = true;
                    log().info("stopped: all logs synced and closed");
                } catch (Exception e) {
                    log().error("shutdown-failed reason=\"{}\"", e.toString());
                } finally {
                    done.countDown();
                }
            } else {
                try {
                    done.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
            return clean;
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
