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
import java.util.concurrent.TimeUnit;

/**
 * {@code loghost serve} (or any loghost command) run under {@code strace -f -y}, for tests that must see the system
 * calls themselves: which file an fsync covered, or that every call is inside a unit's filter.
 */
public final class TracedServer implements AutoCloseable {

    private final Process strace;
    private final Path trace;
    private final int port;

    private TracedServer(Process strace, Path trace, int port) {
        this.strace = strace;
        this.trace = trace;
        this.port = port;
    }

    /** Skips the calling test, naming the .ci/run step, when strace is not installed. */
    public static void assumeStrace() {
        Tools.STRACE.assume();
    }

    /** The command line of {@code loghost ARGS} under strace writing to {@code trace}, with {@code straceArgs}. */
    public static List<String> command(Path trace, List<String> straceArgs, String... loghostArgs) {
        List<String> cmd = new ArrayList<>(List.of("strace", "-f", "-qq", "-o", trace.toString()));
        cmd.addAll(straceArgs);
        cmd.addAll(List.of("java", "-cp", System.getProperty("java.class.path"), "loghost.cli.Main"));
        cmd.addAll(List.of(loghostArgs));
        return cmd;
    }

    /**
     * Starts {@code serve --data DATA --config CONF --listen 127.0.0.1:0} under strace, waits for its address and
     * writes {@code knownHosts} for it.
     */
    public static TracedServer serve(Path data, Path conf, Path trace, Path stderr, Path knownHosts,
            List<String> straceArgs) throws Exception {
        assumeStrace();
        ProcessBuilder pb = new ProcessBuilder(command(trace, straceArgs, "serve", "--data", data.toString(),
                "--config", conf.toString(), "--listen", "127.0.0.1:0"));
        pb.redirectError(stderr.toFile());
        Process p = pb.start();
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        String line = out.readLine();
        while (line != null && !line.startsWith("listening on ")) {
            line = out.readLine();
        }
        String first = line;
        assertNotNull(first, () -> "serve printed no address; stderr: " + ServerProcess.read(stderr));
        Thread drain = new Thread(() -> {
            try {
                while (out.readLine() != null) {
                    // the rest of stdout, so that the server never blocks on a full pipe
                }
            } catch (IOException e) {
                // the process ended: nothing more to read
            }
        });
        drain.setDaemon(true);
        drain.start();
        int port = Integer.parseInt(first.substring(first.lastIndexOf(':') + 1));
        Files.writeString(knownHosts, "[127.0.0.1]:" + port + " "
                + Files.readString(data.resolve("ssh_host_ed25519_key.pub")).strip() + "\n");
        return new TracedServer(p, trace, port);
    }

    /** The port the server listens on. */
    public int port() {
        return port;
    }

    /** The trace file strace writes. */
    public Path trace() {
        return trace;
    }

    /** The process id of the JVM strace runs. */
    public long jvmPid() {
        return strace.toHandle().children().findFirst().orElseThrow().pid();
    }

    /** SIGTERM to the traced JVM (a clean stop), then waits for strace to end. */
    public void stop() throws InterruptedException {
        ProcessHandle jvm = strace.toHandle().children().findFirst().orElseThrow();
        jvm.destroy();
        assertTrue(strace.waitFor(120, TimeUnit.SECONDS), "serve stopped after SIGTERM");
    }

    @Override
    public void close() {
        strace.toHandle().descendants().forEach(ProcessHandle::destroyForcibly);
        strace.destroyForcibly();
    }
}
