package loghost.journal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import loghost.testing.Await;
import loghost.testing.HostRecords;
import loghost.testing.KeyGen;
import loghost.testing.MinaClient;
import loghost.testing.Run;
import loghost.testing.TestServer;
import org.apache.sshd.client.channel.ChannelExec;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.core.CoreModuleProperties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code append-log --journal} and {@code --journal-position} against a hostile host (issue 20's list): a position
 * for another host's stream, a seqnum far ahead, a malformed cursor, a cursor with control bytes, 10,000 position
 * requests from one key; each refused or contained, audited once (once per window for the flood), nothing else
 * changed: the audit trail's lines and the day files' bytes compared before and after. Real ssh client (MINA's for
 * the flood), crafted export input; two sessions at once and interleaved journals: {@link JournalPushConcurrencyTest}.
 */
class JournalPushHostileTest {

    private static final String ID = "0123456789abcdef0123456789abcdef";
    private static final String OTHER_ID = "fedcba9876543210fedcba9876543210";

    @TempDir
    Path dir;

    private Run.Result push(TestServer server, Path key, byte[] input) throws Exception {
        Path in = Files.createTempFile(dir, "in", ".export");
        Files.write(in, input);
        return server.ssh(key, in, "-T", "log@127.0.0.1", "append-log --journal");
    }

    private static Run.Result position(TestServer server, Path key, String id) throws Exception {
        return server.ssh(key, null, "-T", "log@127.0.0.1", "append-log --journal-position " + id);
    }

    @Test
    void aPositionForAnotherHostsStreamIsNeverThatHostsAndChangesNothingOfIt() throws Exception {
        try (TestServer server = new TestServer(dir, "")) {
            Path web01 = KeyGen.generate(dir, "web01", "ed25519");
            Path web02 = KeyGen.generate(dir, "web02", "ed25519");
            server.enroll("web01", web01);
            server.enroll("web02", web02);
            assertEquals(0, push(server, web02, JournalPushRig.entries(ID, 1, 4)).exit());
            List<String> web02Files = dayFiles(server.data(), "web02");
            List<String> audit = lines(server.data(), "_loghost");

            // web01 names web02's stream by its id: it gets its own stream of that id (none), never web02's i=4.
            assertEquals("none\n", position(server, web01, ID).stdout());
            // No argument names another host: refused before anything is read.
            Run.Result named = position(server, web01, "web02/" + ID);
            assertEquals(64, named.exit(), named::toString);
            assertEquals("loghost: refused: --journal-position takes one journal seqnum id, 32 lowercase hex digits\n",
                    named.stderr());
            // web01 sends on from web02's position: a new stream of web01's own, web02's left as it was.
            assertEquals(0, push(server, web01, JournalPushRig.entries(ID, 5, 6)).exit());
            assertEquals(List.of(5L, 6L), JournalPushRig.pushed(server.data(), "web01").stream()
                    .map(JournalPushRig::seqnum).toList());
            assertEquals("s=" + ID + ";i=4\n", position(server, web02, ID).stdout());
            assertEquals(web02Files, dayFiles(server.data(), "web02"), "web02's log unchanged");
            List<String> added = audited(server.data(), audit, 3);
            assertTrue(added.get(0).matches("refused reason=journal-id-malformed source=\\S+ host=web01 command="
                    + "\"append-log --journal-position web02/" + ID + "\""), added::toString);
            assertTrue(added.get(1).startsWith("session-start host=web01 "), added::toString);
            assertTrue(added.get(2).startsWith("session-end host=web01 "), added::toString);
        }
    }

    @Test
    void aSeqnumFarAheadMovesOnlyTheHostsOwnStreamAndOneBeyond2To63IsRefused() throws Exception {
        try (TestServer server = new TestServer(dir, "")) {
            Path key = KeyGen.generate(dir, "web01", "ed25519");
            server.enroll("web01", key);
            ByteArrayOutputStream first = new ByteArrayOutputStream();
            first.writeBytes(JournalPushRig.entries(ID, 1, 2));
            first.writeBytes(JournalPushRig.entries(OTHER_ID, 1, 1));
            assertEquals(0, push(server, key, first.toByteArray()).exit());
            List<String> files = dayFiles(server.data(), "web01");
            List<String> audit = lines(server.data(), "_loghost");

            // 2^63: no seqnum journald writes; refused, nothing stored.
            byte[] beyond = JournalPushRig.entry("s=" + ID + ";i=8000000000000000;b=0;m=0;t=0;x=0", "x");
            Run.Result r = push(server, key, beyond);
            assertEquals(65, r.exit(), r::toString);
            assertEquals(files, dayFiles(server.data(), "web01"), "the host's log unchanged");
            List<String> added = audited(server.data(), audit, 2);
            assertTrue(added.get(1).startsWith("refused reason=journal-malformed "), added::toString);

            // 2^63 - 1: stored, after one gap record with its exact count; the other stream is not moved.
            assertEquals(0, push(server, key, JournalPushRig.entry(ID, Long.MAX_VALUE)).exit());
            List<String> now = dayFiles(server.data(), "web01");
            assertTrue(now.get(0).startsWith(files.get(0)), "appended only");
            List<String> got = JournalPushRig.pushed(server.data(), "web01").stream().skip(3)
                    .map(x -> x.type() + " " + x.text()).toList();
            assertEquals(List.of("gap journal-lost seqnum-id=" + ID + " from=3 to=" + (Long.MAX_VALUE - 1) + " count="
                    + (Long.MAX_VALUE - 3) + " (not in the journal when read)", "log app[7]: entry " + Long.MAX_VALUE),
                    got);
            assertEquals("s=" + OTHER_ID + ";i=1\n", position(server, key, OTHER_ID).stdout());
            added = audited(server.data(), audit, 4);
            assertTrue(added.get(3).matches("session-end host=web01 .* records=2 skipped=0 gaps=1 last-seq=\\d+"),
                    added::toString);
            assertEquals(0, server.cli("verify").exit());
        }
    }

    @Test
    void aMalformedCursorOrOneWithControlBytesIsRefusedAuditedOnceAndChangesNothing() throws Exception {
        String tail = ";b=0123456789abcdef0123456789abcdef;m=1;t=1;x=2";
        List<String> malformed = List.of("s=" + ID.substring(1) + ";i=3" + tail, "s=" + ID.toUpperCase() + ";i=3"
                + tail, "i=3;s=" + ID + tail, "s=" + ID + ";i=0" + tail, "s=" + ID + ";i=-3" + tail, "s=" + ID
                + ";i=10000000000000003" + tail, "s=" + ID + ";i=3", "");
        List<String> control = List.of("s=" + ID + ";i=3;b=\u001b]0;owned\u0007" + tail, "s=" + ID + ";i=3\r" + tail,
                "s=" + ID + ";i=3;\u0000" + tail, "s=" + ID + ";i=3;\u007f" + tail, "s=" + ID + ";i=3;\u009b2J" + tail,
                "s=" + ID + ";i=3;\u00ff" + tail);
        try (TestServer server = new TestServer(dir, "")) {
            Path key = KeyGen.generate(dir, "web01", "ed25519");
            server.enroll("web01", key);
            assertEquals(0, push(server, key, JournalPushRig.entries(ID, 1, 2)).exit());
            List<String> files = dayFiles(server.data(), "web01");
            List<String> audit = lines(server.data(), "_loghost");
            List<byte[]> inputs = new ArrayList<>();
            for (String c : malformed) {
                inputs.add(JournalPushRig.entry(c, "x"));
            }
            for (String c : control) {
                inputs.add(JournalPushRig.entry(c, "x"));
            }
            // In the binary form a cursor may even hold an LF, to start a line of its own wherever it is written.
            inputs.add(binaryCursor("s=" + ID + ";i=3;\nrefused reason=forged" + tail));
            for (int i = 0; i < inputs.size(); i++) {
                Run.Result r = push(server, key, inputs.get(i));
                assertEquals(65, r.exit(), r::toString);
                assertEquals("loghost: refused: malformed journal input: a __CURSOR " + (i < malformed.size()
                        ? "that does not start s=SEQNUM_ID;i=SEQNUM; with 1 <= SEQNUM < 2^63" : "with control or "
                        + "non-ASCII bytes") + "\n", r.stderr(), i + ": " + r);
            }
            List<String> added = audited(server.data(), audit, 2 * inputs.size());
            for (int i = 0; i < added.size(); i += 2) {
                assertTrue(added.get(i).startsWith("session-start host=web01 "), added::toString);
                assertTrue(added.get(i + 1).matches("refused reason=journal-malformed source=\\S+ host=web01 "
                        + "detail=\"a __CURSOR [ -~]+\" bytes=\\d+"), added.get(i + 1));
            }
            assertEquals(files, dayFiles(server.data(), "web01"), "the host's log unchanged");
            assertEquals("s=" + ID + ";i=2\n", position(server, key, ID).stdout());
        }
    }

    // One entry whose __CURSOR is in the export's binary form (NAME LF, 64-bit little-endian length, bytes, LF).
    private static byte[] binaryCursor(String cursor) {
        byte[] c = cursor.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes("__CURSOR\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        for (int i = 0; i < 8; i++) {
            out.write(i == 0 ? c.length : 0);
        }
        out.writeBytes(c);
        out.writeBytes("\nSYSLOG_IDENTIFIER=app\nMESSAGE=x\n\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        return out.toByteArray();
    }

    @Test
    void tenThousandPositionRequestsAreRefusedBeyondTheRateAuditedOncePerWindowAndChangeNothing() throws Exception {
        try (TestServer server = new TestServer(dir, "")) {
            Path key = KeyGen.generate(dir, "web01", "ed25519");
            server.enroll("web01", key);
            assertEquals(0, push(server, key, JournalPushRig.entries(ID, 1, 3)).exit());
            List<String> files = dayFiles(server.data(), "web01");
            List<String> audit = lines(server.data(), "_loghost");
            int threads = 2;
            int each = 5_000;
            try (MinaClient client = new MinaClient(server.data())) {
                // Without it each request waits out a delayed ACK (~40 ms): a flood would be 50 requests a second.
                CoreModuleProperties.TCP_NODELAY.set(client.client(), true);
                List<ClientSession> sessions = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    sessions.add(client.login(server.port(), key));
                }
                long start = System.nanoTime();
                List<CompletableFuture<Integer>> floods = sessions.stream()
                        .map(session -> CompletableFuture.supplyAsync(() -> flood(session, each))).toList();
                int allowed = 0;
                for (CompletableFuture<Integer> f : floods) {
                    allowed += f.get();
                }
                double seconds = (System.nanoTime() - start) / 1e9;
                String rate = threads * each + " requests in " + seconds + " s";
                // At most the burst and one a second after it; every other request refused with its line (flood).
                assertTrue(allowed <= 10 + seconds + 1, allowed + " answered of " + rate);
                long refused = (long) threads * each - allowed;
                // Of the refusals, one report per 10 s window, each counting those it did not report; nothing else.
                List<String> audited = auditedSince(server.data(), audit);
                assertTrue(!audited.isEmpty() && audited.size() <= seconds / 10 + 1, audited + " audited, " + rate);
                long accounted = audited.size();
                for (String a : audited) {
                    assertTrue(a.matches("refused reason=journal-position-rate source=127\\.0\\.0\\.1:\\d+ host=web01 "
                            + "seqnum-id=" + ID + " refused-unreported=\\d+"), a);
                    accounted += Long.parseLong(a.substring(a.lastIndexOf('=') + 1));
                }
                assertTrue(accounted <= refused, accounted + " of " + refused);
                assertEquals(files, dayFiles(server.data(), "web01"), "the host's log unchanged");
            }
            // Once the rate allows it again, the position is the one stored.
            Await.until(() -> "a position answered again", () -> position(server, key, ID),
                    r -> r.exit() == 0 && r.stdout().equals("s=" + ID + ";i=3\n"));
        }
    }

    // Sends n position requests one after the other on one connection; returns how many were answered, asserting
    // each refusal.
    private static int flood(ClientSession session, int n) {
        int answered = 0;
        try {
            for (int i = 0; i < n; i++) {
                ByteArrayOutputStream err = new ByteArrayOutputStream();
                ChannelExec ch = MinaClient.exec(session, "append-log --journal-position " + ID, err);
                Integer exit = MinaClient.awaitExit(ch, Duration.ofSeconds(60));
                ch.close(true);
                if (exit != null && exit == 0) {
                    answered++;
                } else {
                    assertEquals(75, exit);
                    assertEquals("loghost: refused: host web01 asks for its journal position too often; try again "
                            + "later\n", err.toString(java.nio.charset.StandardCharsets.US_ASCII));
                }
            }
            return answered;
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    // A host's day files, as names and bytes.
    private static List<String> dayFiles(Path data, String host) throws Exception {
        List<String> out = new ArrayList<>();
        for (Path f : HostRecords.files(data, host)) {
            out.add(f.getFileName() + " " + java.util.HexFormat.of().formatHex(Files.readAllBytes(f)));
        }
        return out;
    }

    // A host's day files' lines (of _loghost: the audit trail's), as the files hold them.
    private static List<String> lines(Path data, String host) throws Exception {
        List<String> out = new ArrayList<>();
        for (Path f : HostRecords.files(data, host)) {
            out.addAll(Files.readString(f, java.nio.charset.StandardCharsets.ISO_8859_1).lines().toList());
        }
        return out;
    }

    // Awaits n audit records after those whose lines were {@code before}, asserts the earlier lines unchanged and no
    // more than n added, and returns the added records' texts.
    private static List<String> audited(Path data, List<String> before, int n) throws Exception {
        Await.until(() -> n + " audit records after " + before.size() + " lines", () -> lines(data, "_loghost"),
                l -> l.size() >= before.size() + n);
        List<String> added = auditedSince(data, before);
        assertEquals(n, added.size(), added::toString);
        return added;
    }

    // The texts of the audit records added after the lines {@code before}, asserting those lines unchanged.
    private static List<String> auditedSince(Path data, List<String> before) throws Exception {
        List<String> after = lines(data, "_loghost");
        assertEquals(before, after.subList(0, before.size()), "the audit trail's earlier lines unchanged");
        List<HostRecords.Rec> recs = HostRecords.read(data, "_loghost");
        return recs.subList(recs.size() - (after.size() - before.size()), recs.size()).stream()
                .map(HostRecords.Rec::text).toList();
    }
}
