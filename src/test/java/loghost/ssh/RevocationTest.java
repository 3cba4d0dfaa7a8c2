package loghost.ssh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.TimeUnit;
import loghost.testing.Await;
import loghost.testing.CapturedLog;
import loghost.testing.HostRecords;
import loghost.testing.KeyGen;
import loghost.testing.MinaClient;
import loghost.testing.Run;
import loghost.testing.TestServer;
import org.apache.sshd.client.channel.ChannelExec;
import org.apache.sshd.client.session.ClientSession;
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
            log.awaitLine("session-start host=web01");
            Await.until(() -> "2 records stored", () -> HostRecords.read(server.data(), "web01").size() >= 2);

            Run.Result r = server.cli("revoke", "web01");
            assertEquals(0, r.exit(), r::toString);
            long revokedAt = System.nanoTime();

            // The open session is closed by the server within a few seconds (reload interval 2s): a bound, scaled.
            Duration bound = Await.scaled(Duration.ofSeconds(6));
            assertTrue(open.waitFor(bound.toMillis(), TimeUnit.MILLISECONDS),
                    "open session of a revoked key still running");
            log.awaitLine("refused reason=revoked-session-closed", "host=web01");
            assertTrue(System.nanoTime() - revokedAt < bound.toNanos());
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
            log.awaitLine("keys-invalid");
            log.awaitLine("refused reason=keys-unavailable");

            Files.writeString(file, good);
            assertEquals(0, server.append(key, in).exit());
        }
    }

    private static List<String> stored(TestServer server) throws Exception {
        return HostRecords.read(server.data(), "web01").stream().map(HostRecords.Rec::text).toList();
    }

    private static void awaitStored(TestServer server, int count) throws Exception {
        assertEquals(count, Await.whileProgressing(() -> stored(server), got -> got.size() >= count).size());
    }

    private static boolean awaitClosed(ClientSession session, Duration timeout) {
        session.waitFor(EnumSet.of(ClientSession.ClientSessionEvent.CLOSED), timeout);
        return session.isClosed();
    }

    @Test
    void closingOneOfTwoChannelsDoesNotHideTheOtherFromRevocation() throws Exception {
        try (TestServer server = new TestServer(dir, ""); CapturedLog log = new CapturedLog();
                MinaClient client = new MinaClient(server.data())) {
            Path key = KeyGen.generate(dir, "k", "ed25519");
            server.enroll("web01", key);
            ClientSession session = client.login(server.port(), key);
            ChannelExec first = MinaClient.exec(session, "append-log");
            ChannelExec second = MinaClient.exec(session, "append-log");
            MinaClient.writeLine(first, "first channel");
            MinaClient.writeLine(second, "second channel");
            awaitStored(server, 2);
            first.getInvertedIn().close();
            assertEquals(0, MinaClient.awaitExit(first, Duration.ofSeconds(15)));

            assertEquals(0, server.cli("revoke", "web01").exit());
            // keys-reload-interval is 2s: the connection, and with it the second channel, ends within a few.
            assertTrue(awaitClosed(session, Await.scaled(Duration.ofSeconds(8))), "connection of a revoked key still open");
            log.awaitLine("refused reason=revoked-session-closed", "host=web01");
            try {
                MinaClient.writeLine(second, "after revoke");
            } catch (java.io.IOException closed) {
                // expected: the channel is gone
            }
            Thread.sleep(500);
            // Two channels write concurrently: their order in the log is not defined.
            assertEquals(List.of("first channel", "second channel"), stored(server).stream().sorted().toList());
        }
    }

    @Test
    void idleAuthenticatedConnectionIsClosedWhenTheKeyIsRevoked() throws Exception {
        try (TestServer server = new TestServer(dir, ""); CapturedLog log = new CapturedLog();
                MinaClient client = new MinaClient(server.data())) {
            Path key = KeyGen.generate(dir, "k", "ed25519");
            server.enroll("web01", key);
            ClientSession session = client.login(server.port(), key);
            assertEquals(0, server.cli("revoke", "web01").exit());
            assertTrue(awaitClosed(session, Await.scaled(Duration.ofSeconds(8))),
                    "authenticated connection of a revoked key open");
            log.awaitLine("refused reason=revoked-session-closed", "host=web01");
            assertEquals(List.of(), stored(server));
        }
    }

    @Test
    void keyIsCheckedAgainWhenEachCommandStarts() throws Exception {
        // A reload interval far beyond the test: only the check at command start can notice the revocation.
        try (TestServer server = new TestServer(dir, "loghost.ssh.keys-reload-interval = 1h");
                CapturedLog log = new CapturedLog(); MinaClient client = new MinaClient(server.data())) {
            Path key = KeyGen.generate(dir, "k", "ed25519");
            server.enroll("web01", key);
            ClientSession session = client.login(server.port(), key);
            assertEquals(0, server.cli("revoke", "web01").exit());
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            ChannelExec ch = MinaClient.exec(session, "append-log", err);
            MinaClient.writeLine(ch, "after revoke");
            ch.getInvertedIn().close();
            assertEquals(77, MinaClient.awaitExit(ch, Duration.ofSeconds(15)));
            assertEquals("loghost: refused: this key is no longer enrolled for host web01\n",
                    err.toString(StandardCharsets.UTF_8));
            log.awaitLine("refused reason=revoked-key", "host=web01");
            assertEquals(List.of(), stored(server));
        }
    }

    @Test
    void aRevokedKeyTryingAgainIsRefusedAsRevokedNotAsUnknown() throws Exception {
        try (TestServer server = new TestServer(dir, ""); CapturedLog log = new CapturedLog()) {
            Path key = KeyGen.generate(dir, "k", "ed25519");
            String fp = KeyGen.fingerprint(KeyGen.pub(key));
            server.enroll("web01", key);
            Path in = dir.resolve("in");
            Files.writeString(in, "x\n");
            assertEquals(0, server.append(key, in).exit());
            assertEquals(0, server.cli("revoke", "web01").exit());
            // The server has seen the revocation (its sweep reloads the file every 2s).
            Await.until(() -> "key-revoked in the audit trail", () -> HostRecords.read(server.data(), "_loghost")
                    .stream().anyMatch(rec -> rec.text().startsWith("key-revoked host=web01")));
            Run.Result r = server.append(key, in);
            assertEquals(255, r.exit(), r::toString);
            log.awaitLine("refused reason=revoked-key", "key=" + fp,
                    "revoked-host=web01");
            assertTrue(log.lines().stream().noneMatch(l -> l.contains("reason=no-matching-key")),
                    () -> String.join("\n", log.lines()));
        }
    }
}
