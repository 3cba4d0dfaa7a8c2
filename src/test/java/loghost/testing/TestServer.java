package loghost.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import loghost.config.Settings;
import loghost.config.SettingsLoader;
import loghost.ssh.HostKey;
import loghost.serve.Serve;

/** A loghost server in this JVM on 127.0.0.1 port 0 with its own data directory, and the real ssh client for it. */
public final class TestServer implements AutoCloseable {

    private final Path data;
    private final Path knownHosts;
    private final Path config;
    private Serve server;

    /** Starts a server in {@code dir}/data with the given HOCON settings (may be empty), sealing off unless set. */
    public TestServer(Path dir, String hocon) throws Exception {
        this.data = dir.resolve("data");
        this.knownHosts = dir.resolve("known_hosts");
        this.config = dir.resolve("loghost.conf");
        // Sealing off unless the settings turn it on: most tests check the store's exact bytes and verify's exact
        // output; the seal tests (loghost.seal) turn it on, and ServerProcess runs the real default.
        Files.writeString(config, "loghost.seal.enabled = false\n" + hocon);
        start();
    }

    /** (Re)starts the server on a new port, rewriting known_hosts for it. */
    public void start() throws Exception {
        Settings s = SettingsLoader.load(config).withDataDir(data)
                .withListen(SettingsLoader.parseListen("127.0.0.1:0"));
        server = Serve.start(s);
        String pub = Files.readString(data.resolve(HostKey.FILE + ".pub"), StandardCharsets.US_ASCII).strip();
        Files.writeString(knownHosts, "[127.0.0.1]:" + port() + " " + pub + "\n");
    }

    /** Stops the server (syncing all logs). */
    public void stop() throws Exception {
        if (server != null) {
            server.close();
            server = null;
        }
    }

    /** The listening port. */
    public int port() {
        return server.address().getPort();
    }

    /** The data directory. */
    public Path data() {
        return data;
    }

    /** The metrics URL when {@code loghost.metrics.listen} is set. */
    public java.util.Optional<String> metricsUrl() {
        return server.metricsUrl();
    }

    /** The config file the server was started with. */
    public Path config() {
        return config;
    }

    /** Runs the loghost CLI against this data directory; returns exit, stdout, stderr. */
    public Run.Result cli(String... args) {
        return Cli.run(data, args[0], java.util.Arrays.copyOfRange(args, 1, args.length));
    }

    /** Enrolls {@code key}'s public half for {@code host}, asserting success. */
    public void enroll(String host, Path key) {
        Run.Result r = cli("enroll", host, KeyGen.pub(key).toString());
        assertEquals(0, r.exit(), r::toString);
    }

    /** The ssh command line for this server: strict host key checking, only {@code key}, no user config. */
    public List<String> sshCommand(Path key, String... args) {
        List<String> cmd = new ArrayList<>(List.of("ssh", "-F", "/dev/null",
                "-o", "UserKnownHostsFile=" + knownHosts, "-o", "StrictHostKeyChecking=yes",
                "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes", "-o", "IdentityAgent=none",
                "-o", "ConnectTimeout=10", "-o", "LogLevel=ERROR",
                "-i", key.toString(), "-p", String.valueOf(port())));
        cmd.addAll(List.of(args));
        return cmd;
    }

    /** Runs the real ssh client with stdin from {@code stdin} (null: none). */
    public Run.Result ssh(Path key, Path stdin, String... args) throws IOException, InterruptedException {
        return Run.run(sshCommand(key, args), stdin, Map.of(), 120);
    }

    /** Runs the real ssh client with no stdin at OpenSSH log level {@code level} (its messages go to stderr). */
    public Run.Result sshAtLogLevel(Path key, String level, String... args) throws IOException, InterruptedException {
        List<String> cmd = sshCommand(key, args);
        cmd.replaceAll(a -> a.equals("LogLevel=ERROR") ? "LogLevel=" + level : a);
        return Run.run(cmd, null, Map.of(), 60);
    }

    /**
     * Enrolls host web01 with a new ed25519 key made in {@code keyDir} and runs one {@code append-log} session from
     * the stock ssh client at {@code level} (DEBUG1..3), whose stderr then says what was negotiated.
     */
    public Run.Result stockSessionAtLogLevel(Path keyDir, String level) throws Exception {
        Path key = KeyGen.generate(keyDir, "k", "ed25519");
        enroll("web01", key);
        return sshAtLogLevel(key, level, "-T", "log@127.0.0.1", "append-log");
    }

    /** Pipes {@code stdin} into {@code append-log} as user "log", the README's way. */
    public Run.Result append(Path key, Path stdin) throws IOException, InterruptedException {
        return ssh(key, stdin, "-T", "log@127.0.0.1", "append-log");
    }

    @Override
    public void close() throws Exception {
        stop();
    }
}
