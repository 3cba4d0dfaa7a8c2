package loghost.ssh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import loghost.testing.CapturedLog;
import loghost.testing.ForwarderProcess;
import loghost.testing.HostRecords;
import loghost.testing.KeyGen;
import loghost.testing.Run;
import loghost.testing.TestServer;
import loghost.testing.Tmpfs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A full disk, for real: a 1 MiB tmpfs mounted as one host's log directory. */
class DiskFullTest {

    @TempDir
    Path dir;

    private static void sh(String... cmd) throws Exception {
        Run.Result r = Run.run(cmd);
        assertEquals(0, r.exit(), () -> String.join(" ", cmd) + ": " + r);
    }

    private Path lines(String name, String prefix, int n) throws Exception {
        StringBuilder b = new StringBuilder();
        for (int i = 1; i <= n; i++) {
            b.append(prefix).append(' ').append(i).append(" padding to make the line about a hundred bytes long ....")
                    .append('\n');
        }
        Path p = dir.resolve(name);
        Files.writeString(p, b);
        return p;
    }

    // The exit status and stderr line of a session refused on a full disk; returns the SEQ it says is stored.
    private static long refusedAfter(Run.Result r) {
        assertEquals(74, r.exit(), r::toString);
        Matcher m = Pattern.compile("loghost: error: the loghost could not store your lines; records up to seq"
                + " (\\d+) are stored\n").matcher(r.stderr());
        assertTrue(m.matches(), r::toString);
        return Long.parseLong(m.group(1));
    }

    @Test
    void fullDiskRefusesThatHostCleanlyKeepsServingOthersAndResumes() throws Exception {
        try (TestServer server = new TestServer(dir, ""); CapturedLog log = new CapturedLog()) {
            Path full = server.data().resolve("hosts/web01");
            Files.createDirectory(full, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            sh("mount", "-t", "tmpfs", "-o", "size=1m,mode=0700", "loghost-test", full.toString());
            try {
                Path web01 = KeyGen.generate(dir, "web01", "ed25519");
                Path web02 = KeyGen.generate(dir, "web02", "ed25519");
                server.enroll("web01", web01);
                server.enroll("web02", web02);

                Run.Result r = server.append(web01, lines("big", "web01", 20_000));
                long stored = refusedAfter(r);
                log.awaitLine("storage-error host=web01",
                        "No space left on device");

                // No partial record: the file ends with the last whole record, and every chain verifies.
                List<HostRecords.Rec> recs = HostRecords.read(server.data(), "web01");
                assertEquals(stored, recs.size());
                byte[] bytes = Files.readAllBytes(HostRecords.files(server.data(), "web01").get(0));
                assertEquals('\n', bytes[bytes.length - 1]);
                assertEquals(0, server.cli("verify").exit(), server.cli("verify")::toString);

                // Other hosts, on a disk with space, go on logging.
                assertEquals(0, server.append(web02, lines("other", "web02", 1000)).exit());
                // web01 is refused again while its disk stays full. The refused write of the first session was
                // taken back, so some of these lines may fit in the space it freed: the refusal says how many,
                // and they are the first ones, in order.
                long storedAgain = refusedAfter(server.append(web01, lines("again", "web01-again", 20_000)));
                assertTrue(storedAgain >= stored && storedAgain < stored + 20_000, () -> stored + " " + storedAgain);
                recs = HostRecords.read(server.data(), "web01");
                assertEquals(storedAgain, recs.size());
                for (long seq = stored + 1; seq <= storedAgain; seq++) {
                    assertEquals("web01-again " + (seq - stored) + " padding to make the line about a hundred bytes"
                            + " long ....", recs.get((int) seq - 1).text());
                }

                // ...and resumes cleanly when space returns, continuing its chain.
                sh("mount", "-o", "remount,size=16m", full.toString());
                r = server.append(web01, lines("after", "after", 1000));
                assertEquals(0, r.exit(), r::toString);
                recs = HostRecords.read(server.data(), "web01");
                assertEquals(storedAgain + 1000, recs.size());
                assertEquals(storedAgain + 1, recs.get((int) storedAgain).seq());
                assertEquals("after 1 padding to make the line about a hundred bytes long ....",
                        recs.get((int) storedAgain).text());
                assertEquals(0, server.cli("verify").exit());
                assertTrue(HostRecords.read(server.data(), "_loghost").stream()
                        .anyMatch(a -> a.text().startsWith("storage-error host=web01 ")), "audit has the disk-full");
            } finally {
                server.stop();
                Run.run("umount", "-l", full.toString());
            }
        }
    }

    @Test
    void aDayFileThatCouldNotBeCreatedOnAFullDiskIsCreatedOnceSpaceReturnsWithoutARestart() throws Exception {
        try (TestServer server = new TestServer(dir, "")) {
            Path hostDir = server.data().resolve("hosts/web01");
            try (Tmpfs disk = Tmpfs.mount(hostDir, "1m")) {
                Path web01 = KeyGen.generate(dir, "web01", "ed25519");
                server.enroll("web01", web01);
                Path filler = disk.fill("filler");

                // The host's first day file cannot be created: refused, and nothing half-made is left behind.
                Run.Result r = server.append(web01, lines("first", "first", 10));
                assertEquals(74, r.exit(), r::toString);
                try (var s = Files.list(hostDir)) {
                    assertEquals(List.of("filler"), s.map(p -> p.getFileName().toString()).toList());
                }

                Files.delete(filler);
                r = server.append(web01, lines("second", "second", 10));
                assertEquals(0, r.exit(), r::toString);
                List<HostRecords.Rec> recs = HostRecords.read(server.data(), "web01");
                assertEquals(10, recs.size());
                assertEquals(1, recs.get(0).seq());
                assertEquals("second 1 padding to make the line about a hundred bytes long ....", recs.get(0).text());
                Run.Result v = server.cli("verify");
                assertEquals(0, v.exit(), v::toString);
            } finally {
                server.stop();
            }
        }
    }

    @Test
    void aForwarderBlockedByAFullDiskAtDayFileCreationDeliversEverythingOnceSpaceReturns() throws Exception {
        try (TestServer server = new TestServer(dir, ""); CapturedLog log = new CapturedLog()) {
            Path hostDir = server.data().resolve("hosts/web01");
            try (Tmpfs disk = Tmpfs.mount(hostDir, "1m")) {
                Path key = KeyGen.generate(dir, "web01", "ed25519");
                server.enroll("web01", key);
                Path filler = disk.fill("filler");
                StringBuilder in = new StringBuilder();
                for (int i = 1; i <= 50; i++) {
                    in.append("forwarded line ").append(i).append('\n');
                }
                Path stdin = dir.resolve("stdin");
                Files.writeString(stdin, in);
                try (ForwarderProcess fwd = ForwarderProcess.start(stdin, dir.resolve("forward.err"), "--to",
                        "127.0.0.1:" + server.port(), "--key", key.toString(), "--known-hosts",
                        dir.resolve("known_hosts").toString(), "--spool", dir.resolve("spool").toString(),
                        "--stdin")) {
                    log.awaitLine("storage-error host=web01");
                    Files.delete(filler);
                    // Retried by the forwarder (its back-off is capped near 30 s), accepted without a restart.
                    assertEquals(0, fwd.await(120), fwd::stderr);
                }
                List<HostRecords.Rec> recs = HostRecords.read(server.data(), "web01");
                assertEquals(50, recs.stream().filter(r -> r.type().equals("log")).count(), recs::toString);
                try (var s = Files.list(hostDir)) {
                    assertTrue(s.noneMatch(p -> p.getFileName().toString().endsWith(".tmp")), "no .tmp left");
                }
                Run.Result v = server.cli("verify");
                assertEquals(0, v.exit(), v::toString);
            } finally {
                server.stop();
            }
        }
    }
}
