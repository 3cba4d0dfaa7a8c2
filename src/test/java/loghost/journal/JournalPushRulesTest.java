package loghost.journal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import loghost.testing.HostRecords;
import loghost.testing.KeyGen;
import loghost.testing.Run;
import loghost.testing.TestServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code append-log --journal} and {@code --journal-position} through the real OpenSSH client with crafted export
 * input: each seqnum stored once (resends, two sessions at once), missing seqnums named in a {@code gap} record, and
 * hostile input refused with its line and exit status, audited, nothing after it stored.
 */
class JournalPushRulesTest {

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
    void storesEachSeqnumOnceAndNamesMissingSeqnumsInAGapRecord() throws Exception {
        try (TestServer server = new TestServer(dir, "")) {
            Path key = KeyGen.generate(dir, "web01", "ed25519");
            server.enroll("web01", key);
            assertEquals("none\n", position(server, key, ID).stdout());

            assertEquals(0, push(server, key, JournalPushRig.entries(ID, 1, 3)).exit());
            assertEquals("s=" + ID + ";i=3\n", position(server, key, ID).stdout());
            // A resend from 2, then seqnums 4..6 missing (vacuumed before they were read), then 7 and 8.
            ByteArrayOutputStream second = new ByteArrayOutputStream();
            second.writeBytes(JournalPushRig.entries(ID, 2, 3));
            second.writeBytes(JournalPushRig.entries(ID, 7, 8));
            Run.Result r = push(server, key, second.toByteArray());
            assertEquals(0, r.exit(), r::toString);
            assertEquals("", r.stderr());
            // Two sessions at once with the same entries: each stored once, whichever session stores it.
            byte[] both = JournalPushRig.entries(ID, 1, 300);
            CompletableFuture<Run.Result> a = CompletableFuture.supplyAsync(() -> unchecked(server, key, both));
            CompletableFuture<Run.Result> b = CompletableFuture.supplyAsync(() -> unchecked(server, key, both));
            assertEquals(0, a.get().exit(), a.get()::toString);
            assertEquals(0, b.get().exit(), b.get()::toString);

            List<HostRecords.Rec> recs = JournalPushRig.pushed(server.data(), "web01");
            List<Long> seqnums = new ArrayList<>();
            for (HostRecords.Rec rec : recs) {
                if (rec.type().equals("log")) {
                    seqnums.add(JournalPushRig.seqnum(rec));
                    assertEquals("app[7]: entry " + JournalPushRig.seqnum(rec), rec.text());
                    // c= names the entry; the entry's own fields follow it (FORMAT.md, "Journal entries").
                    assertTrue(rec.meta().matches("s=[1-9][0-9]*,c=j." + ID + ":" + JournalPushRig.seqnum(rec)
                            + ",t=1700000000\\.000000,pid=7,il=3,ml=" + ("entry " + JournalPushRig.seqnum(rec))
                            .length()), rec.meta());
                }
            }
            List<Long> expected = new ArrayList<>(List.of(1L, 2L, 3L));
            for (long i = 7; i <= 300; i++) {
                expected.add(i);
            }
            assertEquals(expected, seqnums);
            List<HostRecords.Rec> gaps = recs.stream().filter(x -> x.type().equals("gap")).toList();
            assertEquals(1, gaps.size());
            assertEquals("journal-lost seqnum-id=" + ID + " from=4 to=6 count=3 (not in the journal when read)",
                    gaps.get(0).text());
            assertTrue(gaps.get(0).meta().endsWith(",c=j." + ID + ":6"), gaps.get(0).meta());
            assertEquals("s=" + ID + ";i=12c\n", position(server, key, ID).stdout());
            assertEquals(0, server.cli("verify").exit());
        }
    }

    @Test
    void aKeyReadsAndWritesTheJournalOfItsOwnHostOnly() throws Exception {
        try (TestServer server = new TestServer(dir, "")) {
            Path web01 = KeyGen.generate(dir, "web01", "ed25519");
            Path web02 = KeyGen.generate(dir, "web02", "ed25519");
            server.enroll("web01", web01);
            server.enroll("web02", web02);
            assertEquals(0, push(server, web02, JournalPushRig.entries(ID, 1, 4)).exit());
            assertEquals("none\n", position(server, web01, ID).stdout(), "web02's journal is not web01's");
            assertEquals(0, push(server, web01, JournalPushRig.entries(ID, 1, 2)).exit());
            assertEquals("s=" + ID + ";i=4\n", position(server, web02, ID).stdout());
            assertEquals("s=" + ID + ";i=2\n", position(server, web01, ID).stdout());
            assertEquals(2, JournalPushRig.pushed(server.data(), "web01").size());
            assertEquals(4, JournalPushRig.pushed(server.data(), "web02").size());
        }
    }

    private Run.Result unchecked(TestServer server, Path key, byte[] input) {
        try {
            return push(server, key, input);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void keepsABinaryMessageByteForByte() throws Exception {
        try (TestServer server = new TestServer(dir, "")) {
            Path key = KeyGen.generate(dir, "web01", "ed25519");
            server.enroll("web01", key);
            byte[] message = {'a', '\n', 0, (byte) 0xff, 'b'};
            ByteArrayOutputStream in = new ByteArrayOutputStream();
            in.writeBytes(("__CURSOR=s=" + ID + ";i=1;b=0;m=0;t=0;x=0\nSYSLOG_IDENTIFIER=bin\nMESSAGE\n")
                    .getBytes(StandardCharsets.US_ASCII));
            for (int i = 0; i < 8; i++) {
                in.write(i == 0 ? message.length : 0);
            }
            in.writeBytes(message);
            in.writeBytes("\n\n".getBytes(StandardCharsets.US_ASCII));
            assertEquals(0, push(server, key, in.toByteArray()).exit());
            List<HostRecords.Rec> recs = JournalPushRig.pushed(server.data(), "web01");
            assertEquals(1, recs.size());
            ByteArrayOutputStream want = new ByteArrayOutputStream();
            want.writeBytes("bin: ".getBytes(StandardCharsets.US_ASCII));
            want.writeBytes(message);
            assertEquals(java.util.Arrays.toString(want.toByteArray()), java.util.Arrays.toString(recs.get(0).message()));
        }
    }

    // Pushes entries 1..2 then input, expecting the refusal's exit and line, an audit record, and only 1..2 stored.
    private void refused(String input, int exit, String line, String code) throws Exception {
        try (TestServer server = new TestServer(dir, "")) {
            Path key = KeyGen.generate(dir, "web01", "ed25519");
            server.enroll("web01", key);
            assertEquals(0, push(server, key, JournalPushRig.entries(ID, 1, 1)).exit());
            ByteArrayOutputStream in = new ByteArrayOutputStream();
            in.writeBytes(JournalPushRig.entries(ID, 2, 2));
            in.writeBytes(input.getBytes(StandardCharsets.ISO_8859_1));
            in.writeBytes(JournalPushRig.entries(ID, 3, 5));
            Run.Result r = push(server, key, in.toByteArray());
            assertEquals(exit, r.exit(), r::toString);
            assertEquals("loghost: " + line + "\n", r.stderr());
            HostRecords.awaitAudit(server.data(), t -> t.startsWith("refused reason=" + code + " "));
            List<Long> stored = JournalPushRig.pushed(server.data(), "web01").stream()
                    .filter(x -> x.meta().contains(",c=j." + ID + ":")).map(JournalPushRig::seqnum).toList();
            assertEquals(List.of(1L, 2L), stored, "the entries before the refused one, nothing after it");
            assertEquals("s=" + ID + ";i=2\n", position(server, key, ID).stdout());
        }
    }

    @Test
    void refusesACursorWithControlBytes() throws Exception {
        refused(new String(JournalPushRig.entry("s=" + ID + ";i=3;b=\u001b[2J;m=1", "x"),
                StandardCharsets.ISO_8859_1), 65, "refused: malformed journal input: a __CURSOR with control or "
                + "non-ASCII bytes", "journal-malformed");
    }

    @Test
    void refusesAMalformedCursor() throws Exception {
        refused(new String(JournalPushRig.entry("s=" + ID.substring(1) + ";i=3;", "x"), StandardCharsets.ISO_8859_1),
                65, "refused: malformed journal input: a __CURSOR that does not start s=SEQNUM_ID;i=SEQNUM; with "
                + "1 <= SEQNUM < 2^63", "journal-malformed");
    }

    @Test
    void aSeqnumFarAheadIsOneGapRecordWithItsExactCountAndTheStreamMovesOn() throws Exception {
        try (TestServer server = new TestServer(dir, "")) {
            Path key = KeyGen.generate(dir, "web01", "ed25519");
            server.enroll("web01", key);
            assertEquals(0, push(server, key, JournalPushRig.entries(ID, 1, 2)).exit());
            long far = (1L << 24) + 4; // 2^24 + 1 seqnums missing after 2: refused for ever before
            long last = Long.MAX_VALUE; // the highest seqnum there is: 2^63 - 1 - (far + 2) missing
            ByteArrayOutputStream in = new ByteArrayOutputStream();
            in.writeBytes(JournalPushRig.entries(ID, far, far + 1));
            in.writeBytes(JournalPushRig.entry(ID, last));
            in.writeBytes(JournalPushRig.entries(ID, 3, 4)); // below the stored position now: skipped as stored
            Run.Result r = push(server, key, in.toByteArray());
            assertEquals(0, r.exit(), r::toString);
            assertEquals("", r.stderr());
            List<String> got = JournalPushRig.pushed(server.data(), "web01").stream()
                    .map(x -> x.type() + " " + JournalPushRig.seqnum(x) + " " + x.text()).toList();
            assertEquals(List.of("log 1 app[7]: entry 1", "log 2 app[7]: entry 2",
                    "gap " + (far - 1) + " journal-lost seqnum-id=" + ID + " from=3 to=" + (far - 1) + " count="
                            + (far - 3) + " (not in the journal when read)",
                    "log " + far + " app[7]: entry " + far, "log " + (far + 1) + " app[7]: entry " + (far + 1),
                    "gap " + (last - 1) + " journal-lost seqnum-id=" + ID + " from=" + (far + 2) + " to="
                            + (last - 1) + " count=" + (last - far - 2) + " (not in the journal when read)",
                    "log " + last + " app[7]: entry " + last), got, "one gap record per missing range, no more");
            assertEquals("s=" + ID + ";i=7fffffffffffffff\n", position(server, key, ID).stdout());
            HostRecords.awaitAudit(server.data(), t -> t.startsWith("session-end host=web01 ")
                    && t.contains(" skipped=2 gaps=2 "));
            assertEquals(0, server.cli("verify").exit());
        }
    }

    @Test
    void refusesMoreSeqnumIdsThanOneSessionMaySend() throws Exception {
        StringBuilder ids = new StringBuilder();
        for (int i = 0; i < 8; i++) { // with ID's own entry 2 first: the 9th id of the session
            String id = String.format("%032x", 0x1000 + i);
            ids.append(new String(JournalPushRig.entry(id, 1), StandardCharsets.ISO_8859_1));
        }
        refused(ids.toString(), 65, "refused: too many journal seqnum ids: more than 8 in one session",
                "journal-too-many-ids");
    }

    @Test
    void refusesAFieldLongerThanTheBound() throws Exception {
        String huge = "MESSAGE\n" + new String(new byte[] {0, 0, 0, 2, 0, 0, 0, 0}, StandardCharsets.ISO_8859_1);
        try (TestServer server = new TestServer(dir, "")) {
            Path key = KeyGen.generate(dir, "web01", "ed25519");
            server.enroll("web01", key);
            Run.Result r = push(server, key, (new String(JournalPushRig.entry(ID, 1), StandardCharsets.ISO_8859_1)
                    + huge).getBytes(StandardCharsets.ISO_8859_1));
            assertEquals(65, r.exit(), r::toString);
            assertEquals("loghost: refused: malformed journal input: a field longer than 16777216 bytes\n",
                    r.stderr());
            assertEquals(List.of(1L), JournalPushRig.pushed(server.data(), "web01").stream()
                    .map(JournalPushRig::seqnum).toList());
        }
    }

    @Test
    void refusesAPositionRequestForAnythingButASeqnumId() throws Exception {
        try (TestServer server = new TestServer(dir, "")) {
            Path key = KeyGen.generate(dir, "web01", "ed25519");
            server.enroll("web01", key);
            for (String arg : List.of("", "../../etc/passwd", ID + "; cat /etc/passwd", ID.toUpperCase(),
                    ID + " " + OTHER_ID, "s=" + ID + ";i=1")) {
                Run.Result r = position(server, key, arg);
                assertEquals(64, r.exit(), arg + ": " + r);
                assertEquals("loghost: refused: --journal-position takes one journal seqnum id, 32 lowercase hex "
                        + "digits\n", r.stderr(), arg);
                assertEquals("", r.stdout());
            }
            HostRecords.awaitAudit(server.data(), t -> t.startsWith("refused reason=journal-id-malformed "));
            assertEquals(List.of(), HostRecords.read(server.data(), "web01"));
        }
    }
}
