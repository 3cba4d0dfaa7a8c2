package loghost.ssh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import loghost.protocol.Frames;
import loghost.testing.Await;
import loghost.testing.AckClient;
import loghost.testing.Cli;
import loghost.testing.CommandThreads;
import loghost.testing.HostRecords;
import loghost.testing.KeyGen;
import loghost.testing.Run;
import loghost.testing.ServerProcess;
import loghost.testing.TestServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Acknowledged mode against what a hostile or broken client sends: bounded memory, honest ACKs, clean ends. */
class AckedAppendTest {

    private static final Duration LONG = Await.scaled(Duration.ofSeconds(240));
    private static final Pattern META_C = Pattern.compile("(?:^|,)c=([a-z0-9._-]+):(\\d+)(?:,|$)");

    @TempDir
    Path dir;

    // ---- memory bounds, in a server process with a small heap ----

    @Test
    void threeHundredMegabyteFramesSentAtOnceAreStoredInA128MiBHeap() throws Exception {
        Path data = dir.resolve("data");
        try (ServerProcess server = ServerProcess.start(data, dir.resolve("stderr.txt"), dir.resolve("known_hosts"),
                "-Xmx128m")) {
            Path key = KeyGen.generate(dir, "k", "ed25519");
            assertEquals(0, Cli.run(data, "enroll", "web01", KeyGen.pub(key).toString()).exit());
            byte[] text = new byte[1 << 20];
            byte[] controls = new byte[1 << 20];
            Arrays.fill(controls, (byte) 1); // escaped to four bytes each: the worst case for memory
            AckClient.Result r;
            try (AckClient c = AckClient.open(data, server.port(), key)) {
                assertEquals(0, c.hello("big"));
                for (int i = 1; i <= 300; i++) {
                    Arrays.fill(text, (byte) ('a' + i % 26));
                    c.frame(Frames.LINE, i, i % 50 == 0 ? controls : text);
                }
                r = c.finish(LONG);
            }
            assertEquals(0, r.exit(), r::toString);
            assertNull(r.error(), r::toString);
            assertEquals(300, r.lastAck(), r::toString);
            assertTrue(server.process().isAlive(), "server died");
            assertFalse(server.stderr().contains("OutOfMemoryError"), server.stderr());
            awaitNoAckThread(server);

            // 64 KiB records (store.max-line): 16 per frame, each frame's records carrying its cseq.
            long[] records = new long[301];
            long[] bytes = new long[301];
            scan(data, "web01", "big", records, bytes);
            for (int i = 1; i <= 300; i++) {
                assertEquals(16, records[i], "records of cseq " + i);
                assertEquals(i % 50 == 0 ? 4L << 20 : 1L << 20, bytes[i], "escaped bytes of cseq " + i);
            }
            Run.Result v = Cli.run(data, "verify", "--host", "web01");
            assertEquals(0, v.exit(), v::toString);
        }
    }

    @Test
    void aHundredMegabyteLineInPartFramesIsStoredInA64MiBHeap() throws Exception {
        Path data = dir.resolve("data");
        try (ServerProcess server = ServerProcess.start(data, dir.resolve("stderr.txt"), dir.resolve("known_hosts"),
                "-Xmx64m")) {
            Path key = KeyGen.generate(dir, "k", "ed25519");
            assertEquals(0, Cli.run(data, "enroll", "web01", KeyGen.pub(key).toString()).exit());
            byte[] piece = new byte[1 << 20];
            Arrays.fill(piece, (byte) 'x');
            AckClient.Result r;
            try (AckClient c = AckClient.open(data, server.port(), key)) {
                assertEquals(0, c.hello("stdin"));
                // What loghost forward sends for one 100 MiB line: PART frames of 1 MiB, then the end as a LINE.
                for (int i = 1; i <= 100; i++) {
                    c.frame(Frames.PART, i, piece);
                }
                c.frame(Frames.LINE, 101, "end of the long line");
                r = c.finish(LONG);
            }
            assertEquals(0, r.exit(), r::toString);
            assertEquals(101, r.lastAck(), r::toString);
            assertFalse(server.stderr().contains("OutOfMemoryError"), server.stderr());
            awaitNoAckThread(server);
            long[] records = new long[102];
            long[] bytes = new long[102];
            scan(data, "web01", "stdin", records, bytes);
            for (int i = 1; i <= 100; i++) {
                assertEquals(16, records[i], "cont records of cseq " + i);
                assertEquals(1L << 20, bytes[i]);
            }
            assertEquals(1, records[101]);
            HostRecords.verifyCounting(data, "web01", 1601);
        }
    }

    // Counts the records and escaped message bytes of each cseq of {@code stream}, reading line by line.
    private static void scan(Path data, String host, String stream, long[] records, long[] bytes) throws Exception {
        for (Path f : HostRecords.files(data, host)) {
            try (BufferedReader in = Files.newBufferedReader(f, StandardCharsets.UTF_8)) {
                in.readLine();
                for (String line; (line = in.readLine()) != null; ) {
                    String[] field = line.split(" ", 6);
                    Matcher m = META_C.matcher(field[3]);
                    assertTrue(m.find(), line.substring(0, Math.min(200, line.length())));
                    assertEquals(stream, m.group(1));
                    int cseq = Integer.parseInt(m.group(2));
                    records[cseq]++;
                    bytes[cseq] += field[5].length();
                }
            }
        }
    }

    private static void awaitNoAckThread(ServerProcess server) throws Exception {
        CommandThreads.awaitNoneInProcess(server.process().pid());
    }

    // ---- cseq rules ----

    @Test
    void aHostWithTheMostStreamsAllowedIsRefusedANewOneButKeepsItsOld() throws Exception {
        // The streams are written straight into the store first: thousands of sessions would only be slower.
        loghost.store.LogStore store = loghost.testing.Stores.open(dir.resolve("data/hosts"),
                loghost.store.DigestAlgorithm.SHA256, java.time.Clock.systemUTC());
        byte[] line = "x".getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; i < Frames.MAX_STREAMS_PER_HOST; i++) {
            loghost.store.LineBatch b = new loghost.store.LineBatch();
            b.stream("s" + i);
            b.add(loghost.store.RecordType.LOG, line, 0, 1, 1);
            store.host("web01").append(b);
        }
        store.close();
        try (TestServer server = new TestServer(dir, "")) {
            Path key = KeyGen.generate(dir, "k", "ed25519");
            server.enroll("web01", key);
            try (AckClient c = AckClient.open(server.data(), server.port(), key)) {
                Frames.ProtocolException refused = org.junit.jupiter.api.Assertions.assertThrows(
                        Frames.ProtocolException.class, () -> c.hello("one-too-many"));
                assertTrue(refused.getMessage().contains("host web01 already has " + Frames.MAX_STREAMS_PER_HOST
                        + " streams"), refused::getMessage);
            }
            awaitAudit(server, t -> t.matches("refused reason=too-many-streams source=127\\.0\\.0\\.1:\\d+ "
                    + "host=web01 .*"));
            AckClient.Result r;
            try (AckClient c = AckClient.open(server.data(), server.port(), key)) {
                assertEquals(1, c.hello("s7"));
                c.frame(Frames.LINE, 2, "an old stream goes on");
                r = c.finish(LONG);
            }
            assertEquals(0, r.exit(), r::toString);
            assertEquals(2, r.lastAck(), r::toString);
        }
    }

    @Test
    void sessionsOpeningNewStreamsAtOnceNeverTakeAHostPastTheCap() throws Exception {
        // One stream below the cap: only one of the new streams may be admitted, whichever HELLO comes first.
        loghost.store.LogStore store = loghost.testing.Stores.open(dir.resolve("data/hosts"),
                loghost.store.DigestAlgorithm.SHA256, java.time.Clock.systemUTC());
        byte[] line = "x".getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; i < Frames.MAX_STREAMS_PER_HOST - 1; i++) {
            loghost.store.LineBatch b = new loghost.store.LineBatch();
            b.stream("s" + i);
            b.add(loghost.store.RecordType.LOG, line, 0, 1, 1);
            store.host("web01").append(b);
        }
        store.close();
        int sessions = 4; // max-sessions-per-host
        try (TestServer server = new TestServer(dir, "")) {
            Path key = KeyGen.generate(dir, "k", "ed25519");
            server.enroll("web01", key);
            List<AckClient> clients = new ArrayList<>();
            try {
                for (int i = 0; i < sessions; i++) {
                    clients.add(AckClient.open(server.data(), server.port(), key));
                }
                // Every HELLO is sent before any session stores a line: a check that counts only streams with a
                // record lets them all in.
                java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(sessions);
                List<java.util.concurrent.Future<Boolean>> welcomed = new ArrayList<>();
                java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
                for (int i = 0; i < sessions; i++) {
                    AckClient c = clients.get(i);
                    String stream = "new" + i;
                    welcomed.add(pool.submit(() -> {
                        go.await();
                        try {
                            assertEquals(0, c.hello(stream));
                            return true;
                        } catch (Frames.ProtocolException e) {
                            assertTrue(e.getMessage().contains("already has " + Frames.MAX_STREAMS_PER_HOST
                                    + " streams"), e::getMessage);
                            return false;
                        }
                    }));
                }
                go.countDown();
                int admitted = 0;
                for (int i = 0; i < sessions; i++) {
                    if (welcomed.get(i).get(2, TimeUnit.MINUTES)) {
                        admitted++;
                        clients.get(i).frame(Frames.LINE, 1, "a line of a new stream");
                        AckClient.Result r = clients.get(i).finish(LONG);
                        assertEquals(0, r.exit(), r::toString);
                        assertEquals(1, r.lastAck(), r::toString);
                    }
                }
                pool.shutdown();
                assertEquals(1, admitted, "new streams admitted at 4,095");
            } finally {
                for (AckClient c : clients) {
                    c.close();
                }
            }
        }
        loghost.store.LogStore after = loghost.testing.Stores.open(dir.resolve("data/hosts"),
                loghost.store.DigestAlgorithm.SHA256, java.time.Clock.systemUTC());
        try {
            assertEquals(Frames.MAX_STREAMS_PER_HOST, after.host("web01").streamCount());
        } finally {
            after.close();
        }
    }

    @Test
    void aStreamLeftWithoutARecordNoLongerCountsAgainstTheCap() throws Exception {
        loghost.store.LogStore store = loghost.testing.Stores.open(dir.resolve("data/hosts"),
                loghost.store.DigestAlgorithm.SHA256, java.time.Clock.systemUTC());
        byte[] line = "x".getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; i < Frames.MAX_STREAMS_PER_HOST - 1; i++) {
            loghost.store.LineBatch b = new loghost.store.LineBatch();
            b.stream("s" + i);
            b.add(loghost.store.RecordType.LOG, line, 0, 1, 1);
            store.host("web01").append(b);
        }
        store.close();
        try (TestServer server = new TestServer(dir, "")) {
            Path key = KeyGen.generate(dir, "k", "ed25519");
            server.enroll("web01", key);
            try (AckClient c = AckClient.open(server.data(), server.port(), key)) {
                assertEquals(0, c.hello("abandoned"));
                AckClient.Result r = c.finish(LONG);
                assertEquals(0, r.exit(), r::toString);
            }
            // Its session's end is written before its exit status is sent; the admission went with it.
            AckClient.Result r;
            try (AckClient c = AckClient.open(server.data(), server.port(), key)) {
                assertEquals(0, c.hello("kept"));
                c.frame(Frames.LINE, 1, "the last stream this host may have");
                r = c.finish(LONG);
            }
            assertEquals(0, r.exit(), r::toString);
            assertEquals(1, r.lastAck(), r::toString);
        }
    }

    @Test
    void aPushingKeyCannotOpenAStreamInThePullNamespace() throws Exception {
        try (TestServer server = new TestServer(dir, "")) {
            Path key = KeyGen.generate(dir, "k", "ed25519");
            server.enroll("web01", key);
            for (String stream : List.of("pull.c", "pull.8d2f65a1.1311.0123456789ab", "pull.j.abc", "pull.j")) {
                try (AckClient c = AckClient.open(server.data(), server.port(), key)) {
                    Frames.ProtocolException refused = org.junit.jupiter.api.Assertions.assertThrows(
                            Frames.ProtocolException.class, () -> c.hello(stream));
                    assertTrue(refused.getMessage().contains("protocol error: stream id " + stream + " is reserved"),
                            refused::getMessage);
                    AckClient.Result r = c.await(LONG);
                    assertEquals(65, r.exit(), r::toString);
                }
                awaitAudit(server, t -> t.matches("refused reason=reserved-stream source=127\\.0\\.0\\.1:\\d+ "
                        + "host=web01 reason=\"stream id " + Pattern.quote(stream) + " is reserved.*"));
            }
            // A stream whose id only looks alike is an ordinary one.
            AckClient.Result r;
            try (AckClient c = AckClient.open(server.data(), server.port(), key)) {
                assertEquals(0, c.hello("pullc"));
                c.frame(Frames.LINE, 1, "fine");
                r = c.finish(LONG);
            }
            assertEquals(0, r.exit(), r::toString);
            server.stop();
            for (HostRecords.Rec rec : HostRecords.read(server.data(), "web01")) {
                assertFalse(rec.meta().contains("c=pull."), rec::toString);
            }
        }
    }

    @Test
    void aCseqFarAheadIsRefusedNotStoredNotAcknowledgedAndTheStreamGoesOn() throws Exception {
        try (TestServer server = new TestServer(dir, "")) {
            Path key = KeyGen.generate(dir, "k", "ed25519");
            server.enroll("web01", key);
            AckClient.Result r;
            try (AckClient c = AckClient.open(server.data(), server.port(), key)) {
                assertEquals(0, c.hello("stdin"));
                c.frame(Frames.LINE, 1, "one");
                c.frame(Frames.LINE, 999_999_999_999_999_999L, "poison");
                c.frame(Frames.LINE, 1_000_000_000_000_000_000L, "after the poison");
                r = c.finish(LONG);
            }
            assertEquals(65, r.exit(), r::toString);
            assertEquals(1, r.lastAck(), r::toString);
            assertTrue(r.error().startsWith("protocol error: cseq 999999999999999999 skips ahead of 1 by more than"),
                    r::toString);
            awaitAudit(server, t -> t.matches("refused reason=cseq-skip source=127\\.0\\.0\\.1:\\d+ host=web01 .*"));

            // The largest cseq there is: refused the same way, and WELCOME's last stays what the log holds.
            try (AckClient c = AckClient.open(server.data(), server.port(), key)) {
                assertEquals(1, c.hello("stdin"));
                c.frame(Frames.LINE, Long.MAX_VALUE, "max");
                r = c.finish(LONG);
            }
            assertEquals(65, r.exit(), r::toString);
            assertEquals(0, r.lastAck(), r::toString);
            try (AckClient c = AckClient.open(server.data(), server.port(), key)) {
                assertEquals(1, c.hello("stdin"));
                c.frame(Frames.LINE, 2, "two");
                c.frame(Frames.LINE, 2 + Frames.MAX_SKIP, "the largest skip allowed");
                r = c.finish(LONG);
            }
            assertEquals(0, r.exit(), r::toString);
            assertEquals(2 + Frames.MAX_SKIP, r.lastAck(), r::toString);
            assertEquals(List.of("stdin:1 log one", "stdin:2 log two", "stdin:16777218 log the largest skip allowed"),
                    stored(server, "web01"));
            assertEquals(0, server.cli("verify").exit());
        }
    }

    @Test
    void aCseqThatDoesNotIncreaseWithinASessionIsAProtocolError() throws Exception {
        try (TestServer server = new TestServer(dir, "")) {
            Path key = KeyGen.generate(dir, "k", "ed25519");
            server.enroll("web01", key);
            AckClient.Result r;
            try (AckClient c = AckClient.open(server.data(), server.port(), key)) {
                assertEquals(0, c.hello("s"));
                c.frame(Frames.LINE, 1, "a");
                c.frame(Frames.LINE, 1, "a again");
                c.frame(Frames.LINE, 10, "ten");
                c.frame(Frames.LINE, 5, "five");
                r = c.finish(LONG); // all in one write: one read on the server
            }
            assertEquals(65, r.exit(), r::toString);
            assertEquals(1, r.lastAck(), r::toString);
            assertEquals("protocol error: cseq 1 does not follow 1: cseqs must increase within a session", r.error());
            assertEquals(List.of("s:1 log a"), stored(server, "web01"));
            awaitAudit(server, t -> t.matches("refused reason=protocol-error source=127\\.0\\.0\\.1:\\d+ host=web01 "
                    + "reason=\"cseq 1 does not follow 1.*"));
        }
    }

    @Test
    void framesAlreadyInTheLogAreAcknowledgedButStoredOnce() throws Exception {
        try (TestServer server = new TestServer(dir, "")) {
            Path key = KeyGen.generate(dir, "k", "ed25519");
            server.enroll("web01", key);
            AckClient.Result r;
            try (AckClient c = AckClient.open(server.data(), server.port(), key)) {
                assertEquals(0, c.hello("s"));
                for (int i = 1; i <= 3; i++) {
                    c.frame(Frames.LINE, i, "line " + i);
                }
                r = c.finish(LONG);
            }
            assertEquals(3, r.lastAck(), r::toString);
            try (AckClient c = AckClient.open(server.data(), server.port(), key)) {
                assertEquals(3, c.hello("s"));
                for (int i = 2; i <= 4; i++) {
                    c.frame(Frames.LINE, i, "line " + i);
                }
                r = c.finish(LONG);
            }
            assertEquals(0, r.exit(), r::toString);
            assertEquals(4, r.lastAck(), r::toString);
            assertEquals(List.of("s:1 log line 1", "s:2 log line 2", "s:3 log line 3", "s:4 log line 4"),
                    stored(server, "web01"));
        }
    }

    @Test
    void aClientThatVanishesMidStreamLeavesItsFramesStoredAndNoThreadBehind() throws Exception {
        try (TestServer server = new TestServer(dir, "")) {
            Path key = KeyGen.generate(dir, "k", "ed25519");
            server.enroll("web01", key);
            try (AckClient c = AckClient.open(server.data(), server.port(), key)) {
                assertEquals(0, c.hello("s"));
                for (int i = 1; i <= 50; i++) {
                    c.frame(Frames.LINE, i, "line " + i);
                }
                c.flush();
                for (int i = 1; c.awaitFrame(i, LONG).seq() < 50; i++) { // frame 0 is the WELCOME; each waits LONG
                    assertTrue(i <= 50, "no ACK for 50");
                }
                c.frame(Frames.LINE, 51, "sent as the connection drops");
                c.flush();
            } // closed without EOF or exit status: as a host that loses its network
            awaitAudit(server, t -> t.matches(
                    "stream-end host=web01 stream=s ending=(connection-lost|closed-by-server|eof) last=5[01]"));
            CommandThreads.awaitNoneInThisJvm();
            List<String> stored = stored(server, "web01");
            assertTrue(stored.size() == 50 || stored.size() == 51, stored::toString);
            for (int i = 1; i <= stored.size(); i++) {
                assertEquals("s:" + i + " log " + (i == 51 ? "sent as the connection drops" : "line " + i),
                        stored.get(i - 1));
            }
        }
    }

    @Test
    void aFullDiskEndsTheSessionWith74AndNeverAcknowledgesWhatIsNotStored() throws Exception {
        try (TestServer server = new TestServer(dir, "")) {
            Path full = server.data().resolve("hosts/web01");
            Files.createDirectory(full, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                    java.nio.file.attribute.PosixFilePermissions.fromString("rwx------")));
            Run.Result mount = Run.run("mount", "-t", "tmpfs", "-o", "size=1m,mode=0700", "loghost-test",
                    full.toString());
            assertEquals(0, mount.exit(), mount::toString);
            try {
                Path key = KeyGen.generate(dir, "k", "ed25519");
                server.enroll("web01", key);
                String pad = "p".repeat(20_000);
                AckClient.Result r;
                try (AckClient c = AckClient.open(server.data(), server.port(), key)) {
                    assertEquals(0, c.hello("s"));
                    for (int i = 1; i <= 100; i++) {
                        c.frame(Frames.LINE, i, i + " " + pad);
                    }
                    r = c.finish(LONG);
                }
                assertEquals(74, r.exit(), r::toString);
                assertEquals("the loghost could not store your lines", r.error());
                awaitAudit(server, t -> t.startsWith("storage-error host=web01 stream=s "));
                List<String> stored = stored(server, "web01");
                assertTrue(stored.size() < 100 && r.lastAck() <= stored.size(), r + " stored " + stored.size());

                // Space returns: the next session resumes after what the log holds; each line is stored once.
                Run.Result grow = Run.run("mount", "-o", "remount,size=16m", full.toString());
                assertEquals(0, grow.exit(), grow::toString);
                try (AckClient c = AckClient.open(server.data(), server.port(), key)) {
                    long last = c.hello("s");
                    assertEquals(stored.size(), last);
                    for (long i = last + 1; i <= 100; i++) {
                        c.frame(Frames.LINE, i, i + " " + pad);
                    }
                    r = c.finish(LONG);
                }
                assertEquals(0, r.exit(), r::toString);
                assertEquals(100, r.lastAck());
                stored = stored(server, "web01");
                assertEquals(100, stored.size());
                for (int i = 1; i <= 100; i++) {
                    assertEquals("s:" + i + " log " + i + " " + pad, stored.get(i - 1));
                }
                CommandThreads.awaitNoneInThisJvm();
                assertEquals(0, server.cli("verify").exit());
            } finally {
                server.stop();
                Run.run("umount", "-l", full.toString());
            }
        }
    }

    @Test
    void twoSessionsSendingTheSameFramesAtOnceStoreEachOnceAndBothAreAcknowledged() throws Exception {
        try (TestServer server = new TestServer(dir, "")) {
            Path key = KeyGen.generate(dir, "k", "ed25519");
            server.enroll("web01", key);
            try (AckClient a = AckClient.open(server.data(), server.port(), key);
                 AckClient b = AckClient.open(server.data(), server.port(), key)) {
                assertEquals(0, a.hello("s"));
                assertEquals(0, b.hello("s"));
                for (int i = 1; i <= 2000; i++) {
                    a.frame(Frames.LINE, i, "line " + i);
                    b.frame(Frames.LINE, i, "line " + i);
                    if (i % 100 == 0) {
                        a.flush();
                        b.flush();
                    }
                }
                AckClient.Result ra = a.finish(LONG);
                AckClient.Result rb = b.finish(LONG);
                assertEquals(0, ra.exit(), ra::toString);
                assertEquals(0, rb.exit(), rb::toString);
                assertEquals(2000, ra.lastAck());
                assertEquals(2000, rb.lastAck());
            }
            List<String> stored = stored(server, "web01");
            assertEquals(2000, stored.size());
            for (int i = 1; i <= 2000; i++) {
                assertEquals("s:" + i + " log line " + i, stored.get(i - 1));
            }
        }
    }

    // ---- MARK and GAP are stored whole or refused, never cut ----

    @Test
    void markAndGapTextsAreStoredWholeUpToTheBoundAndRefusedBeyondIt() throws Exception {
        try (TestServer server = new TestServer(dir, "loghost.store.max-line = 1KiB")) {
            Path key = KeyGen.generate(dir, "k", "ed25519");
            server.enroll("web01", key);
            String mark = "heartbeat " + "m".repeat(Frames.MAX_TEXT - 10);
            String gap = "lines-dropped " + "g".repeat(Frames.MAX_TEXT - 14);
            AckClient.Result r;
            try (AckClient c = AckClient.open(server.data(), server.port(), key)) {
                assertEquals(0, c.hello("s"));
                c.frame(Frames.MARK, 1, mark);
                c.frame(Frames.GAP, 2, gap);
                c.flush();
                assertEquals(2, c.awaitFrame(1, LONG).seq());
                c.frame(Frames.MARK, 3, mark + "!");
                r = c.finish(LONG);
            }
            assertEquals(65, r.exit(), r::toString);
            assertEquals(2, r.lastAck(), r::toString);
            assertEquals("protocol error: MARK text of 4097 bytes exceeds 4096", r.error());
            assertEquals(List.of("s:1 mark " + mark, "s:2 gap " + gap), stored(server, "web01"));
        }
    }

    // ---- any Throwable ends the session cleanly ----

    @Test
    void anErrorInsideTheCommandEndsTheSessionWithAnErrorFrameAnAuditRecordAndNoThreadLeft() throws Exception {
        java.io.ByteArrayOutputStream frames = new java.io.ByteArrayOutputStream();
        Frames.writeText(frames, Frames.HELLO, "loghost-ack 1 stream=s");
        Frames.writeSeq(frames, Frames.LINE, 1, "stored before the error".getBytes(StandardCharsets.US_ASCII), 0, 23);
        Frames.writeSeq(frames, Frames.LINE, 2, "never read".getBytes(StandardCharsets.US_ASCII), 0, 10);
        byte[] input = frames.toByteArray();
        // A real OutOfMemoryError cannot be made to happen at a chosen byte; this frame reader throws one where
        // the command would have allocated the third frame.
        FrameAssembler failing = new FrameAssembler() {
            private int frame;

            @Override
            Frames.Frame next() throws Frames.ProtocolException {
                if (frame == 2) {
                    throw new OutOfMemoryError("Java heap space (injected)");
                }
                Frames.Frame f = super.next();
                frame += f == null ? 0 : 1;
                return f;
            }
        };
        loghost.store.LogStore store = loghost.testing.Stores.open(dir.resolve("hosts"),
                loghost.store.DigestAlgorithm.SHA256, java.time.Clock.systemUTC());
        loghost.audit.AuditTrail audit = new loghost.audit.AuditTrail(store.host("_loghost"), 20);
        loghost.metrics.ServerMetrics metrics = new loghost.metrics.ServerMetrics(dir.resolve("hosts"),
                java.time.Clock.systemUTC());
        Refusals refusals = new Refusals(audit, metrics);
        Path key = KeyGen.generate(dir, "k", "ed25519");
        assertEquals(0, Cli.run(dir, "enroll", "web01", KeyGen.pub(key).toString()).exit());
        java.security.PublicKey publicKey = org.apache.sshd.common.config.keys.PublicKeyEntry
                .parsePublicKeyEntry(Files.readString(KeyGen.pub(key)).trim()).resolvePublicKey(null, null, null);
        EnrolledKeysAuthenticator keys = new EnrolledKeysAuthenticator(
                new loghost.keys.EnrolledKeysFile(dir), refusals);
        keys.loadInitial();
        SessionWorkers workers = new SessionWorkers();
        AckedAppendCommand cmd = new AckedAppendCommand(store, new ActiveSessions(4, keys, metrics), 65536,
                refusals, metrics, null, workers, failing);
        AuthenticatedHost who = new AuthenticatedHost("web01", "SHA256:test", publicKey);
        FakeChannelOutput out = new FakeChannelOutput(true);
        FakeChannelOutput err = new FakeChannelOutput(true);
        java.util.concurrent.CompletableFuture<Integer> exited = new java.util.concurrent.CompletableFuture<>();
        cmd.attach(new SessionChannel() {
            @Override
            public AuthenticatedHost who() {
                return who;
            }

            @Override
            public org.apache.sshd.server.session.ServerSession session() {
                return null;
            }

            @Override
            public void release(int bytes) {
                // No window here.
            }

            @Override
            public boolean eofSignalled() {
                return false;
            }

            @Override
            public void closeNow() {
                exited.completeExceptionally(new AssertionError("closed at once"));
            }
        });
        cmd.setIoOutputStream(out);
        cmd.setIoErrorStream(err);
        cmd.setExitCallback((code, message, close) -> exited.complete(code));

        cmd.start(null, null);
        cmd.data(null, input, 0, input.length);
        int[] exit = {exited.get(60, TimeUnit.SECONDS)};
        workers.close(java.time.Duration.ofSeconds(30));

        assertEquals(70, exit[0]);
        assertEquals("loghost: internal error\n", new String(err.bytes(), StandardCharsets.UTF_8));
        java.io.DataInputStream answer = new java.io.DataInputStream(new java.io.ByteArrayInputStream(
                out.bytes()));
        assertEquals(0, loghost.forward.Welcome.parse(Frames.read(answer)).last());
        Frames.Frame ack = Frames.read(answer);
        assertEquals(Frames.ACK, ack.kind());
        assertEquals(1, ack.seq());
        Frames.Frame error = Frames.read(answer);
        assertEquals(Frames.ERROR, error.kind());
        assertEquals("internal error", new String(error.body(), StandardCharsets.UTF_8));
        assertNull(Frames.read(answer));
        assertEquals(List.of(), CommandThreads.inThisJvm(), "a thread still works for the ended command");
        audit.close();
        store.close();
        List<String> events = HostRecords.read(dir, "_loghost").stream().map(HostRecords.Rec::text).toList();
        assertTrue(events.stream().anyMatch(e -> e.matches("internal-error host=web01 stream=s "
                + "reason=\"java.lang.OutOfMemoryError: Java heap space \\(injected\\)\"")), events::toString);
        assertTrue(events.stream().anyMatch(e -> e.equals("stream-end host=web01 stream=s ending=internal-error "
                + "last=1")), events::toString);
        assertEquals(List.of("log stored before the error"), HostRecords.read(dir, "web01").stream()
                .map(r -> r.type() + " " + r.text()).toList());
    }

    private static List<String> stored(TestServer server, String host) throws Exception {
        List<String> out = new ArrayList<>();
        for (HostRecords.Rec rec : HostRecords.read(server.data(), host)) {
            Matcher m = META_C.matcher(rec.meta());
            assertTrue(m.find(), rec.meta());
            out.add(m.group(1) + ":" + m.group(2) + " " + rec.type() + " " + rec.text());
        }
        return out;
    }

    static HostRecords.Rec awaitAudit(TestServer server, Predicate<String> match) throws Exception {
        return HostRecords.awaitAudit(server.data(), match);
    }
}
