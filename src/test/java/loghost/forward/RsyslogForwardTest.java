package loghost.forward;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import loghost.testing.Await;
import loghost.testing.Cli;
import loghost.testing.ForwarderProcess;
import loghost.testing.HostRecords;
import loghost.testing.KeyGen;
import loghost.testing.Run;
import loghost.testing.ServerProcess;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The real rsyslogd writes into a FIFO with ompipe; loghost forward reads it; the loghost comes and goes. */
class RsyslogForwardTest {

    @TempDir
    Path dir;

    private Process rsyslog;
    private final List<AutoCloseable> running = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        if (rsyslog != null) {
            rsyslog.destroy();
            rsyslog.waitFor(10, TimeUnit.SECONDS);
        }
        for (AutoCloseable c : running) {
            c.close();
        }
    }

    private void startRsyslog(Path fifo, Path socket) throws Exception {
        Path work = Files.createDirectories(dir.resolve("rsyslog-work"));
        Path conf = dir.resolve("rsyslog.conf");
        // A private instance: its own socket, work directory and pid file; never the system's configuration.
        Files.writeString(conf, String.join("\n",
                "global(workDirectory=\"" + work + "\")",
                "module(load=\"imuxsock\" SysSock.Use=\"off\")",
                "input(type=\"imuxsock\" Socket=\"" + socket + "\" RateLimit.Interval=\"0\")",
                "template(name=\"msgonly\" type=\"string\" string=\"%msg:2:$%\\n\")",
                "action(type=\"ompipe\" Pipe=\"" + fifo + "\" template=\"msgonly\" queue.type=\"LinkedList\"",
                "       queue.workerThreads=\"1\" queue.size=\"200000\" action.resumeInterval=\"1\"",
                "       action.resumeRetryCount=\"-1\")", ""));
        loghost.testing.Tools.assume(loghost.testing.Tools.RSYSLOGD, loghost.testing.Tools.LOGGER);
        rsyslog = new ProcessBuilder("rsyslogd", "-n", "-f", conf.toString(), "-i", dir.resolve("rsyslog.pid")
                .toString()).redirectErrorStream(true).redirectOutput(dir.resolve("rsyslog.out").toFile()).start();
        Await.until(() -> "rsyslogd's socket", () -> Files.exists(socket) || !rsyslog.isAlive());
        assertTrue(Files.exists(socket), () -> "rsyslogd did not start: " + ServerProcess.read(dir.resolve("rsyslog.out")));
    }

    /**
     * Sends numbered messages through syslog with logger, 1,000 at a time about every 50 ms (a busy host's rate,
     * 20,000 lines/s); returns the longest time one logger call took, to show syslog never blocks.
     */
    private double burst(Path socket, String name, int n) throws Exception {
        double longest = 0;
        for (int from = 1; from <= n; from += 1000) {
            List<String> lines = new ArrayList<>();
            for (int i = from; i < from + 1000 && i <= n; i++) {
                lines.add(name + " message " + i);
            }
            Path f = dir.resolve(name + "-" + from + ".txt");
            Files.write(f, lines);
            long t0 = System.nanoTime();
            Run.Result r = Run.run(List.of("logger", "-u", socket.toString(), "-t", "app", "-f", f.toString()), null,
                    Map.of(), 120);
            assertEquals(0, r.exit(), r::toString);
            double took = (System.nanoTime() - t0) / 1e9;
            longest = Math.max(longest, took);
            Thread.sleep(Math.max(0, 50 - (long) (took * 1000)));
        }
        return longest;
    }

    private List<String> awaitStored(Path data, int n) throws Exception {
        return Await.whileProgressing(() -> HostRecords.read(data, "web01").stream()
                .filter(r -> r.type().equals("log")).map(HostRecords.Rec::text).toList(), got -> got.size() >= n);
    }

    // The forwarder has read what syslog wrote: its spool stopped growing for a second.
    private static void awaitSpoolSettled(Path spool) throws Exception {
        long stable = -1;
        for (long size = spoolBytes(spool); size != stable; size = spoolBytes(spool)) {
            stable = size;
            Thread.sleep(1000);
        }
    }

    private static List<String> expectedBurst(String name) {
        List<String> l = new ArrayList<>();
        for (int i = 1; i <= 10_000; i++) {
            l.add(name + " message " + i);
        }
        return l;
    }

    /** Equal lists, reported by the first difference rather than by printing 30,000 lines. */
    private static void assertSameLines(List<String> expected, List<String> actual) {
        for (int i = 0; i < Math.min(expected.size(), actual.size()); i++) {
            int at = i;
            assertEquals(expected.get(i), actual.get(i), () -> "first difference at line " + (at + 1));
        }
        assertEquals(expected.size(), actual.size(), "number of lines");
    }

    private static long spoolBytes(Path spool) throws Exception {
        try (Stream<Path> s = Files.list(spool)) {
            long total = 0;
            for (Path p : s.toList()) {
                total += Files.size(p);
            }
            return total;
        }
    }

    @Test
    void everySyslogMessageArrivesOnceInOrderThroughOutagesAndRestarts() throws Exception {
        Path data = dir.resolve("data");
        Path key = KeyGen.generate(dir, "web01", "ed25519");
        assertEquals(0, Cli.run(data, "enroll", "web01", KeyGen.pub(key).toString()).exit());
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Path knownHosts = dir.resolve("known_hosts");
        Path fifo = dir.resolve("loghost.fifo");
        Path socket = dir.resolve("log.sock");
        Path spool = dir.resolve("spool");
        assertEquals(0, Run.run("mkfifo", "-m", "600", fifo.toString()).exit());
        String[] fwdArgs = {"--to", "127.0.0.1:" + port, "--key", key.toString(), "--known-hosts",
            knownHosts.toString(), "--spool", spool.toString(), "--fifo", fifo.toString(), "--heartbeat", "0s"};

        ServerProcess loghost = ServerProcess.start(data, dir.resolve("loghost.err"), knownHosts, port);
        running.add(loghost);
        startRsyslog(fifo, socket);
        ForwarderProcess fwd = ForwarderProcess.start(null, dir.resolve("forward.err"), fwdArgs);
        running.add(fwd);
        fwd.awaitLog("fifo-wait");

        burst(socket, "one", 10_000);
        assertEquals(10_000, awaitStored(data, 10_000).size());
        assertSameLines(expectedBurst("one"), awaitStored(data, 10_000));

        // The loghost goes down: syslog is never blocked, the forwarder keeps reading into its spool.
        loghost.close();
        // That syslog never blocks is the subject: a bound on each logger call, scaled like every wait.
        double bound = Await.scaled(java.time.Duration.ofSeconds(5)).toMillis() / 1000.0;
        double took = burst(socket, "two", 10_000);
        assertTrue(took < bound, "logger blocked for " + took + " s");
        awaitSpoolSettled(spool);
        // The forwarder restarts while the loghost is still down; its spool survives. (It restarts while syslog
        // is idle: ompipe retries a message whose write found no reader after later ones, so a reader that
        // vanishes mid-send makes rsyslog itself reorder or repeat lines. README, "Forward from a host".)
        fwd.kill();
        fwd = ForwarderProcess.start(null, dir.resolve("forward2.err"), fwdArgs);
        running.add(fwd);
        fwd.awaitLog("fifo-wait");
        took = burst(socket, "three", 10_000);
        assertTrue(took < bound, "logger blocked for " + took + " s");
        awaitSpoolSettled(spool);

        running.add(ServerProcess.start(data, dir.resolve("loghost.err"), knownHosts, port));
        List<String> expected = new ArrayList<>();
        for (String b : List.of("one", "two", "three")) {
            for (int i = 1; i <= 10_000; i++) {
                expected.add(b + " message " + i);
            }
        }
        assertSameLines(expected, awaitStored(data, 30_000));
        assertEquals(0, Cli.run(data, "verify").exit());
    }
}
