package loghost.pull;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import loghost.testing.Await;
import loghost.testing.KeyGen;
import loghost.testing.Run;

/**
 * A source host for pull mode: a real OpenSSH {@code sshd} with a private config on 127.0.0.1, whose only key is the
 * loghost's, forced to run {@code loghost serve-logs} from this build. Never the system's sshd.
 */
final class SourceHost implements AutoCloseable {

    private static final Path SSHD = Path.of("/usr/sbin/sshd");

    private final Path dir;
    private final Path config;
    private final Path stderr;
    private final int port;
    private final Path clientKey;
    private Process sshd;

    private SourceHost(Path dir, Path config, Path stderr, int port, Path clientKey) {
        this.dir = dir;
        this.config = config;
        this.stderr = stderr;
        this.port = port;
        this.clientKey = clientKey;
    }

    /** Sets up and starts sshd in {@code dir}, serving the files {@code allowed} (lines of the allow file). */
    static SourceHost start(Path dir, List<String> allowed) throws Exception {
        return start(dir, allowed, null);
    }

    /**
     * As {@link #start(Path, List)}, but with {@code script} (a shell script's body, null: serve-logs) as the forced
     * command: a source that answers as it likes.
     */
    static SourceHost start(Path dir, List<String> allowed, String script) throws Exception {
        Files.createDirectories(dir);
        Path hostKey = dir.resolve("ssh_host_ed25519_key");
        Run.Result r = Run.run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", hostKey.toString());
        assertEquals(0, r.exit(), r::toString);
        Path clientKey = KeyGen.generate(dir, "loghost_pull_key", "ed25519");
        Path allow = Files.write(dir.resolve("serve-logs.allow"), allowed);
        String javaBin = ProcessHandle.current().info().command().orElse("java");
        Path wrapper = dir.resolve("serve-logs.sh");
        // The wrapper notes each request first (a test hook, not part of the README's setup): tests act between them.
        // Then, when a test made this host compromised (answer(...)), its script answers in serve-logs' place.
        Files.writeString(wrapper, "#!/bin/sh\nprintf '%s\\n' \"$SSH_ORIGINAL_COMMAND\" >> '" + dir.resolve("requests")
                + "'\nif [ -f '" + dir.resolve(HostileAnswers.SCRIPT) + "' ]; then . '" + dir.resolve(HostileAnswers.SCRIPT)
                + "'; fi\nexec '" + javaBin + "' -Xmx64m -XX:+UseSerialGC -XX:TieredStopAtLevel=1"
                + " -cp '" + System.getProperty("java.class.path") + "' loghost.cli.Main serve-logs --allow '" + allow
                + "'\n");
        if (script != null) {
            Files.writeString(wrapper, script);
        }
        Files.setPosixFilePermissions(wrapper, PosixFilePermissions.fromString("rwxr-xr-x"));
        // The README's line, with the test's own paths.
        Files.writeString(dir.resolve("authorized_keys"), "restrict,from=\"127.0.0.1\",command=\"" + wrapper + "\" "
                + Files.readString(KeyGen.pub(clientKey)).strip() + "\n");
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        Path config = dir.resolve("sshd_config");
        Files.writeString(config, String.join("\n",
                "Port " + port,
                "ListenAddress 127.0.0.1",
                "HostKey " + hostKey,
                "PidFile " + dir.resolve("sshd.pid"),
                "AuthorizedKeysFile " + dir.resolve("authorized_keys"),
                "StrictModes no",
                "UsePAM no",
                "PasswordAuthentication no",
                "KbdInteractiveAuthentication no",
                "PermitRootLogin prohibit-password",
                "LogLevel VERBOSE",
                "") );
        SourceHost h = new SourceHost(dir, config, dir.resolve("sshd.stderr"), port, clientKey);
        h.startSshd();
        return h;
    }

    private void startSshd() throws Exception {
        loghost.testing.Tools.SSHD.assume();
        ProcessBuilder pb = new ProcessBuilder(SSHD.toString(), "-D", "-e", "-f", config.toString());
        pb.redirectErrorStream(true);
        pb.redirectOutput(ProcessBuilder.Redirect.appendTo(stderr.toFile()));
        sshd = pb.start();
        Await.until(() -> "sshd listening on " + port, () -> {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 1000);
                return true;
            } catch (IOException e) {
                if (!sshd.isAlive()) {
                    throw new IllegalStateException("sshd did not start: " + Files.readString(stderr), e);
                }
                return false;
            }
        });
    }

    /**
     * From the next command on, this host answers as a compromised host would: each command {@code answers} scripts
     * gets that reply, any other goes to the real serve-logs.
     */
    void answer(HostileAnswers answers) throws IOException {
        answers.install(dir);
    }

    /** From the next command on, serve-logs answers every command again. */
    void honest() throws IOException {
        Files.deleteIfExists(dir.resolve(HostileAnswers.SCRIPT));
    }

    /** The port sshd listens on. */
    int port() {
        return port;
    }

    /** The loghost's private key for this source. */
    Path clientKey() {
        return clientKey;
    }

    /** The source's host key, as the {@code known-host} line. */
    String hostKeyLine() throws IOException {
        return Files.readString(dir.resolve("ssh_host_ed25519_key.pub")).strip();
    }

    /**
     * Writes {@code file}: a loghost config with this host as the one pull source {@code web01}, its own lines
     * ({@code follow = [...]}, {@code collect = [...]}, {@code journal = true}, ...) after address, user and keys.
     */
    Path writeConfig(Path file, String... sourceLines) throws IOException {
        List<String> l = new java.util.ArrayList<>(List.of("loghost.pull.sources = [", "  {", "    host = web01",
                "    address = \"127.0.0.1\"", "    port = " + port(), "    user = " + System.getProperty("user.name"),
                "    key = \"" + clientKey() + "\"", "    known-host = \"" + hostKeyLine() + "\""));
        for (String line : sourceLines) {
            l.add("    " + line);
        }
        l.addAll(List.of("  }", "]", ""));
        return Files.writeString(file, String.join("\n", l));
    }

    /** Replaces the host key (a reinstalled or impersonated host); takes effect at the next restart. */
    void newHostKey() throws Exception {
        Path hostKey = dir.resolve("ssh_host_ed25519_key");
        Files.delete(hostKey);
        Files.delete(dir.resolve("ssh_host_ed25519_key.pub"));
        Run.Result r = Run.run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", hostKey.toString());
        assertEquals(0, r.exit(), r::toString);
    }

    /** Kills every open session (sshd's per-connection processes), as a dropped connection would; sshd stays. */
    int killSessions() {
        List<ProcessHandle> sessions = sshd.toHandle().children().toList();
        sessions.forEach(ProcessHandle::destroyForcibly);
        return sessions.size();
    }

    /** Stops sshd and every session, then starts it again on the same port. */
    void restart() throws Exception {
        stop();
        startSshd();
    }

    /** The commands the loghost asked for so far, one per line, in order. */
    List<String> requests() throws IOException {
        Path f = dir.resolve("requests");
        return Files.exists(f) ? Files.readAllLines(f) : List.of();
    }

    /** sshd's own log (connections, authentications, refusals). */
    String log() throws IOException {
        return Files.readString(stderr);
    }

    private void stop() throws InterruptedException {
        List<ProcessHandle> all = sshd.toHandle().descendants().toList();
        sshd.destroyForcibly();
        all.forEach(ProcessHandle::destroyForcibly);
        sshd.waitFor(10, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws InterruptedException {
        stop();
    }

    /** Waits up to {@code limit} (scaled, at least {@link Await#WAIT}) for {@code condition}. */
    static boolean await(Duration limit, java.util.function.BooleanSupplier condition) throws InterruptedException {
        return Await.within(limit, condition);
    }
}
