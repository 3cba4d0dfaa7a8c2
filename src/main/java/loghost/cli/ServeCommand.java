package loghost.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import loghost.config.Settings;
import loghost.config.SettingsLoader;
import loghost.keys.EnrolledKey;
import loghost.keys.EnrolledKeys;
import loghost.keys.EnrolledKeysFile;
import loghost.ssh.HostKey;
import loghost.ssh.LoghostServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code loghost serve}: runs the SSH server until it is stopped (SIGTERM / SIGINT). */
@Command(name = "serve", description = "Run the loghost SSH server.")
final class ServeCommand implements Callable<Integer> {

    /** Host name the demo key is enrolled under by {@code --demo}. */
    static final String DEMO_HOST = "demo";

    private static final Logger LOG = LoggerFactory.getLogger(ServeCommand.class);
    private static volatile boolean serving;

    @Mixin
    DataOptions options;

    @Option(names = "--listen", paramLabel = "HOST:PORT", description = "listen address (overrides loghost.listen)")
    String listen;

    @Option(names = "--demo", description = "enroll the throwaway demo key from keys-example/ for host '"
            + DEMO_HOST + "' (never in production)")
    boolean demo;

    @Spec
    CommandSpec spec;

    static boolean isServing() {
        return serving;
    }

    @Override
    public Integer call() throws Exception {
        Settings settings = options.settings();
        if (listen != null) {
            settings = settings.withListen(SettingsLoader.parseListen(listen));
        }
        PrintWriter out = spec.commandLine().getOut();
        if (demo) {
            enrollDemoKey(settings, out);
        }
        LoghostServer server = LoghostServer.start(settings);
        serving = true;
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                server.close();
                LOG.info("stopped: all logs synced and closed");
            } catch (Exception e) {
                LOG.error("shutdown-failed reason=\"{}\"", e.toString());
            } finally {
                stopped.countDown();
            }
        }, "loghost-shutdown"));
        out.println("listening on " + server.address().getHostString() + ":" + server.address().getPort());
        out.println("host key " + server.hostKeyFingerprint() + " (ED25519) in "
                + settings.dataDir().resolve(HostKey.FILE + ".pub"));
        out.println("data in " + settings.dataDir().toAbsolutePath().normalize() + ", " + server.enrolledKeysAtStart()
                + " key(s) enrolled");
        out.flush();
        stopped.await();
        return 0;
    }

    private static void enrollDemoKey(Settings settings, PrintWriter out) throws IOException {
        String line;
        try (InputStream in = ServeCommand.class.getResourceAsStream("/demo/demo_ed25519.pub")) {
            if (in == null) {
                throw new IOException("demo key missing from the jar");
            }
            line = new String(in.readAllBytes(), StandardCharsets.UTF_8).strip();
        }
        EnrolledKey key = EnrolledKeys.publicKey(DEMO_HOST, line, null, Instant.now());
        new EnrolledKeysFile(settings.dataDir()).update(keys ->
                keys.findByFingerprint(key.fingerprint()).isPresent() ? keys : keys.with(key));
        out.println("DEMO MODE: the throwaway key keys-example/demo_ed25519 (" + key.fingerprint()
                + ") may write as host '" + DEMO_HOST + "'. Its private half is public: never use it in production.");
    }
}
