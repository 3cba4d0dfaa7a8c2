package loghost.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import loghost.pull.PullSources;
import loghost.pull.PullState;
import loghost.testing.Await;
import loghost.testing.Cli;
import loghost.testing.HostRecords;
import loghost.testing.KeyGen;
import loghost.testing.Run;
import loghost.testing.ServerProcess;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGTERM, as systemd stops the unit, to a loaded {@code serve}: stock ssh clients streaming into three hosts, and
 * pull sources that are down (each waiting out a long backoff when the stop comes). The stop must end within its
 * budget, under the unit's {@code TimeoutStopSec}, with the final seal written: before, each down source alone held
 * the stop for 10 s, on top of up to 30 s of housekeeping, 2 x 30 s of session workers and 10 s of audit trail.
 */
class ServeStopTest {

    // Each held the old stop for 10 s: 80 s in all, well past the budget and its margin below.
    private static final int DOWN_SOURCES = 8;
    private static final int STREAMS = 3;
    // For the JVM to start the stop and exit around it, on a loaded 2-core machine: generous, and still far
    // below what the old stop took.
    private static final Duration MARGIN = Duration.ofSeconds(20);

    @TempDir
    Path dir;
    // Bound, never listening, held for the whole test: a connection to it is refused, and no other test's server
    // can be given its port meanwhile (a port merely found free and closed again can be).
    private Socket closedPort;

    @BeforeEach
    void holdAClosedPort() throws Exception {
        closedPort = new Socket();
        closedPort.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    }

    @AfterEach
    void releaseIt() throws Exception {
        closedPort.close();
    }

    @Test
    void sigtermToALoadedServerWithDownPullSourcesStopsWithinTheBudgetAndSealsLast() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/ssh")), "needs the OpenSSH client (.ci/run installs it)");
        Path data = dir.resolve("data");
        List<Path> keys = new ArrayList<>();
        for (int i = 1; i <= STREAMS; i++) {
            Path key = KeyGen.generate(dir, "k" + i, "ed25519");
            assertEquals(0, Cli.run(data, "enroll", "web0" + i, KeyGen.pub(key).toString()).exit());
            keys.add(key);
        }
        Path conf = writeConfig(dir.resolve("loghost.conf"));
        ServerProcess s = ServerProcess.startWith(data, dir.resolve("stderr.txt"), dir.resolve("known_hosts"),
                "--config", conf.toString());
        List<Process> writers = new ArrayList<>();
        try {
            String pinned = Files.readString(data.resolve("seal.pub")).strip();
            for (int i = 1; i <= STREAMS; i++) {
                writers.add(stream(s, keys.get(i - 1), "web0" + i));
            }
            // The stop comes at a measured point: every stream has stored lines, every source waits out its backoff.
            for (int i = 1; i <= STREAMS; i++) {
                String host = "web0" + i;
                Await.until(() -> host + " stored no 1000 lines; stderr: " + s.stderr(), () -> count(data, host) >= 1000);
            }
            for (int i = 1; i <= DOWN_SOURCES; i++) {
                Path state = data.resolve(PullSources.STATE_DIR).resolve("down" + i);
                String source = "down" + i;
                Await.until(() -> "source " + source + " is not retrying but " + readState(state) + "; stderr: "
                        + s.stderr(), () -> "retrying".equals(readState(state)));
            }

            long t0 = System.nanoTime();
            s.process().destroy(); // SIGTERM
            Duration allowed = StopBudget.TOTAL.plus(MARGIN);
            boolean exited = s.process().waitFor(allowed.toMillis(), TimeUnit.MILLISECONDS);
            long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            assertTrue(exited, "still stopping after " + allowed + "; stderr: " + s.stderr());
            assertEquals(0, s.process().exitValue(), s::stderr);
            assertTrue(s.stderr().contains("stopped: all logs synced and closed"), s::stderr);

            // The final seal is the last record of every chain written to (the audit trail's right after
            // server-stop), and verify with the pinned key finds every record sealed.
            for (int i = 1; i <= STREAMS; i++) {
                List<HostRecords.Rec> recs = HostRecords.read(data, "web0" + i);
                assertEquals("seal", recs.get(recs.size() - 1).type(), "web0" + i + " (stop took " + tookMs + " ms)");
            }
            List<HostRecords.Rec> audit = HostRecords.read(data, "_loghost");
            assertEquals("seal", audit.get(audit.size() - 1).type(), audit::toString);
            assertEquals("server-stop", audit.get(audit.size() - 2).text(), audit::toString);
            String end = lastCheckpointEnd(data);
            Run.Result v = Cli.run(data, "verify", "--key", pinned, "--sealed-until", end);
            assertEquals(0, v.exit(), v::toString);
            assertFalse(v.stdout().contains("not sealed yet"), v::toString);
            for (int i = 1; i <= STREAMS; i++) {
                assertTrue(v.stdout().contains("verify: sealed: hosts/web0" + i + ": until " + end + " "), v::toString);
            }
        } finally {
            for (Process w : writers) {
                w.destroyForcibly();
                w.waitFor(30, TimeUnit.SECONDS);
            }
            s.close();
        }
    }

    // Sealing on (1-minute epochs: the final seal is the stop's), and sources at a port nobody listens on, with a
    // backoff long enough that each is asleep in it when the stop comes.
    private Path writeConfig(Path file) throws Exception {
        Path pullKey = KeyGen.generate(dir, "pull", "ed25519");
        String knownHost = Files.readString(KeyGen.pub(pullKey)).strip();
        int refusingPort = closedPort.getLocalPort();
        StringBuilder c = new StringBuilder("loghost.pull.backoff-min = 10m\nloghost.pull.backoff-max = 10m\n"
                + "loghost.pull.sources = [\n");
        for (int i = 1; i <= DOWN_SOURCES; i++) {
            c.append("  { host = down").append(i).append(", address = \"127.0.0.1\", port = ").append(refusingPort)
                    .append(", user = nobody, key = \"").append(pullKey).append("\", known-host = \"")
                    .append(knownHost).append("\" }\n");
        }
        return Files.writeString(file, c.append("]\n").toString());
    }

    private Process stream(ServerProcess s, Path key, String host) throws Exception {
        List<String> cmd = List.of("bash", "-c", "i=0; while :; do i=$((i+1)); echo \"" + host + " line $i\"; done | "
                + String.join(" ", s.appendCommand(key)));
        return new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(dir.resolve("ssh-" + host + ".out").toFile()).start();
    }

    private static long count(Path data, String host) {
        try {
            return HostRecords.count(data, host, "log");
        } catch (java.io.IOException e) {
            return 0; // its directory is not there yet
        }
    }

    private static String readState(Path file) {
        try {
            return PullState.read(file).get("state");
        } catch (java.io.IOException e) {
            return null;
        }
    }

    private static String lastCheckpointEnd(Path data) throws Exception {
        Path last;
        try (var s = Files.list(data.resolve("seal"))) {
            last = s.filter(p -> p.toString().endsWith(".ckpt")).sorted().reduce((a, b) -> b).orElseThrow();
        }
        String line = Files.readAllLines(last).stream().filter(l -> l.startsWith("checkpoint ")).reduce((a, b) -> b)
                .orElseThrow();
        return line.replaceAll(".* end=(\\S+) .*", "$1");
    }
}
