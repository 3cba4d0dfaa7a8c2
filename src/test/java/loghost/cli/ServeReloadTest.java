package loghost.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import loghost.testing.Await;
import loghost.testing.Cli;
import loghost.testing.HostRecords;
import loghost.testing.KeyGen;
import loghost.testing.Run;
import loghost.testing.ServerProcess;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code serve} as an operator runs it: SIGHUP reloads without stopping; a demo key left enrolled is shouted about. */
class ServeReloadTest {

    @TempDir
    Path dir;

    private final List<ServerProcess> servers = new ArrayList<>();
    private final List<Process> clients = new ArrayList<>();

    @AfterEach
    void stopAll() throws InterruptedException {
        for (Process p : clients) {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        }
        for (ServerProcess s : servers) {
            s.close();
        }
    }

    private ServerProcess start(String... serveArgs) throws Exception {
        ServerProcess s = ServerProcess.startWith(dir.resolve("data"), dir.resolve("stderr.txt"),
                dir.resolve("known_hosts"), serveArgs);
        servers.add(s);
        return s;
    }

    private static void stop(ServerProcess s) throws Exception {
        s.process().destroy();
        assertTrue(s.process().waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, s.process().exitValue(), s::stderr);
    }

    private static void hup(ServerProcess s) throws Exception {
        Run.Result r = Run.run("kill", "-HUP", String.valueOf(s.process().pid()));
        assertEquals(0, r.exit(), r::toString);
    }

    private static void await(String what, BooleanSupplier condition) throws Exception {
        Await.until(() -> what, condition::getAsBoolean);
    }

    private boolean audited(String fragment) {
        try {
            return HostRecords.read(dir.resolve("data"), "_loghost").stream().anyMatch(r -> r.text().contains(fragment));
        } catch (java.io.IOException e) {
            return false;
        }
    }

    private Process openSession(ServerProcess s, Path key) throws Exception {
        Process p = new ProcessBuilder(s.appendCommand(key)).start();
        clients.add(p);
        p.getOutputStream().write("hello\n".getBytes(StandardCharsets.US_ASCII));
        p.getOutputStream().flush();
        return p;
    }

    @Test
    void demoKeyLeftEnrolledIsWarnedAboutAtEveryStartUntilRevoked() throws Exception {
        ServerProcess demo = start("--demo");
        String fp = KeyGen.fingerprint(Path.of("keys-example/demo_ed25519.pub"));
        await("demo-mode warning", () -> demo.stderr().contains("WARN  ServeCommand demo-mode key=" + fp
                + " host=demo: for trying out only"));
        stop(demo);

        for (int i = 0; i < 2; i++) {
            ServerProcess plain = start();
            String warning = "WARN  ServeCommand demo-key-enrolled key=" + fp + " host=demo: the demo key's private"
                    + " half is public, anyone can write as 'demo'; remove it with: loghost revoke " + fp;
            int before = count(Files.readString(dir.resolve("stderr.txt")), warning);
            stop(plain);
            assertEquals(i + 1, count(Files.readString(dir.resolve("stderr.txt")), warning), "one line per start");
            assertTrue(before >= i + 1, "warned by the time it listens");
        }

        assertEquals(0, Cli.run(dir.resolve("data"), "revoke", fp).exit());
        ServerProcess revoked = start();
        stop(revoked);
        assertEquals(2, count(Files.readString(dir.resolve("stderr.txt")), "demo-key-enrolled"), "no warning after revoke");
    }

    private static int count(String text, String fragment) {
        return (int) text.lines().filter(l -> l.contains(fragment)).count();
    }

    @Test
    void sighupAppliesLiveSettingsToOpenSessionsAndNamesWhatNeedsARestart() throws Exception {
        Path conf = dir.resolve("loghost.conf");
        Files.writeString(conf, "loghost.ssh.idle-timeout = 10m\n");
        Path key = KeyGen.generate(dir, "web01", "ed25519");
        assertEquals(0, Cli.run(dir.resolve("data"), "enroll", "web01", KeyGen.pub(key).toString()).exit());
        ServerProcess s = start("--config", conf.toString());
        Process idle = openSession(s, key);
        await("session", () -> audited("session-start host=web01"));
        assertFalse(idle.waitFor(3, TimeUnit.SECONDS), "idle session kept with a 10m idle timeout");

        Files.writeString(conf, "loghost.ssh.idle-timeout = 2s\nloghost.ssh.max-sessions-per-host = 2\n");
        hup(s);
        await("reload log line", () -> s.stderr().contains("INFO  ServeCommand config-reloaded changed=ssh.idle-timeout"
                + " needs-restart=ssh.max-sessions-per-host (enrolled keys re-read)"));
        assertTrue(idle.waitFor(60, TimeUnit.SECONDS), "open idle session closed under the new idle timeout");
        await("audit record", () -> audited("config-reloaded changed=ssh.idle-timeout"
                + " needs-restart=ssh.max-sessions-per-host"));
        assertTrue(s.process().isAlive(), "SIGHUP never stops the server");
        stop(s);
    }

    @Test
    void sighupRereadsEnrolledKeysAtOnce() throws Exception {
        Path conf = dir.resolve("loghost.conf");
        Files.writeString(conf, "loghost.ssh.keys-reload-interval = 10m\n");
        Path key = KeyGen.generate(dir, "web01", "ed25519");
        assertEquals(0, Cli.run(dir.resolve("data"), "enroll", "web01", KeyGen.pub(key).toString()).exit());
        ServerProcess s = start("--config", conf.toString());
        Process open = openSession(s, key);
        await("session", () -> audited("session-start host=web01"));

        assertEquals(0, Cli.run(dir.resolve("data"), "revoke", "web01").exit());
        assertFalse(open.waitFor(3, TimeUnit.SECONDS), "no sweep for 10m: still open before SIGHUP");
        hup(s);
        assertTrue(open.waitFor(30, TimeUnit.SECONDS), "revoked key's session closed on SIGHUP");
        await("closed as revoked", () -> s.stderr().contains("refused reason=revoked-session-closed"));
        stop(s);
    }

    @Test
    void aBadConfigOnSighupIsLoggedAndTheServerKeepsServing() throws Exception {
        Path conf = dir.resolve("loghost.conf");
        Files.writeString(conf, "loghost.audit.refusals-per-second = 20\n");
        Path key = KeyGen.generate(dir, "web01", "ed25519");
        assertEquals(0, Cli.run(dir.resolve("data"), "enroll", "web01", KeyGen.pub(key).toString()).exit());
        ServerProcess s = start("--config", conf.toString());

        Files.writeString(conf, "loghost.audit {\n  refusals-per-second = = 5\n}\n");
        hup(s);
        await("failure line", () -> s.stderr().contains("ERROR ServeCommand config-reload-failed reason=\"config file "
                + conf + " line 2: "));
        assertTrue(s.stderr().lines().anyMatch(l -> l.contains("config-reload-failed")
                && l.endsWith(": keeping the settings in force")), s::stderr);

        Path in = dir.resolve("in");
        Files.writeString(in, "still serving\n");
        Run.Result r = Run.run(s.appendCommand(key), in, null, 60);
        assertEquals(0, r.exit(), r::toString);
        assertFalse(audited("config-reloaded"), "nothing reloaded");
        stop(s);
    }
}
