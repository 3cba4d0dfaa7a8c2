package loghost.testing;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** {@code loghost serve} as its own JVM process, as an operator runs it, with known_hosts written for its port. */
public final class ServerProcess implements AutoCloseable {

    // Put after the server's last stdout line (compared by identity).
    private static final String STDOUT_CLOSED = new String("stdout closed");

    private final Process process;
    private final int port;
    private final String hostKeyLine;
    private final Path stderr;
    private final Path knownHosts;

    private ServerProcess(Process process, int port, String hostKeyLine, Path stderr, Path knownHosts) {
        this.process = process;
        this.port = port;
        this.hostKeyLine = hostKeyLine;
        this.stderr = stderr;
        this.knownHosts = knownHosts;
    }

    /**
     * Starts a server on 127.0.0.1:0 with {@code data}, appending its stderr to {@code stderr}; sealing is off
     * unless {@code --config} names a file of the test's own (see {@link #startWith}).
     */
    public static ServerProcess start(Path data, Path stderr, Path knownHosts, String... jvmArgs) throws Exception {
        return start(data, stderr, knownHosts, 0, jvmArgs);
    }

    /** Starts a server on 127.0.0.1:{@code port} (0: any free port). */
    public static ServerProcess start(Path data, Path stderr, Path knownHosts, int port, String... jvmArgs)
            throws Exception {
        return start(data, stderr, knownHosts, port, List.of(jvmArgs), List.of());
    }

    /** Starts a server on 127.0.0.1:0 with more {@code serve} options ({@code --demo}, {@code --config F}). */
    public static ServerProcess startWith(Path data, Path stderr, Path knownHosts, String... serveArgs)
            throws Exception {
        return start(data, stderr, knownHosts, 0, List.of(), List.of(serveArgs));
    }

    /** Starts a server on 127.0.0.1:0 with JVM options (test hooks) and more {@code serve} options. */
    public static ServerProcess start(Path data, Path stderr, Path knownHosts, List<String> jvmArgs,
            List<String> serveArgs) throws Exception {
        return start(data, stderr, knownHosts, 0, jvmArgs, serveArgs);
    }

    private static ServerProcess start(Path data, Path stderr, Path knownHosts, int port, List<String> jvmArgs,
            List<String> serveArgs) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("java"));
        cmd.addAll(jvmArgs);
        // The tests' launcher where a test sets its clock or crash point; the program's own entry point otherwise.
        String main = jvmArgs.stream().anyMatch(a -> a.startsWith("-Dloghost.test.")) ? TestMain.class.getName()
                : "loghost.cli.Main";
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), main, "serve",
                "--data", data.toString(), "--listen", "127.0.0.1:" + port));
        cmd.addAll(serveArgs);
        if (!serveArgs.contains("--config")) {
            // Sealing off unless a test's own config file says otherwise: an epoch ending at a minute boundary would
            // add seal records to the exact record lists most tests check. The seal tests pass their own config.
            Path conf = stderr.resolveSibling(stderr.getFileName() + ".loghost.conf");
            Files.writeString(conf, "loghost.seal.enabled = false\n");
            cmd.addAll(List.of("--config", conf.toString()));
        }
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.redirectError(ProcessBuilder.Redirect.appendTo(stderr.toFile()));
        Process p = pb.start();
        BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(),
                    StandardCharsets.UTF_8))) {
                for (String l; (l = r.readLine()) != null; ) {
                    lines.add(l);
                }
            } catch (IOException e) {
                lines.add("stdout read failed: " + e);
            }
            lines.add(STDOUT_CLOSED); // a server that exits before it listens is reported at once, not waited for
        });
        reader.setDaemon(true);
        reader.start();
        // A JVM start on a loaded 2-core machine took over a minute (issue 21 item 18): Await.WAIT, scaled.
        long waitMs = Await.WAIT.toMillis();
        String listening = lines.poll(waitMs, TimeUnit.MILLISECONDS);
        while (listening != null && !listening.startsWith("listening on ")) {
            if (listening == STDOUT_CLOSED) {
                p.waitFor(Await.WAIT.toMillis(), TimeUnit.MILLISECONDS);
                throw new AssertionError("server exited (" + (p.isAlive() ? "still running" : "status "
                        + p.exitValue()) + ") before it listened; stderr: " + read(stderr));
            }
            // --demo says what it did before the server listens.
            listening = lines.poll(waitMs, TimeUnit.MILLISECONDS);
        }
        assertNotNull(listening, () -> "server printed nothing within " + Await.WAIT.toSeconds() + " s; stderr: "
                + read(stderr));
        Matcher m = Pattern.compile("listening on 127\\.0\\.0\\.1:(\\d+)").matcher(listening);
        assertTrue(m.matches(), listening);
        String hostKey = lines.poll(waitMs, TimeUnit.MILLISECONDS);
        Files.writeString(knownHosts, "[127.0.0.1]:" + m.group(1) + " "
                + Files.readString(data.resolve("ssh_host_ed25519_key.pub")).strip() + "\n");
        return new ServerProcess(p, Integer.parseInt(m.group(1)), hostKey, stderr, knownHosts);
    }

    /** Reads a file for a failure message. */
    public static String read(Path p) {
        try {
            return Files.readString(p, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(unreadable: " + e + ")";
        }
    }

    /** The OS process. */
    public Process process() {
        return process;
    }

    /** The port it listens on. */
    public int port() {
        return port;
    }

    /** The "host key SHA256:..." line it printed. */
    public String hostKeyLine() {
        return hostKeyLine;
    }

    /** What it wrote to stderr so far. */
    public String stderr() {
        return read(stderr);
    }

    /** The ssh command line for {@code append-log} to this server with {@code key}. */
    public List<String> appendCommand(Path key) {
        return List.of("ssh", "-F", "/dev/null", "-o", "UserKnownHostsFile=" + knownHosts,
                "-o", "StrictHostKeyChecking=yes", "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes",
                "-o", "IdentityAgent=none", "-o", "LogLevel=ERROR", "-i", key.toString(), "-p", String.valueOf(port),
                "-T", "log@127.0.0.1", "append-log");
    }

    /** Kills the process (SIGKILL) if it still runs. */
    @Override
    public void close() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(Await.WAIT.toMillis(), TimeUnit.MILLISECONDS);
    }
}
