package loghost.seal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import loghost.protocol.Frames;
import loghost.testing.AckClient;
import loghost.testing.Cli;
import loghost.testing.KeyGen;
import loghost.testing.Run;
import loghost.testing.TestServer;
import loghost.verify.ReceiptCheck;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Signed receipts in acknowledged mode, and {@code loghost verify --receipts} over what a host kept. */
class ReceiptTest {

    private static final Duration LONG = Duration.ofSeconds(120);

    @TempDir
    Path dir;

    // Sends HELLO asking for receipts, then `lines` lines in rounds more than a second apart; returns the receipts.
    private static List<String> sendAskingForReceipts(Path data, int port, Path key, int lines, int rounds)
            throws Exception {
        try (AckClient c = AckClient.open(data, port, key)) {
            ByteArrayOutputStream hello = new ByteArrayOutputStream();
            Frames.writeText(hello, Frames.HELLO, "loghost-ack 1 stream=syslog.0123456789abcdef receipts=1");
            c.raw(hello.toByteArray());
            c.flush();
            assertEquals(0, loghost.forward.Welcome.parse(c.awaitFrame(0, LONG)).last());
            int perRound = lines / rounds;
            for (int i = 1; i <= lines; i++) {
                c.frame(Frames.LINE, i, "<13>Nov 24 12:00:00 web01 app: line " + i);
                if (i % perRound == 0) {
                    c.flush();
                    Thread.sleep(1200);
                }
            }
            AckClient.Result r = c.finish(LONG);
            assertEquals(0, r.exit(), r::toString);
            assertEquals(lines, r.lastAck(), r::toString);
            List<String> receipts = new ArrayList<>();
            for (Frames.Frame f : r.frames()) {
                if (f.kind() == Frames.RECEIPT) {
                    receipts.add(new String(f.body(), StandardCharsets.US_ASCII));
                }
            }
            return receipts;
        }
    }

    @Test
    void receiptsProveTheLogUntouchedAndNameTheSeqOfATruncationOrARewrite() throws Exception {
        Path key = KeyGen.generate(dir, "k", "ed25519");
        Path receiptsFile = dir.resolve("web01.receipts");
        Path data;
        try (TestServer server = new TestServer(dir, "")) {
            server.enroll("web01", key);
            data = server.data();
            List<String> receipts = sendAskingForReceipts(data, server.port(), key, 20_000, 4);
            assertTrue(receipts.size() >= 2, receipts::toString);
            Object[] hostKey = ReceiptCheck.parseOpenSshKey(Files.readString(data.resolve("ssh_host_ed25519_key.pub")));
            for (String line : receipts) {
                Receipt r = Receipt.parse(line);
                assertTrue(r.signedBy((VerificationKey) hostKey[0]), line);
                assertEquals(hostKey[1], r.keyFingerprint());
                assertEquals("web01", r.host());
                assertEquals("syslog.0123456789abcdef", r.stream());
            }
            Receipt last = Receipt.parse(receipts.get(receipts.size() - 1));
            assertEquals(20_000, last.cseq(), "the session's last ACK always gets a receipt");
            assertEquals(20_000, last.seq());
            Files.writeString(receiptsFile, String.join("\n", receipts) + "\n");
        }
        Run.Result ok = Cli.run(data, "verify", "--receipts", receiptsFile.toString());
        assertEquals(0, ok.exit(), ok::toString);
        assertTrue(ok.stdout().contains("verify: sealed: receipts: " + Files.readAllLines(receiptsFile).size()
                + " receipts from 1 file signed by SHA256:"), ok::toString);

        // Root cuts the newest 100 records: the last receipt names a record that is gone.
        Path cut = copy(data, "cut");
        Rechain.truncateAfter(cut.resolve("hosts/web01"), 19_900);
        Run.Result truncated = Cli.run(cut, "verify", "--receipts", receiptsFile.toString());
        assertEquals(1, truncated.exit(), truncated::toString);
        int lastLine = Files.readAllLines(receiptsFile).size();
        assertTrue(truncated.stdout().contains("verify: FAIL: hosts/web01: receipt " + receiptsFile + ":" + lastLine
                + " says seq 20000 (stream syslog.0123456789abcdef cseq 20000) was stored "), truncated::toString);
        assertTrue(truncated.stdout().contains(", but the log ends at seq 19900\n"), truncated::toString);

        // Root rewrites record 7 and recomputes every digest after it: the first receipt's record differs.
        Path rewritten = copy(data, "rewritten");
        Rechain.rewriteMessage(rewritten.resolve("hosts/web01"), "web01", 7, "nothing to see");
        Run.Result r = Cli.run(rewritten, "verify", "--receipts", receiptsFile.toString());
        assertEquals(1, r.exit(), r::toString);
        Receipt first = Receipt.parse(Files.readAllLines(receiptsFile).get(0));
        String day = Rechain.files(rewritten.resolve("hosts/web01")).get(0).getFileName().toString();
        assertTrue(r.stdout().contains("verify: FAIL: hosts/web01/" + day + ":" + (first.seq() + 1) + ": record "
                + first.seq() + " is not the one receipt " + receiptsFile + ":1 names"), r::toString);
    }

    @Test
    void aForwarderKeepsTheReceiptsOf100000LinesAndTheyCatchATruncatedOrRewrittenLoghost() throws Exception {
        Path key = KeyGen.generate(dir, "k", "ed25519");
        Path spool = dir.resolve("spool");
        Path data;
        try (TestServer server = new TestServer(dir, "")) {
            server.enroll("web01", key);
            data = server.data();
            StringBuilder in = new StringBuilder();
            for (int i = 1; i <= 100_000; i++) {
                in.append("<13>Nov 24 12:00:00 web01 app: forwarded line ").append(i).append('\n');
            }
            Path stdin = dir.resolve("stdin");
            Files.writeString(stdin, in);
            try (loghost.testing.ForwarderProcess fwd = loghost.testing.ForwarderProcess.start(stdin,
                    dir.resolve("forward.err"), "--to", "127.0.0.1:" + server.port(), "--key", key.toString(),
                    "--known-hosts", dir.resolve("known_hosts").toString(), "--spool", spool.toString(), "--stdin",
                    "--heartbeat", "0s")) {
                assertEquals(0, fwd.await(300), fwd::stderr);
            }
        }
        Path kept = spool.resolve("receipts/127.0.0.1_" + portOf(dir.resolve("known_hosts")));
        List<String> receipts = Files.readAllLines(kept);
        assertTrue(!receipts.isEmpty() && receipts.size() <= 1000, "receipts kept: " + receipts.size());
        Receipt last = Receipt.parse(receipts.get(receipts.size() - 1));
        assertEquals(100_000, last.seq(), "the last line's receipt is kept");
        Run.Result ok = Cli.run(data, "verify", "--receipts", kept.toString());
        assertEquals(0, ok.exit(), ok::toString);

        Path cut = copy(data, "fwd-cut");
        Rechain.truncateAfter(cut.resolve("hosts/web01"), 99_999);
        Run.Result truncated = Cli.run(cut, "verify", "--receipts", kept.toString());
        assertEquals(1, truncated.exit(), truncated::toString);
        assertTrue(truncated.stdout().contains("verify: FAIL: hosts/web01: receipt " + kept + ":" + receipts.size()
                + " says seq 100000 (stream "), truncated::toString);
        assertTrue(truncated.stdout().contains(", but the log ends at seq 99999\n"), truncated::toString);
    }

    private static int portOf(Path knownHosts) throws Exception {
        String line = Files.readString(knownHosts);
        return Integer.parseInt(line.substring(line.indexOf("]:") + 2, line.indexOf(' ')));
    }

    @Test
    void aReceiptEditedByItsHolderOrSignedByAnotherKeyIsRefused() throws Exception {
        Path key = KeyGen.generate(dir, "k", "ed25519");
        try (TestServer server = new TestServer(dir, "")) {
            server.enroll("web01", key);
            List<String> receipts = sendAskingForReceipts(server.data(), server.port(), key, 10, 1);
            String line = receipts.get(receipts.size() - 1);
            Path forged = dir.resolve("forged");
            Files.writeString(forged, line.replace(" cseq=10 ", " cseq=11 ") + "\nnot a receipt\n");
            Run.Result r = server.cli("verify", "--receipts", forged.toString());
            assertEquals(1, r.exit(), r::toString);
            assertTrue(r.stdout().contains("verify: FAIL: " + forged + ":1: receipt signature does not verify with"
                    + " the loghost's host key\n"), r::toString);
            assertTrue(r.stdout().contains("verify: FAIL: " + forged + ":2: not a receipt line\n"), r::toString);
            Path otherKey = KeyGen.generate(dir, "other", "ed25519");
            Run.Result other = server.cli("verify", "--receipts", forged.toString(), "--host-key",
                    KeyGen.pub(otherKey).toString());
            assertTrue(other.stdout().contains("verify: FAIL: " + forged + ":1: receipt names host key SHA256:"),
                    other::toString);
        }
    }

    @Test
    void aClientThatDoesNotAskGetsNoReceipt() throws Exception {
        Path key = KeyGen.generate(dir, "k", "ed25519");
        try (TestServer server = new TestServer(dir, "")) {
            server.enroll("web01", key);
            try (AckClient c = AckClient.open(server.data(), server.port(), key)) {
                assertEquals(0, c.hello("old"));
                c.frame(Frames.LINE, 1, "one");
                AckClient.Result r = c.finish(LONG);
                assertEquals(1, r.lastAck(), r::toString);
                assertNull(r.error());
                assertTrue(r.frames().stream().noneMatch(f -> f.kind() == Frames.RECEIPT), r::toString);
            }
        }
    }

    private Path copy(Path from, String name) throws Exception {
        return loghost.testing.Trees.copy(from, dir.resolve(name));
    }
}
