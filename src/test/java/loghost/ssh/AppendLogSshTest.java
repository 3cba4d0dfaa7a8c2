package loghost.ssh;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import loghost.testing.CapturedLog;
import loghost.testing.HostRecords;
import loghost.testing.KeyGen;
import loghost.testing.Run;
import loghost.testing.TestServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Lines piped into the real OpenSSH client arrive complete, in order and byte-identical, in the key's host log. */
class AppendLogSshTest {

    @TempDir
    Path dir;

    private static byte[] syslogLines(int n, String host) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(n * 120);
        for (int i = 1; i <= n; i++) {
            out.writeBytes(String.format("<30>Nov 24 10:%02d:%02d %s app[%d]: request %07d served in %d ms path=/api/v1/items"
                    + "/%d status=200%n", (i / 60) % 60, i % 60, host, 1000 + i % 7, i, i % 97, i * 31 % 100000)
                    .getBytes(StandardCharsets.US_ASCII));
        }
        return out.toByteArray();
    }

    @ParameterizedTest
    @ValueSource(strings = {"ed25519", "ecdsa", "rsa"})
    void stockSshDelivers100000LinesCompleteInOrderAndByteIdentical(String type) throws Exception {
        try (TestServer server = new TestServer(dir, "")) {
            Path key = KeyGen.generate(dir, "web01_" + type, type);
            server.enroll("web01", key);
            byte[] input = syslogLines(100_000, "web01");
            Path in = dir.resolve("in.txt");
            Files.write(in, input);

            Run.Result r = server.append(key, in);
            assertEquals(0, r.exit(), r::toString);
            assertEquals("", r.stderr());

            List<HostRecords.Rec> recs = HostRecords.read(server.data(), "web01");
            assertEquals(100_000, recs.size());
            for (int i = 0; i < recs.size(); i++) {
                assertEquals(i + 1, recs.get(i).seq());
                assertEquals("log", recs.get(i).type());
            }
            assertArrayEquals(input, HostRecords.sessions(recs).get("s=1"));
            assertEquals(0, server.cli("verify").exit(), "every chain, the audit trail's included, holds");
            Run.Result v = server.cli("verify", "--host", "web01");
            assertEquals("verify: OK: 1 host, 1 file, 100000 records\n", v.stdout());
        }
    }

    @Test
    void binaryJunkLongLinesAndAMissingFinalNewlineRoundTripExactly() throws Exception {
        try (TestServer server = new TestServer(dir, "loghost.store.max-line = 4KiB")) {
            Path key = KeyGen.generate(dir, "k", "ed25519");
            server.enroll("web01", key);
            byte[] junk = new byte[1 << 20];
            new Random(1).nextBytes(junk);
            ByteArrayOutputStream input = new ByteArrayOutputStream();
            input.writeBytes(junk);
            input.writeBytes("\n".repeat(3).getBytes(StandardCharsets.US_ASCII));
            input.writeBytes("x".repeat(100_000).getBytes(StandardCharsets.US_ASCII));
            input.writeBytes("\nNUL\0 CR\r ESC\u001b[2J no final newline".getBytes(StandardCharsets.ISO_8859_1));
            Path in = dir.resolve("junk.bin");
            Files.write(in, input.toByteArray());

            Run.Result r = server.append(key, in);
            assertEquals(0, r.exit(), r::toString);
            List<HostRecords.Rec> recs = HostRecords.read(server.data(), "web01");
            assertArrayEquals(input.toByteArray(), HostRecords.sessions(recs).get("s=1"));
            assertEquals("cont", recs.get(recs.size() - 1).type(), "unterminated last line is a final cont record");
            assertTrue(recs.stream().allMatch(x -> x.message().length <= 4096), "no record over max-line");
            for (Path f : HostRecords.files(server.data(), "web01")) {
                for (byte b : Files.readAllBytes(f)) {
                    assertTrue(b == '\n' || (b & 0xff) >= 0x20 && b != 0x7f, "raw control byte on disk: " + b);
                }
            }
            assertEquals(0, server.cli("verify").exit());
        }
    }

    @Test
    void concurrentSessionsOfOneHostNeverInterleaveInsideARecord() throws Exception {
        try (TestServer server = new TestServer(dir, "loghost.store.max-line = 1KiB")) {
            Path key = KeyGen.generate(dir, "k", "ed25519");
            server.enroll("web01", key);
            List<Process> procs = new ArrayList<>();
            List<byte[]> inputs = new ArrayList<>();
            for (int s = 0; s < 4; s++) {
                ByteArrayOutputStream b = new ByteArrayOutputStream();
                for (int i = 0; i < 20_000; i++) {
                    // Every 500th line is longer than max-line, so cont records of sessions could interleave.
                    int len = i % 500 == 0 ? 3000 : 40 + i % 50;
                    String prefix = "session-" + s + " line-" + i + " ";
                    b.writeBytes((prefix + String.valueOf((char) ('a' + s)).repeat(len) + "\n")
                            .getBytes(StandardCharsets.US_ASCII));
                }
                inputs.add(b.toByteArray());
                Path in = dir.resolve("in" + s);
                Files.write(in, b.toByteArray());
                ProcessBuilder pb = new ProcessBuilder(server.sshCommand(key, "-T", "log@127.0.0.1", "append-log"));
                pb.redirectInput(in.toFile());
                pb.redirectErrorStream(true);
                procs.add(pb.start());
            }
            for (Process p : procs) {
                assertTrue(p.waitFor(120, TimeUnit.SECONDS));
                assertEquals(0, p.exitValue(), new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
            }
            Map<String, byte[]> sessions = HostRecords.sessions(HostRecords.read(server.data(), "web01"));
            assertEquals(4, sessions.size());
            List<byte[]> got = new ArrayList<>(sessions.values());
            for (byte[] expected : inputs) {
                assertTrue(got.stream().anyMatch(g -> java.util.Arrays.equals(g, expected)),
                        "a session's stream came back altered");
            }
            assertEquals(0, server.cli("verify").exit());
        }
    }

    @Test
    void hostIdentityComesFromTheKeyAloneNeverFromUserNameArgumentsOrMessage() throws Exception {
        try (TestServer server = new TestServer(dir, ""); CapturedLog log = new CapturedLog()) {
            Path keyA = KeyGen.generate(dir, "a", "ed25519");
            Path keyB = KeyGen.generate(dir, "b", "ed25519");
            server.enroll("web01", keyA);
            server.enroll("web02", keyB);
            Path in = dir.resolve("in");
            Files.writeString(in, "<13>Nov 24 10:00:00 web02 evil: I am web02\n");

            Run.Result r = server.ssh(keyA, in, "-T", "web02@127.0.0.1", "append-log");
            assertEquals(0, r.exit(), r::toString);
            r = server.ssh(keyA, in, "-T", "-l", "web02", "127.0.0.1", "append-log", "--host", "web02");
            assertEquals(77, r.exit(), r::toString);
            assertEquals("loghost: refused: the only command here is append-log\n", r.stderr());

            assertEquals(List.of("<13>Nov 24 10:00:00 web02 evil: I am web02"),
                    HostRecords.read(server.data(), "web01").stream().map(HostRecords.Rec::text).toList());
            assertEquals(List.of(), HostRecords.files(server.data(), "web02"), "host B's log was touched");
            log.awaitLine("session-start host=web01");
        }
    }

    @Test
    void unknownKeyIsDeniedAndLoggedWithReason() throws Exception {
        try (TestServer server = new TestServer(dir, ""); CapturedLog log = new CapturedLog()) {
            Path enrolled = KeyGen.generate(dir, "enrolled", "ed25519");
            Path stranger = KeyGen.generate(dir, "stranger", "ed25519");
            server.enroll("web01", enrolled);
            Run.Result r = server.ssh(stranger, null, "-T", "log@127.0.0.1", "append-log");
            assertEquals(255, r.exit(), r::toString);
            assertTrue(r.stderr().contains("Permission denied (publickey)"), r::toString);
            log.awaitLine("refused reason=no-matching-key",
                    "key=" + KeyGen.fingerprint(KeyGen.pub(stranger)));
        }
    }

    @Test
    void passwordAndKeyboardInteractiveAreNotOffered() throws Exception {
        try (TestServer server = new TestServer(dir, "")) {
            Path key = KeyGen.generate(dir, "k", "ed25519");
            server.enroll("web01", key);
            Run.Result r = server.ssh(key, null, "-o", "PreferredAuthentications=password,keyboard-interactive",
                    "-T", "log@127.0.0.1", "append-log");
            assertEquals(255, r.exit(), r::toString);
            assertTrue(r.stderr().contains("Permission denied (publickey)"), r::toString);
        }
    }

    @Test
    void sessionsPerHostAreLimited() throws Exception {
        try (TestServer server = new TestServer(dir, "loghost.ssh.max-sessions-per-host = 1");
             CapturedLog log = new CapturedLog()) {
            Path key = KeyGen.generate(dir, "k", "ed25519");
            server.enroll("web01", key);
            Process first = new ProcessBuilder(server.sshCommand(key, "-T", "log@127.0.0.1", "append-log")).start();
            OutputStream stdin = first.getOutputStream();
            stdin.write("first session\n".getBytes(StandardCharsets.US_ASCII));
            stdin.flush();
            log.awaitLine("session-start host=web01");

            Run.Result r = server.append(key, null);
            assertEquals(75, r.exit(), r::toString);
            assertEquals("loghost: refused: host web01 already has 1 open sessions\n", r.stderr());
            log.awaitLine("refused reason=too-many-sessions");

            stdin.close();
            assertTrue(first.waitFor(30, TimeUnit.SECONDS));
            assertEquals(0, first.exitValue());
            assertEquals(List.of("first session"), HostRecords.read(server.data(), "web01").stream()
                    .map(HostRecords.Rec::text).toList());
        }
    }

    @Test
    void stockClientNegotiatesAesGcm() throws Exception {
        try (TestServer server = new TestServer(dir, "")) {
            Run.Result r = server.stockSessionAtLogLevel(dir, "DEBUG1");
            assertEquals(0, r.exit(), r::toString);
            assertTrue(r.stderr().contains("cipher: aes128-gcm@openssh.com"), r::toString);
        }
    }
}
