package loghost.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import loghost.store.DigestAlgorithm;
import loghost.store.LineBatch;
import loghost.store.LogStore;
import loghost.store.RecordType;
import loghost.testing.Cli;
import loghost.testing.KeyGen;
import loghost.testing.Run;
import loghost.testing.ServerProcess;
import loghost.testing.Stores;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** verify never says OK about logs that are not there: a wrong --data, no hosts, a host whose logs are gone. */
class VerifyDataDirectoryTest {

    @TempDir
    Path dir;

    @Test
    void aDataDirectoryThatDoesNotExistIsAnError() {
        Path data = dir.resolve("typo");
        Run.Result r = Cli.run(data, "verify");
        assertEquals(1, r.exit(), r::toString);
        assertEquals("", r.stdout());
        assertEquals("loghost: error: no such data directory: " + data + "\n", r.stderr());
    }

    @Test
    void noHostLogsFailsUnlessAllowedEmpty() throws Exception {
        Path data = dir.resolve("data");
        Files.createDirectories(data.resolve("hosts"), PosixFilePermissions.asFileAttribute(
                PosixFilePermissions.fromString("rwx------")));
        Run.Result r = Cli.run(data, "verify");
        assertEquals(1, r.exit(), r::toString);
        assertEquals("verify: FAIL: hosts: no host logs (a fresh install: --allow-empty)\n"
                + "verify: FAILED: 1 problem (0 hosts, 0 files, 0 records checked)\n", r.stdout());

        Run.Result allowed = Cli.run(data, "verify", "--allow-empty");
        assertEquals(0, allowed.exit(), allowed::toString);
        assertEquals("verify: note: hosts: no host logs: no host has logged yet (--allow-empty)\n"
                + "verify: OK: 0 hosts, 0 files, 0 records\n", allowed.stdout());

        Path fresh = dir.resolve("fresh");
        Files.createDirectories(fresh, PosixFilePermissions.asFileAttribute(
                PosixFilePermissions.fromString("rwx------")));
        assertEquals("verify: FAIL: hosts: missing\nverify: FAILED: 1 problem (0 hosts, 0 files, 0 records checked)\n",
                Cli.run(fresh, "verify").stdout());
        Run.Result freshAllowed = Cli.run(fresh, "verify", "--allow-empty");
        assertEquals(0, freshAllowed.exit(), freshAllowed::toString);
        assertEquals("verify: note: hosts: missing: no host has logged yet (--allow-empty)\n"
                + "verify: OK: 0 hosts, 0 files, 0 records\n", freshAllowed.stdout());
    }

    @Test
    void enrolledHostWithoutLogsWarnsAndAHostSeenBeforeWhoseLogsAreGoneFails() throws Exception {
        Path data = dir.resolve("data");
        Path web = KeyGen.generate(dir, "web01", "ed25519");
        Path db = KeyGen.generate(dir, "db01", "ed25519");
        assertEquals(0, Cli.run(data, "enroll", "web01", KeyGen.pub(web).toString()).exit());
        assertEquals(0, Cli.run(data, "enroll", "db01", KeyGen.pub(db).toString()).exit());
        try (ServerProcess s = ServerProcess.start(data, dir.resolve("stderr.txt"), dir.resolve("known_hosts"))) {
            Path in = dir.resolve("in");
            Files.writeString(in, "hello\n");
            Run.Result sent = Run.run(s.appendCommand(web), in, null, 60);
            assertEquals(0, sent.exit(), sent::toString);
            s.process().destroy();
            assertTrue(s.process().waitFor(60, TimeUnit.SECONDS));
        }

        Run.Result r = Cli.run(data, "verify");
        assertEquals(0, r.exit(), r::toString);
        List<String> lines = r.stdout().lines().toList();
        assertEquals("verify: warning: hosts/db01: enrolled in enrolled_keys but no log directory"
                + " (it may not have logged yet)", lines.get(0), r::stdout);
        assertTrue(lines.get(1).startsWith("verify: OK: 2 hosts, "), r::stdout);

        try (Stream<Path> walk = Files.walk(data.resolve("hosts/web01"))) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
        Run.Result gone = Cli.run(data, "verify");
        assertEquals(1, gone.exit(), gone::toString);
        assertTrue(gone.stdout().contains("verify: FAIL: hosts/web01: the audit trail shows sessions of this host"
                + " but its log directory is missing\n"), gone::stdout);
        assertTrue(gone.stdout().endsWith("verify: FAILED: 1 problem (1 host, 1 file, " + recordsOf(gone.stdout())
                + " checked)\n"), gone::stdout);
    }

    private static String recordsOf(String stdout) {
        String last = stdout.lines().reduce((a, b) -> b).orElseThrow();
        return last.substring(last.lastIndexOf(", ") + 2, last.indexOf(" checked)"));
    }

    private List<String> verifyProcess(Path data) {
        return List.of("java", "-cp", System.getProperty("java.class.path"), "loghost.cli.Main", "verify",
                "--data", data.toString());
    }

    @Test
    void progressOnATerminalOnlyOnStderr() throws Exception {
        Path data = dir.resolve("data");
        long t = Instant.parse("2026-11-22T23:59:58Z").toEpochMilli();
        for (int day = 0; day < 2; day++) {
            LogStore store = Stores.open(data.resolve("hosts"), DigestAlgorithm.SHA256,
                    Clock.fixed(Instant.ofEpochMilli(t + day * 5000L), ZoneOffset.UTC));
            LineBatch b = new LineBatch();
            for (int i = 1; i <= 1000; i++) {
                byte[] raw = ("web01 day " + day + " line " + i).getBytes(StandardCharsets.US_ASCII);
                b.add(RecordType.LOG, raw, 0, raw.length);
            }
            store.host("web01").append(b);
            store.close();
        }
        Run.Result piped = Run.run(verifyProcess(data), null, null, 120);
        assertEquals(0, piped.exit(), piped::toString);
        assertEquals("", piped.stderr(), "no progress when stderr is not a terminal");

        // script(1) runs verify on a pseudo-terminal, as an operator at a shell would.
        String cmd = String.join(" ", verifyProcess(data).stream().map(a -> "'" + a + "'").toList());
        Run.Result tty = Run.run(List.of("script", "-qec", cmd, "/dev/null"), null, null, 120);
        assertEquals(0, tty.exit(), tty::toString);
        assertTrue(tty.stdout().matches("(?s).*\r\u001b\\[Kverify: 2/2 files, \\d+ records, \\d+ records/s, ETA \\d+:\\d\\d.*"),
                tty::stdout);
        assertTrue(tty.stdout().contains("verify: OK: 1 host, 2 files"), tty::stdout);
    }
}
