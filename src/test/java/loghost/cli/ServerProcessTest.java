package loghost.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import loghost.testing.Await;
import loghost.testing.HostRecords;
import loghost.testing.KeyGen;
import loghost.testing.Run;
import loghost.testing.ServerProcess;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The server as its own process, as an operator runs it: first start, kill -9 mid-stream, torn tail, restart. */
class ServerProcessTest {

    @TempDir
    Path dir;

    private final List<ServerProcess> processes = new ArrayList<>();
    private final List<Process> clients = new ArrayList<>();

    @AfterEach
    void killAll() throws InterruptedException {
        for (ServerProcess p : processes) {
            p.close();
        }
        for (Process p : clients) {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        }
    }

    private ServerProcess startServer(Path data, Path stderr) throws Exception {
        ServerProcess p = ServerProcess.start(data, stderr, dir.resolve("known_hosts"));
        processes.add(p);
        return p;
    }

    private static Run.Result cli(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(new PrintWriter(out), new PrintWriter(err), args);
        return new Run.Result(code, out.toString(), err.toString());
    }

    @Test
    void firstStartGeneratesAnOpenSshHostKeyAndPrintsItsFingerprint() throws Exception {
        Path data = dir.resolve("data");
        ServerProcess s = startServer(data, dir.resolve("stderr.txt"));
        String fp = KeyGen.fingerprint(data.resolve("ssh_host_ed25519_key.pub"));
        assertEquals("host key " + fp + " (ED25519) in " + data.resolve("ssh_host_ed25519_key.pub"),
                s.hostKeyLine());
        // ssh-keygen reads the private key file too: it is in OpenSSH's own format.
        Run.Result r = Run.run("ssh-keygen", "-y", "-f", data.resolve("ssh_host_ed25519_key").toString());
        assertEquals(0, r.exit(), r::toString);
        assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(
                Files.getPosixFilePermissions(data.resolve("ssh_host_ed25519_key"))));

        // A second start keeps the same key.
        s.process().destroy();
        assertTrue(s.process().waitFor(30, TimeUnit.SECONDS));
        ServerProcess again = startServer(data, dir.resolve("stderr2.txt"));
        assertEquals(s.hostKeyLine(), again.hostKeyLine());
    }

    @Test
    void killMinus9MidStreamThenTornTailIsRepairedAtRestartAndTheChainContinues() throws Exception {
        Path data = dir.resolve("data");
        Path stderr = dir.resolve("server-stderr.txt");
        ServerProcess s = startServer(data, stderr);
        Path key = KeyGen.generate(dir, "web01", "ed25519");
        assertEquals(0, cli("enroll", "--data", data.toString(), "web01", KeyGen.pub(key).toString()).exit());

        Process client = new ProcessBuilder(s.appendCommand(key)).redirectError(dir.resolve("ssh-err.txt").toFile())
                .start();
        clients.add(client);
        Thread writer = new Thread(() -> {
            try (OutputStream out = client.getOutputStream()) {
                for (int i = 1; i <= 5_000_000; i++) {
                    out.write(("line " + i + " of a stream that is cut by kill -9\n").getBytes(StandardCharsets.US_ASCII));
                }
            } catch (IOException expected) {
                // The pipe breaks when ssh dies with the server.
            }
        });
        writer.setDaemon(true);
        writer.start();
        // Killed at a measured point: 3 MB stored, read from the file.
        Path file = Await.until(() -> "3 MB stored", () -> {
            List<Path> files = HostRecords.files(data, "web01");
            return !files.isEmpty() && Files.size(files.get(0)) > 3_000_000 ? files.get(0) : null;
        }, java.util.Objects::nonNull);
        s.process().destroyForcibly(); // SIGKILL: no shutdown hook, no final sync
        assertTrue(s.process().waitFor(10, TimeUnit.SECONDS));
        assertTrue(client.waitFor(30, TimeUnit.SECONDS));
        assertEquals(255, client.exitValue());

        // What was stored is exactly a prefix of what was sent: in order, nothing altered, nothing skipped.
        List<HostRecords.Rec> recs = HostRecords.read(data, "web01");
        assertTrue(recs.size() > 10_000, "records: " + recs.size());
        for (int i = 0; i < recs.size(); i++) {
            assertEquals("line " + (i + 1) + " of a stream that is cut by kill -9", recs.get(i).text());
        }
        // SIGKILL can cut a large write(2) short (the kernel stops at a page boundary when a fatal signal is
        // pending), so the file may already end in a torn line. If it does not, make one as a power loss would.
        byte[] bytes = Files.readAllBytes(file);
        int lastLf = bytes.length - 1;
        while (bytes[lastLf] != '\n') {
            lastLf--;
        }
        long torn = bytes.length - lastLf - 1;
        Run.Result v = cli("verify", "--data", data.toString());
        if (torn == 0) {
            assertEquals(0, v.exit(), v::toString);
            String partial = (recs.size() + 1) + " 2026-11-24T00:00:00.000Z log s=1 0123";
            Files.writeString(file, partial, StandardCharsets.US_ASCII, StandardOpenOption.APPEND);
            torn = partial.length();
            v = cli("verify", "--data", data.toString());
        }
        assertEquals(1, v.exit(), v::toString);
        assertTrue(v.stdout().lines().filter(l -> l.startsWith("verify: FAIL: ")).findFirst().orElse("")
                .startsWith("verify: FAIL: hosts/web01/" + file.getFileName() + ":" + (recs.size() + 2)
                + ": incomplete final line"), v::toString);

        ServerProcess restarted = startServer(data, stderr);
        String log = restarted.stderr();
        assertTrue(log.contains("torn-tail host=web01 file=" + file.getFileName() + " truncated=" + torn
                + " bytes"), log);
        v = cli("verify", "--data", data.toString());
        assertEquals(0, v.exit(), v::toString);
        long repaired = torn;
        assertTrue(HostRecords.read(data, "_loghost").stream().anyMatch(a -> a.text().equals(
                "torn-tail-repaired host=web01 bytes=" + repaired)), "repair not in the audit trail");

        Path more = dir.resolve("more.txt");
        Files.writeString(more, "after restart 1\nafter restart 2\n");
        Run.Result r = Run.run(restarted.appendCommand(key), more, Map.of(), 60);
        assertEquals(0, r.exit(), r::toString);
        List<HostRecords.Rec> after = HostRecords.read(data, "web01");
        assertEquals(recs.size() + 2, after.size());
        assertEquals(recs.size() + 1, after.get(recs.size()).seq());
        assertEquals("after restart 2", after.get(after.size() - 1).text());
        v = cli("verify", "--data", data.toString());
        assertEquals(0, v.exit(), v::toString);
        HostRecords.verifyCounting(data, "web01", after.size());
    }

    private static List<String> auditTexts(Path data) throws IOException {
        return HostRecords.read(data, "_loghost").stream().filter(r -> r.type().equals("audit"))
                .map(HostRecords.Rec::text).toList();
    }

    @Test
    void sigtermStopsCleanlyWithExitZeroAfterTheLastSyncAndAServerStopRecord() throws Exception {
        Path data = dir.resolve("data");
        ServerProcess s = startServer(data, dir.resolve("stderr.txt"));
        Path key = KeyGen.generate(dir, "k", "ed25519");
        assertEquals(0, cli("enroll", "--data", data.toString(), "web01", KeyGen.pub(key).toString()).exit());
        Path in = dir.resolve("in");
        Files.writeString(in, "before the stop\n");
        Run.Result r = Run.run(s.appendCommand(key), in, Map.of(), 60);
        assertEquals(0, r.exit(), r::toString);

        s.process().destroy(); // SIGTERM, as systemd stops a service
        assertTrue(s.process().waitFor(60, TimeUnit.SECONDS), "server did not stop on SIGTERM");
        assertEquals(0, s.process().exitValue(), s::stderr);
        assertTrue(s.stderr().contains("stopped: all logs synced and closed"), s::stderr);
        List<String> audit = auditTexts(data);
        assertEquals("server-stop", audit.get(audit.size() - 1), audit::toString);
        assertEquals(List.of("before the stop"), HostRecords.read(data, "web01").stream()
                .map(HostRecords.Rec::text).toList());
    }

    @Test
    void serverStartRecordCarriesTheBoundPort() throws Exception {
        Path data = dir.resolve("data");
        ServerProcess s = startServer(data, dir.resolve("stderr.txt"));
        List<String> starts = Await.whileProgressing(
                () -> auditTexts(data).stream().filter(t -> t.startsWith("server-start ")).toList(), l -> !l.isEmpty());
        assertEquals(1, starts.size(), starts::toString);
        assertTrue(starts.get(0).endsWith(" listen=127.0.0.1:" + s.port()), starts.get(0));
    }

    @Test
    void addressInUseIsOneErrorLineAndNoServerStartRecord() throws Exception {
        Path data = dir.resolve("data");
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1,
                java.net.InetAddress.getByName("127.0.0.1"))) {
            Run.Result r = Run.run(List.of("java", "-cp", System.getProperty("java.class.path"), "loghost.cli.Main",
                    "serve", "--data", data.toString(), "--listen", "127.0.0.1:" + taken.getLocalPort()), null,
                    Map.of(), 120);
            assertEquals(1, r.exit(), r::toString);
            List<String> errors = r.stderr().lines().filter(l -> l.startsWith("loghost: error: ")).toList();
            assertEquals(1, errors.size(), r::toString);
            assertTrue(errors.get(0).contains("127.0.0.1:" + taken.getLocalPort()), errors.get(0));
            // No stack trace (MINA's acceptor logs one ERROR line of its own, as an operator log line).
            assertTrue(r.stderr().lines().noneMatch(l -> l.startsWith("\tat ") || l.startsWith("Caused by")),
                    r::toString);
        }
        assertTrue(auditTexts(data).stream().noneMatch(t -> t.startsWith("server-start")), () -> {
            try {
                return auditTexts(data).toString();
            } catch (IOException e) {
                return e.toString();
            }
        });
    }
}
