package loghost.ssh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import loghost.testing.CapturedLog;
import loghost.testing.HostRecords;
import loghost.testing.KeyGen;
import loghost.testing.Run;
import loghost.testing.TestServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** enroll and revoke reach a running server within seconds, without a restart. */
class RevocationTest {

    @TempDir
    Path dir;

    @Test
    void enrollAndRevokeApplyToARunningServer() throws Exception {
        try (TestServer server = new TestServer(dir, ""); CapturedLog log = new CapturedLog()) {
            Path key = KeyGen.generate(dir, "k", "ed25519");
            Path in = dir.resolve("in");
            Files.writeString(in, "hello\n");
            assertEquals(255, server.append(key, in).exit(), "not enrolled yet");

            server.enroll("web01", key);
            assertEquals(0, server.append(key, in).exit(), "enrolled: works without restart");

            Process open = new ProcessBuilder(server.sshCommand(key, "-T", "log@127.0.0.1", "append-log")).start();
            OutputStream stdin = open.getOutputStream();
            stdin.write("written before revoke\n".getBytes(StandardCharsets.US_ASCII));
            stdin.flush();
            assertNotNull(log.await(Duration.ofSeconds(10), "session-start host=web01"));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (HostRecords.read(server.data(), "web01").size() < 2 && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }

            Run.Result r = server.cli("revoke", "web01");
            assertEquals(0, r.exit(), r::toString);
            long revokedAt = System.nanoTime();

            // The open session is closed by the server within a few seconds (reload interval 2s)...
            assertTrue(open.waitFor(6, TimeUnit.SECONDS), "open session of a revoked key still running");
            assertNotNull(log.await(Duration.ofSeconds(1), "refused reason=revoked-session-closed", "host=web01"));
            assertTrue(System.nanoTime() - revokedAt < TimeUnit.SECONDS.toNanos(6));
            // ...and new sessions are refused at once.
            r = server.append(key, in);
            assertEquals(255, r.exit(), r::toString);
            assertTrue(r.stderr().contains("Permission denied (publickey)"), r::toString);

            assertEquals(List.of("hello", "written before revoke"), HostRecords.read(server.data(), "web01").stream()
                    .map(HostRecords.Rec::text).toList());
            assertEquals(0, server.cli("verify").exit());
        }
    }

    @Test
    void invalidKeysFileAdmitsNobodyUntilFixed() throws Exception {
        try (TestServer server = new TestServer(dir, ""); CapturedLog log = new CapturedLog()) {
            Path key = KeyGen.generate(dir, "k", "ed25519");
            server.enroll("web01", key);
            Path file = server.data().resolve("enrolled_keys");
            String good = Files.readString(file);
            Files.writeString(file, good + "this is not a key line\n");
            Path in = dir.resolve("in");
            Files.writeString(in, "x\n");
            Run.Result r = server.append(key, in);
            assertEquals(255, r.exit(), r::toString);
            assertNotNull(log.await(Duration.ofSeconds(2), "keys-invalid"));
            assertNotNull(log.await(Duration.ofSeconds(2), "refused reason=keys-unavailable"));

            Files.writeString(file, good);
            assertEquals(0, server.append(key, in).exit());
        }
    }
}
