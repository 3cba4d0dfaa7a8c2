package loghost.forward;

import static loghost.forward.ForwardRig.lines;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import loghost.testing.Cli;
import loghost.testing.ForwarderProcess;
import loghost.testing.HostRecords;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Stream identity: a new or wiped spool is a new stream, and a stream someone else wrote is noticed, not lost. */
class ForwardStreamTest {

    private static final Pattern STREAM_OF = Pattern.compile("(?:^|,)c=([a-z0-9._-]+):(\\d+)");

    @TempDir
    Path dir;

    private ForwardRig rig;

    @BeforeEach
    void rig() throws Exception {
        rig = new ForwardRig(dir);
    }

    @AfterEach
    void stop() throws Exception {
        rig.close();
    }

    private static String streamOf(HostRecords.Rec r) {
        Matcher m = STREAM_OF.matcher(r.meta());
        assertTrue(m.find(), r.meta());
        return m.group(1);
    }

    // The CSEQ of c= (META goes on with t= after it when the forwarder sent the line's event time).
    private static String cseqOf(HostRecords.Rec r) {
        Matcher m = STREAM_OF.matcher(r.meta());
        assertTrue(m.find(), r.meta());
        return m.group(2);
    }

    @Test
    void secondStdinForwarderWithAFreshSpoolStoresAllItsLines() throws Exception {
        rig.loghost();
        List<String> first = lines("first host install line", 1, 500);
        ForwarderProcess a = rig.forward(dir.resolve("spool-a"), rig.file("a", first), "--stdin");
        assertEquals(0, a.await(120), a::stderr);
        // The host is reinstalled: a new spool, the same key, the same default stream name.
        List<String> second = lines("second host install line", 1, 500);
        ForwarderProcess b = rig.forward(dir.resolve("spool-b"), rig.file("b", second), "--stdin");
        assertEquals(0, b.await(120), b::stderr);

        List<String> all = new ArrayList<>(first);
        all.addAll(second);
        assertEquals(all, rig.stored(), "exit 0 means every line is in the log");
        List<HostRecords.Rec> recs = rig.records();
        String streamA = streamOf(recs.get(0));
        String streamB = streamOf(recs.get(500));
        assertTrue(streamA.matches("stdin\\.[0-9a-f]{16}"), streamA);
        assertTrue(streamB.matches("stdin\\.[0-9a-f]{16}"), streamB);
        assertNotEquals(streamA, streamB, "each spool is its own stream");
        assertEquals("1", cseqOf(recs.get(500)), "the new stream starts at 1: " + recs.get(500).meta());
        assertEquals(0, Cli.run(rig.data, "verify").exit());
    }

    @Test
    void fileSpoolWipedWhileTheForwarderWasStoppedLosesNoLine() throws Exception {
        rig.loghost();
        Path log = dir.resolve("app.log");
        Files.createFile(log);
        Path spool = dir.resolve("spool");
        ForwarderProcess fwd = rig.forward(spool, null, "--file", log.toString(), "--heartbeat", "0s");
        fwd.awaitLog("file-follow");
        append(log, lines("before the wipe", 1, 1000));
        assertEquals(1000, rig.awaitStored(1000).size());
        fwd.kill();
        deleteTree(spool);

        fwd = rig.forward(spool, null, "--file", log.toString(), "--heartbeat", "0s");
        fwd.awaitLog("file-follow");
        append(log, lines("after the wipe", 1, 1500));
        List<String> want = new ArrayList<>(lines("before the wipe", 1, 1000));
        want.addAll(lines("after the wipe", 1, 1500));
        assertEquals(want, rig.awaitStored(2500));
        assertEquals(0, Cli.run(rig.data, "verify").exit());
    }

    @Test
    void freshForwarderIsNotHitByAPoisonedDefaultStream() throws Exception {
        rig.loghost();
        // Someone holding the host's key writes a far-ahead number into the stream name forwarders used to share.
        String poison = RawAckClient.sendLine(rig.port, rig.key, "stdin", 5_000_000L, "poison");
        assertTrue(poison.endsWith("ack 5000000"), poison);

        List<String> in = lines("after the poison", 1, 300);
        ForwarderProcess f = rig.forward(dir.resolve("spool"), rig.file("in", in), "--stdin");
        assertEquals(0, f.await(120), f::stderr);
        List<String> want = new ArrayList<>(List.of("poison"));
        want.addAll(in);
        assertEquals(want, rig.stored());
    }

    @Test
    void forwarderWhoseStreamWasPoisonedSaysSoRotatesAndStoresEveryLine() throws Exception {
        rig.loghost();
        Path spool = dir.resolve("spool");
        Files.createDirectories(spool);
        String known = "stdin.0011223344556677";
        Files.writeString(spool.resolve("stream-id"), known + " 0\n");
        String poison = RawAckClient.sendLine(rig.port, rig.key, known, 5_000_000L, "poison");
        assertTrue(poison.endsWith("ack 5000000"), poison);

        List<String> in = lines("poisoned stream line", 1, 300);
        ForwarderProcess f = rig.forward(spool, rig.file("in", in), "--stdin");
        assertEquals(0, f.await(120), f::stderr);
        List<String> want = new ArrayList<>(List.of("poison"));
        want.addAll(in);
        assertEquals(want, rig.stored());
        String err = f.stderr();
        List<String> conflicts = err.lines().filter(l -> l.contains("stream-conflict")).toList();
        assertEquals(1, conflicts.size(), err);
        assertTrue(conflicts.get(0).contains("ERROR"), conflicts.get(0));
        assertTrue(Pattern.compile("stream-conflict stream=" + Pattern.quote(known) + " loghost-has=5000000 "
                + "spool-highest=\\d{1,3}: ").matcher(conflicts.get(0)).find(), conflicts.get(0));
        List<HostRecords.Rec> recs = rig.records();
        String rotated = streamOf(recs.get(1));
        assertTrue(rotated.matches("stdin\\.[0-9a-f]{16}") && !rotated.equals(known), rotated);
        assertEquals("1", cseqOf(recs.get(1)), recs.get(1).meta());
        assertTrue(Files.readString(spool.resolve("stream-id")).startsWith(rotated + " "),
                "the new identity is kept in the spool");
        assertEquals(0, Cli.run(rig.data, "verify").exit());
    }

    @Test
    void aCseqOfTwoToThe63MinusOneIsRefusedAndTheStreamStillDeliversEveryLine() throws Exception {
        rig.loghost();
        Path spool = dir.resolve("spool");
        Files.createDirectories(spool);
        String known = "stdin.8899aabbccddeeff";
        Files.writeString(spool.resolve("stream-id"), known + " 0\n");
        // The largest u64 a LINE can carry that still fits the loghost's decimal META field.
        String poison = RawAckClient.sendLine(rig.port, rig.key, known, Long.MAX_VALUE, "poison");

        List<String> in = lines("after a huge last", 1, 50);
        ForwarderProcess f = rig.forward(spool, rig.file("in", in), "--stdin");
        assertEquals(0, f.await(120), () -> "poison: " + poison + "\n" + f.stderr());
        assertEquals(in, rig.stored().stream().filter(l -> !l.equals("poison")).toList());
        // The skip bound refuses the poison, so nothing moved the stream: no conflict (a WELCOME beyond a long is
        // LyingLoghostTest's case, from a stub that can say it).
        assertFalse(f.stderr().contains("stream-conflict"), f::stderr);
        assertFalse(f.stderr().contains("Exception"), f::stderr);
    }

    @Test
    void spoolRemembersItsHighestNumberAfterItsSegmentsAreGone() throws Exception {
        rig.loghost();
        Path spool = dir.resolve("spool");
        // A 64 KiB spool: 16 KiB segments, most of them acknowledged and deleted on the way.
        List<String> first = lines("x".repeat(60) + " first", 1, 3000);
        ForwarderProcess a = rig.forward(spool, rig.file("a", first), "--stdin", "--spool-max", "64KiB",
                "--heartbeat", "0s");
        assertEquals(0, a.await(120), a::stderr);
        try (Stream<Path> s = Files.list(spool)) {
            for (Path seg : s.filter(p -> p.toString().endsWith(".seg")).toList()) {
                Files.delete(seg); // every entry in them is acknowledged: what is left of the spool is its state
            }
        }
        List<String> second = lines("second", 1, 10);
        ForwarderProcess b = rig.forward(spool, rig.file("b", second), "--stdin", "--heartbeat", "0s");
        assertEquals(0, b.await(120), b::stderr);
        assertFalse(b.stderr().contains("stream-conflict"), b::stderr);
        List<HostRecords.Rec> recs = rig.records();
        assertEquals(3010, recs.size());
        assertEquals(streamOf(recs.get(0)), streamOf(recs.get(3000)), "the same spool goes on with its stream");
        assertEquals("3001", cseqOf(recs.get(3000)), recs.get(3000).meta());
    }

    @Test
    void secondForwarderOnTheSameSpoolIsRefused() throws Exception {
        rig.loghost();
        Path log = dir.resolve("app.log");
        Files.createFile(log);
        Path spool = dir.resolve("spool");
        ForwarderProcess first = rig.forward(spool, null, "--file", log.toString(), "--heartbeat", "0s");
        first.awaitLog("file-follow");
        ForwarderProcess second = rig.forward(spool, null, "--file", log.toString(), "--heartbeat", "0s");
        assertEquals(1, second.await(60), second::stderr);
        assertTrue(second.stderr().contains("loghost: error: spool " + spool + " is in use by another loghost "
                + "forward; give each its own --spool"), second::stderr);
        append(log, lines("one reader", 1, 100));
        assertEquals(lines("one reader", 1, 100), rig.awaitStored(100));
    }

    @Test
    void streamNameMustLeaveRoomForTheSpoolsRandomPart() throws Exception {
        ForwarderProcess f = rig.forward(dir.resolve("spool"), rig.file("in", List.of("x")), "--stdin",
                "--stream", "a".repeat(48));
        assertEquals(1, f.await(60), f::stderr);
        assertTrue(f.stderr().contains("loghost: error: stream name \"" + "a".repeat(48) + "\" must match "
                + "[a-z0-9][a-z0-9._-]{0,46} (the spool appends a dot and 16 random hex digits)"), f::stderr);
    }

    @Test
    void streamNamesThatWouldMakeAPullStreamIdAreRefused() throws Exception {
        for (String name : List.of("pull", "pull.c")) {
            ForwarderProcess f = rig.forward(dir.resolve("spool-" + name), rig.file("in-" + name, List.of("x")),
                    "--stdin", "--stream", name);
            assertEquals(1, f.await(60), f::stderr);
            assertTrue(f.stderr().contains("loghost: error: stream name \"" + name + "\" is reserved: stream ids "
                    + "starting with pull. are the loghost's own pull records"), f::stderr);
        }
    }

    @Test
    void spoolOfOneStreamNameRefusesAnother() throws Exception {
        rig.loghost();
        Path spool = dir.resolve("spool");
        ForwarderProcess a = rig.forward(spool, rig.file("a", List.of("a line")), "--stdin", "--stream", "app");
        assertEquals(0, a.await(120), a::stderr);
        String id = Files.readString(spool.resolve("stream-id")).split(" ")[0];
        ForwarderProcess b = rig.forward(spool, rig.file("b", List.of("b line")), "--stdin");
        assertEquals(1, b.await(60), b::stderr);
        assertTrue(b.stderr().contains("loghost: error: spool " + spool + " belongs to stream " + id
                + ", not to a stream named stdin: give --stream app or a spool of its own"), b::stderr);
        assertEquals(List.of("a line"), rig.stored());
    }

    private static void append(Path log, List<String> lines) throws Exception {
        try (OutputStream out = Files.newOutputStream(log, StandardOpenOption.APPEND)) {
            out.write((String.join("\n", lines) + "\n").getBytes(StandardCharsets.US_ASCII));
        }
    }

    private static void deleteTree(Path p) throws Exception {
        try (Stream<Path> s = Files.walk(p)) {
            for (Path q : s.sorted((x, y) -> y.getNameCount() - x.getNameCount()).toList()) {
                Files.delete(q);
            }
        }
    }
}
