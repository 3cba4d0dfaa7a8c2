package loghost.read;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import loghost.store.DigestAlgorithm;
import loghost.store.LineBatch;
import loghost.store.LogStore;
import loghost.store.RecordType;
import loghost.testing.Await;
import loghost.testing.KeyGen;
import loghost.testing.Run;
import loghost.testing.Stores;
import loghost.testing.TestServer;
import loghost.testing.ManualClock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code loghost cat} and {@code tail}, run as real processes, give back what the hosts sent. */
class ReadBackTest {

    @TempDir
    Path dir;

    private static List<String> loghost(Path data, String... args) {
        List<String> cmd = new ArrayList<>(List.of("java", "-cp", System.getProperty("java.class.path"),
                "loghost.cli.Main"));
        cmd.add(args[0]);
        cmd.addAll(List.of("--data", data.toString()));
        cmd.addAll(List.of(args).subList(1, args.length));
        return cmd;
    }

    private static Run.Result run(Path data, String... args) throws Exception {
        return Run.run(loghost(data, args), null, null, 60);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    @Test
    void catGivesBackTheExactBytesOfJunkAndOfLinesSplitIntoContRecords() throws Exception {
        try (TestServer server = new TestServer(dir, "loghost.store.max-line = 100\n")) {
            Path key = KeyGen.generate(dir, "web01", "ed25519");
            server.enroll("web01", key);
            ByteArrayOutputStream sent = new ByteArrayOutputStream();
            Random random = new Random(42);
            for (int i = 0; i < 200; i++) {
                byte[] line = new byte[random.nextInt(400)];
                random.nextBytes(line);
                for (int j = 0; j < line.length; j++) {
                    if (line[j] == '\n') {
                        line[j] = 'x';
                    }
                }
                sent.writeBytes(line);
                sent.write('\n');
            }
            sent.writeBytes(bytes("plain \u001b[2J tab\there\n"));
            Path in = dir.resolve("in.bin");
            Files.write(in, sent.toByteArray());
            assertEquals(0, server.append(key, in).exit());

            Run.Result cat = run(server.data(), "cat", "--host", "web01");
            assertEquals(0, cat.exit(), cat::toString);
            assertArrayEquals(sent.toByteArray(), bytes(cat.stdout()));
            assertEquals("", cat.stderr());

            Run.Result escaped = run(server.data(), "cat", "--host", "web01", "--escape");
            String[] lines = escaped.stdout().split("\n");
            assertEquals(201, lines.length);
            assertEquals("plain \\x1b[2J tab\\there", lines[200]);
            for (String l : lines) {
                assertTrue(l.chars().allMatch(c -> c >= 0x20 && c != 0x7f), "printable: " + l);
            }
        }
    }

    @Test
    void recordsAndJsonModesKeepSeqTimeAndTypeAndTheAuditTrailIsReadable() throws Exception {
        try (TestServer server = new TestServer(dir, "")) {
            Path key = KeyGen.generate(dir, "web01", "ed25519");
            server.enroll("web01", key);
            Path in = dir.resolve("in.txt");
            Files.writeString(in, "first \"quoted\" line\nsecond\n");
            assertEquals(0, server.append(key, in).exit());

            Run.Result records = run(server.data(), "cat", "--host", "web01", "-o", "records");
            String[] r = records.stdout().split("\n");
            assertEquals(2, r.length, records::toString);
            assertTrue(r[0].matches("1 \\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z log s=1 first \"quoted\" line"),
                    r[0]);
            assertTrue(r[1].matches("2 \\S+ log s=1 second"), r[1]);

            Run.Result json = run(server.data(), "cat", "--host", "web01", "-o", "json");
            assertTrue(json.stdout().startsWith("{\"host\":\"web01\",\"seq\":1,\"time\":\""), json::toString);
            assertTrue(json.stdout().contains("\"type\":\"log\",\"meta\":\"s=1\",\"line-ends\":true,"
                    + "\"message\":\"first \\\"quoted\\\" line\"}\n"), json::toString);

            server.stop();
            Run.Result audit = run(server.data(), "cat", "--host", "_loghost");
            assertEquals(0, audit.exit(), audit::toString);
            assertTrue(audit.stdout().contains("session-start host=web01 "), audit::toString);
            assertTrue(audit.stdout().lines().anyMatch(l -> l.startsWith("server-stop")), audit::toString);
        }
    }

    @Test
    void catFollowsTheChainAcrossDayFilesAndFiltersByTimeAndType() throws Exception {
        Path data = dir.resolve("data");
        ManualClock clock = new ManualClock("2026-11-22T23:59:58.000Z");
        LogStore store = Stores.open(data.resolve("hosts"), DigestAlgorithm.SHA256, clock);
        // One session (one batch object keeps its s=) whose line is split across midnight, and a second session.
        LineBatch session = new LineBatch();
        append(store, session, RecordType.LOG, "day one a");
        append(store, session, RecordType.CONT, "a line that crosses ");
        clock.set("2026-11-23T00:00:01.000Z");
        append(store, new LineBatch(), RecordType.LOG, "another session");
        append(store, session, RecordType.LOG, "midnight");
        append(store, session, RecordType.MARK, "heartbeat stream=x pending=0");
        clock.set("2026-11-24T08:00:00.000Z");
        append(store, session, RecordType.LOG, "day three");
        store.close();
        Files.setPosixFilePermissions(data, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));

        Run.Result all = run(data, "cat", "--host", "web01");
        assertEquals("day one a\nanother session\na line that crosses midnight\nday three\n", all.stdout(), all::toString);
        Run.Result marks = run(data, "cat", "--host", "web01", "--type", "mark");
        assertEquals("heartbeat stream=x pending=0\n", marks.stdout(), marks::toString);
        Run.Result since = run(data, "cat", "--host", "web01", "--since", "2026-11-23", "--until",
                "2026-11-24T07:59:59Z");
        assertEquals("another session\na line that crosses midnight\n", since.stdout(), since::toString);
        Run.Result tail = run(data, "tail", "--host", "web01", "-n", "2");
        assertEquals("a line that crosses midnight\nday three\n", tail.stdout(), tail::toString);
    }

    @Test
    void grepPrintsTheLinesAPatternFindsAndSaysByItsExitStatusWhetherAnyDid() throws Exception {
        Path data = dir.resolve("data");
        ManualClock clock = new ManualClock("2026-11-22T10:00:00.000Z");
        LogStore store = Stores.open(data.resolve("hosts"), DigestAlgorithm.SHA256, clock);
        LineBatch session = new LineBatch();
        append(store, session, RecordType.LOG, "sshd[1]: Accepted publickey for admin");
        append(store, session, RecordType.CONT, "sshd[2]: Failed password for ");
        append(store, session, RecordType.LOG, "root from 192.0.2.7");
        append(store, session, RecordType.LOG, "cron[3]: job done");
        store.close();
        Files.setPosixFilePermissions(data, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));

        Run.Result failed = run(data, "grep", "--host", "web01", "failed password for root");
        assertEquals(1, failed.exit(), "case matters by default");
        Run.Result any = run(data, "grep", "--host", "web01", "-i", "failed password for root");
        assertEquals(0, any.exit(), any::toString);
        assertEquals("sshd[2]: Failed password for root from 192.0.2.7\n", any.stdout(), "a line split into cont "
                + "records is matched whole");
        Run.Result inverted = run(data, "grep", "--host", "web01", "-v", "sshd");
        assertEquals("cron[3]: job done\n", inverted.stdout(), inverted::toString);
        Run.Result bad = run(data, "grep", "--host", "web01", "(unclosed");
        assertEquals(2, bad.exit(), "an error is 2, as in GNU grep (1 is only \"no match\"): " + bad);
        assertTrue(bad.stderr().startsWith("loghost: error: not a pattern: "), bad::toString);
    }

    @Test
    void verifyWhileReadingStopsAtAnEditedRecordAfterPrintingWhatCameBefore() throws Exception {
        Path data = dir.resolve("data");
        ManualClock clock = new ManualClock("2026-11-22T10:00:00.000Z");
        LogStore store = Stores.open(data.resolve("hosts"), DigestAlgorithm.SHA256, clock);
        LineBatch session = new LineBatch();
        for (String l : List.of("one", "two", "three", "four")) {
            append(store, session, RecordType.LOG, l);
        }
        clock.set("2026-11-23T10:00:00.000Z");
        append(store, session, RecordType.LOG, "five");
        store.close();
        Files.setPosixFilePermissions(data, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));

        Run.Result clean = run(data, "cat", "--host", "web01", "--verify");
        assertEquals(0, clean.exit(), clean::toString);
        assertEquals("one\ntwo\nthree\nfour\nfive\n", clean.stdout());

        Path day = data.resolve("hosts/web01/2026-11-22.log");
        Files.writeString(day, Files.readString(day).replace(" three", " THREE"));
        Run.Result plain = run(data, "cat", "--host", "web01");
        assertEquals(0, plain.exit(), "without --verify it reads what is there");
        Run.Result checked = run(data, "cat", "--host", "web01", "--verify");
        assertEquals(1, checked.exit(), checked::toString);
        assertEquals("one\ntwo\n", checked.stdout());
        assertEquals("loghost: error: chain broken at hosts/web01/2026-11-22.log:4: digest does not match the chain "
                + "(run loghost verify)\n", checked.stderr());
    }

    @Test
    void tailFollowsLinesAsTheyArrive() throws Exception {
        try (TestServer server = new TestServer(dir, "")) {
            Path key = KeyGen.generate(dir, "web01", "ed25519");
            server.enroll("web01", key);
            Path in = dir.resolve("in.txt");
            Files.writeString(in, "one\ntwo\nthree\n");
            assertEquals(0, server.append(key, in).exit());

            Process tail = new ProcessBuilder(loghost(server.data(), "tail", "--host", "web01", "-n", "2", "-f"))
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
            try {
                InputStream out = tail.getInputStream();
                assertEquals("two\nthree\n", readUntil(out, "three\n"));
                Files.writeString(in, "four\nfive\n");
                assertEquals(0, server.append(key, in).exit());
                assertEquals("four\nfive\n", readUntil(out, "five\n"));
            } finally {
                tail.destroyForcibly();
                tail.waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void badInputIsOneLineAndExit1OrUsageExit2() throws Exception {
        Path data = dir.resolve("data");
        Files.createDirectories(data.resolve("hosts"));
        Run.Result missing = run(data, "cat", "--host", "web09");
        assertEquals(1, missing.exit(), missing::toString);
        assertTrue(missing.stderr().startsWith("loghost: error: no log for host web09"), missing::toString);
        Run.Result path = run(data, "cat", "--host", "../etc");
        assertEquals(1, path.exit(), path::toString);
        assertTrue(path.stderr().startsWith("loghost: error: not a host name: \"../etc\""), path::toString);
        Run.Result type = run(data, "cat", "--host", "web09", "--type", "bogus");
        assertEquals(1, type.exit(), type::toString);
        Run.Result noHost = run(data, "tail", "--host");
        assertEquals(2, noHost.exit(), noHost::toString);
    }

    private static String readUntil(InputStream in, String end) throws Exception {
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        long deadline = System.nanoTime() + Await.WAIT.toNanos();
        while (!got.toString(StandardCharsets.UTF_8).endsWith(end)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out; got: " + got);
            }
            int b = in.read();
            if (b < 0) {
                throw new AssertionError("ended; got: " + got);
            }
            got.write(b);
        }
        return got.toString(StandardCharsets.UTF_8);
    }

    private static void append(LogStore store, LineBatch b, RecordType type, String text) throws Exception {
        byte[] raw = text.getBytes(StandardCharsets.UTF_8);
        b.add(type, raw, 0, raw.length);
        store.host("web01").append(b);
        b.clear();
    }

}
