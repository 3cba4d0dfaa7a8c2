package loghost.forward;

import static loghost.forward.TwoLoghostsRig.lines;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import loghost.protocol.Frames;
import loghost.testing.Await;
import loghost.testing.Cli;
import loghost.testing.ForwarderProcess;
import loghost.testing.GrowingFiles;
import loghost.testing.HostRecords;
import loghost.testing.Run;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** loghost forward to two loghosts: each gets the whole stream once; one that stays away is not waited for. */
class TwoLoghostsTest {

    @TempDir
    Path dir;

    private TwoLoghostsRig rig;

    @BeforeEach
    void rig() throws Exception {
        rig = new TwoLoghostsRig(dir);
    }

    @AfterEach
    void stop() throws Exception {
        rig.close();
    }

    private static void append(Path log, List<String> lines) throws IOException {
        try (OutputStream out = Files.newOutputStream(log, StandardOpenOption.APPEND)) {
            out.write((String.join("\n", lines) + "\n").getBytes(StandardCharsets.US_ASCII));
        }
    }

    @Test
    void oneLoghostKilledAndRestartedDuring100000LinesBothEndWithEveryLineOnce() throws Exception {
        rig.a.start();
        rig.b.start();
        Path log = dir.resolve("app.log");
        Files.createFile(log);
        ForwarderProcess fwd = rig.forward(null, "--spool", dir.resolve("spool").toString(), "--file",
                log.toString(), "--heartbeat", "0s");
        fwd.awaitLog("file-follow");
        Thread writer = GrowingFiles.writer(log, "flowing line", 100_000);
        // kill -9 in the middle of the run, at a measured point: B has stored lines, far from all of them.
        long atKill = Await.until(() -> "10000 lines stored on B before its kill",
                () -> HostRecords.count(rig.b.data, "web01", "log"), n -> n >= 10_000);
        assertTrue(atKill > 0, "B was killed before anything was stored");
        rig.b.kill();
        rig.b.start();
        writer.join();

        List<String> want = lines("flowing line", 1, 100_000);
        assertEquals(want, rig.a.awaitLines(100_000), "loghost A: every line once, in order");
        assertEquals(want, rig.b.awaitLines(100_000), "loghost B, killed and restarted: every line once");
        assertEquals(0, Cli.run(rig.a.data, "verify").exit());
        assertEquals(0, Cli.run(rig.b.data, "verify").exit());
        Run.Result cmp = rig.compare();
        assertEquals(0, cmp.exit(), cmp::toString);
        assertTrue(cmp.stdout().contains("identical: 1 stream"), cmp::toString);
        assertTrue(Pattern.compile("stream file\\.[0-9a-f]{16}: 100000 entries match, c=1\\.\\.100000")
                .matcher(cmp.stdout()).find(), cmp::toString);
        for (TwoLoghostsRig.Loghost l : List.of(rig.a, rig.b)) {
            Run.Result st = Cli.run(l.data, "status");
            String row = st.stdout().lines().filter(r -> r.startsWith("web01\t")).findFirst().orElseThrow();
            assertEquals("100000", row.split("\t")[3], "status on loghost " + l.name + " shows what it has");
        }
    }

    @Test
    void loghostDownLongerThanTheMaxLagIsReportedStopsHoldingTheSpoolAndGetsAGapNamingWhatItLacks()
            throws Exception {
        rig.a.start();
        rig.b.start();
        Path log = dir.resolve("app.log");
        Files.createFile(log);
        Path spool = dir.resolve("spool");
        // A 256 KiB spool: 64 KiB segments, the unit the spool drops in.
        ForwarderProcess fwd = rig.forward(null, "--spool", spool.toString(), "--spool-max", "256KiB", "--file",
                log.toString(), "--heartbeat", "1s", "--destination-max-lag", "3s");
        fwd.awaitLog("file-follow");
        append(log, lines("x".repeat(60) + " before", 1, 100));
        assertEquals(100, rig.b.awaitLines(100).size());
        rig.b.kill(); // and it stays down
        long bHad = rig.b.records().stream().mapToLong(TwoLoghostsRig::cseq).max().orElseThrow();

        List<String> during = lines("x".repeat(60) + " during", 1, 1500);
        append(log, during.subList(0, 1000));
        fwd.awaitLog("destination-lagging to=" + rig.b.to());
        append(log, during.subList(1000, 1500));
        List<String> all = new ArrayList<>(lines("x".repeat(60) + " before", 1, 100));
        all.addAll(during);
        assertEquals(all, rig.a.awaitLines(1600), "A gets everything while B is down");
        // The spool no longer keeps for B what A has and is older than the max lag: its oldest segments go.
        Await.until(() -> "segments B lacks dropped from the spool", () -> lowestSegment(spool) > bHad + 1);
        // A's heartbeats say that B lags.
        Await.until(() -> "a heartbeat on A saying lagging=", () -> rig.a.records().stream()
                .anyMatch(r -> r.type().equals("mark") && r.text().contains("lagging=")));
        assertTrue(rig.a.records().stream().anyMatch(r -> r.type().equals("mark")
                && r.text().endsWith(" lagging=" + rig.b.to())), "the heartbeat on A names B as lagging");

        rig.b.start();
        List<HostRecords.Rec> gaps = Await.whileProgressing(
                () -> rig.b.records().stream().filter(r -> r.type().equals("gap")).toList(), g -> !g.isEmpty());
        assertEquals(1, gaps.size(), "one gap record on B");
        Matcher m = Pattern.compile("cseqs-dropped from=(\\d+) to=(\\d+) count=(\\d+) \\(.*\\)").matcher(
                gaps.get(0).text());
        assertTrue(m.matches(), gaps.get(0).text());
        long from = Long.parseLong(m.group(1));
        long to = Long.parseLong(m.group(2));
        assertEquals(to - from + 1, Long.parseLong(m.group(3)));
        assertEquals(to, TwoLoghostsRig.cseq(gaps.get(0)), "the gap record takes the last dropped cseq");
        // B has every cseq A has, except exactly the ones its gap record names: no silent hole.
        Map<Long, String> onA = entries(rig.a);
        long lastOnA = onA.keySet().stream().max(Long::compare).orElseThrow();
        Map<Long, String> onB = Await.whileProgressing(() -> entries(rig.b), b -> b.containsKey(lastOnA));
        onA = entries(rig.a);
        for (Map.Entry<Long, String> e : onA.entrySet()) {
            long c = e.getKey();
            if (c >= from && c < to) {
                assertFalse(onB.containsKey(c), "cseq " + c + " is named dropped and is not on B");
            } else if (c != to) {
                assertEquals(e.getValue(), onB.get(c), "cseq " + c + " on B as on A");
            }
        }
        assertEquals(bHad + 1, from, "the dropped range starts right after what B had");
        Run.Result cmp = rig.compare();
        assertEquals(1, cmp.exit(), cmp::toString);
        assertTrue(cmp.stdout().contains("differ: stream "), cmp::toString);
        assertEquals(0, Cli.run(rig.b.data, "verify").exit());
    }

    @Test
    void forwarderRestartedWithItsTwoLoghostsAtDifferentPositionsDeliversEveryLineOnceToEach() throws Exception {
        rig.a.start();
        rig.b.start();
        Path log = dir.resolve("app.log");
        Files.createFile(log);
        Path spool = dir.resolve("spool");
        ForwarderProcess fwd = rig.forward(null, "--spool", spool.toString(), "--file", log.toString(),
                "--heartbeat", "0s");
        fwd.awaitLog("file-follow");
        append(log, lines("first", 1, 2000));
        assertEquals(2000, rig.b.awaitLines(2000).size());
        rig.b.kill();
        append(log, lines("second", 1, 3000));
        assertEquals(5000, rig.a.awaitLines(5000).size());
        fwd.kill(); // kill -9: A has 5,000 entries, B 2,000
        append(log, lines("third", 1, 1000));

        // Started again from a config file that lists both loghosts, in the other order.
        Path conf = dir.resolve("forward.conf");
        Files.writeString(conf, "loghost.forward {\n  to = [\"" + rig.b.to() + "\", \"" + rig.a.to() + "\"]\n"
                + "  key = \"" + rig.key + "\"\n  known-hosts = \"" + rig.knownHosts + "\"\n  spool-dir = \"" + spool
                + "\"\n  file = \"" + log + "\"\n  heartbeat-interval = 0s\n}\n");
        fwd = rig.forwardWith(null, "--config", conf.toString());
        fwd.awaitLog("file-follow");
        rig.b.start();
        append(log, lines("fourth", 1, 500));
        List<String> want = new ArrayList<>(lines("first", 1, 2000));
        want.addAll(lines("second", 1, 3000));
        want.addAll(lines("third", 1, 1000));
        want.addAll(lines("fourth", 1, 500));
        assertEquals(want, rig.a.awaitLines(want.size()));
        assertEquals(want, rig.b.awaitLines(want.size()));
        Run.Result cmp = rig.compare();
        assertEquals(0, cmp.exit(), cmp::toString);
        String state = Files.readString(spool.resolve("spool-state"));
        assertTrue(state.startsWith("spool-state 2\n"), state);
        assertEquals(2, state.lines().filter(l -> l.startsWith("dest ")).count(), state);
    }

    @Test
    void singleDestinationSpoolOfTheEarlierVersionIsUpgradedAndDeliveredToBoth() throws Exception {
        rig.a.start();
        rig.b.start();
        // A spool as the single-destination version left it: its stream id, its state (no version line, no
        // destinations), and a segment of 500 entries of which loghost A already holds up to cseq 200.
        Path spool = dir.resolve("spool");
        Files.createDirectories(spool);
        String stream = "stdin.0123456789abcdef";
        Files.writeString(spool.resolve("stream-id"), stream + " 0\n");
        Files.writeString(spool.resolve("spool-state"), "highest 0\n");
        List<String> old = lines("spooled by the old version", 1, 500);
        try (OutputStream out = Files.newOutputStream(spool.resolve(String.format("%020d.seg", 1)))) {
            for (int i = 0; i < old.size(); i++) {
                out.write(SpoolEntry.encode(Frames.LINE, i + 1, System.currentTimeMillis(), null, -1,
                        old.get(i).getBytes(StandardCharsets.US_ASCII)));
            }
        }
        String sent = RawAckClient.sendLine(rig.a.port, rig.key, stream, 200, old.get(199));
        assertTrue(sent.endsWith("ack 200"), sent);

        ForwarderProcess f = rig.forward(Files.createFile(dir.resolve("empty")), "--spool", spool.toString(),
                "--stdin", "--heartbeat", "0s");
        assertEquals(0, f.await(120), f::stderr);
        assertEquals(old.subList(199, 500), rig.a.lines(), "A: from where it was on");
        assertEquals(old, rig.b.lines(), "B: all of it");
        assertTrue(rig.b.records().stream().allMatch(r -> r.meta().contains(",c=" + stream + ":")),
                "the same stream id on both");
        assertTrue(f.stderr().contains("spool-upgraded"), f::stderr);
        String state = Files.readString(spool.resolve("spool-state"));
        assertTrue(state.startsWith("spool-state 2\nhighest 500\n"), state);
        assertTrue(state.contains("dest " + rig.a.to() + " 500 " + stream + " 0\n"), state);
        assertTrue(state.contains("dest " + rig.b.to() + " 500 " + stream + " 0\n"), state);
    }

    @Test
    void stdinRunEndsWithoutALaggingLoghostAndANextRunTellsItWhatItWillNeverGet() throws Exception {
        rig.a.start();
        Path spool = dir.resolve("spool");
        // B is down for the whole first run: once its missing lines are older than the max lag, the run ends.
        List<String> in = lines("stdin line", 1, 500);
        ForwarderProcess first = rig.forward(rig.file("in", in), "--spool", spool.toString(), "--stdin",
                "--heartbeat", "0s", "--destination-max-lag", "2s");
        assertEquals(75, first.await(120), first::stderr);
        assertTrue(first.stderr().contains("loghost forward: error: " + rig.b.to() + " has acknowledged up to cseq 0 "
                + "of 500 (it lagged longer than forward.destination-max-lag"), first::stderr);
        assertEquals(in, rig.a.lines());

        // B is back for the next run: what only A still needed is dropped, and B is told, by cseq, what is gone.
        rig.b.start();
        ForwarderProcess second = rig.forward(Files.createFile(dir.resolve("empty")), "--spool", spool.toString(),
                "--stdin", "--heartbeat", "0s", "--destination-max-lag", "2s");
        assertEquals(0, second.await(120), second::stderr);
        assertTrue(second.stderr().contains("destination-lagging to=" + rig.b.to()), second::stderr);
        List<HostRecords.Rec> onB = rig.b.records();
        assertEquals(1, onB.size(), () -> onB.toString());
        assertEquals("gap", onB.get(0).type());
        assertTrue(onB.get(0).text().startsWith("cseqs-dropped from=1 to=500 count=500 ("), onB.get(0).text());
        assertEquals(500, TwoLoghostsRig.cseq(onB.get(0)));
        assertEquals(in, rig.a.lines(), "nothing twice on A");
    }

    @Test
    void streamConflictAtOneLoghostMovesOnlyThatLoghostToANewStream() throws Exception {
        rig.a.start();
        rig.b.start();
        Path spool = dir.resolve("spool");
        Files.createDirectories(spool);
        String known = "stdin.00112233445566ff";
        Files.writeString(spool.resolve("stream-id"), known + " 0\n");
        // Someone with the host's key pushed the stream far ahead on B only.
        String poison = RawAckClient.sendLine(rig.b.port, rig.key, known, 5_000_000L, "poison");
        assertTrue(poison.endsWith("ack 5000000"), poison);

        List<String> in = lines("conflict line", 1, 300);
        ForwarderProcess f = rig.forward(rig.file("in", in), "--spool", spool.toString(), "--stdin",
                "--heartbeat", "0s");
        assertEquals(0, f.await(120), f::stderr);
        assertEquals(in, rig.a.lines());
        assertTrue(rig.a.records().stream().allMatch(r -> r.meta().contains(",c=" + known + ":")),
                "A keeps the spool's stream");
        List<String> onB = new ArrayList<>(List.of("poison"));
        onB.addAll(in);
        assertEquals(onB, rig.b.lines(), "B gets every line, after the poison");
        HostRecords.Rec firstOnB = rig.b.records().get(1);
        assertFalse(firstOnB.meta().contains(known), firstOnB.meta());
        assertEquals(1, TwoLoghostsRig.cseq(firstOnB), "B's new stream starts at 1: " + firstOnB.meta());
        List<String> conflicts = f.stderr().lines().filter(l -> l.contains("stream-conflict")).toList();
        assertEquals(1, conflicts.size(), f::stderr);
        assertTrue(conflicts.get(0).contains("stream-conflict stream=" + known + " loghost-has=5000000 ")
                && conflicts.get(0).contains("the loghost at " + rig.b.to() + " holds more"), conflicts.get(0));
    }

    @Test
    void changedHostKeyAtOneLoghostStopsOnlyThatOne() throws Exception {
        rig.a.start();
        rig.b.start();
        // B's line in known_hosts names another key: a man in the middle on the path to B.
        Path other = loghost.testing.KeyGen.generate(dir, "impostor", "ed25519");
        Files.writeString(rig.knownHosts, Files.readString(rig.a.ownKnownHosts) + "[127.0.0.1]:" + rig.b.port + " "
                + Files.readString(loghost.testing.KeyGen.pub(other)).strip() + "\n");
        List<String> in = lines("only for A", 1, 200);
        ForwarderProcess f = rig.forward(rig.file("in", in), "--spool", dir.resolve("spool").toString(), "--stdin",
                "--heartbeat", "0s");
        assertEquals(78, f.await(120), f::stderr);
        assertEquals(in, rig.a.lines(), "A gets everything");
        assertEquals(List.of(), rig.b.lines(), "nothing is sent to B");
        assertTrue(f.stderr().contains("loghost forward: refused: HOST KEY CHANGED: [127.0.0.1]:" + rig.b.port
                + " presented "), f::stderr);
        assertTrue(f.stderr().contains("host-key-refused to=" + rig.b.to()), f::stderr);
    }

    // The entries of the host's streams on one loghost, by cseq.
    private static Map<Long, String> entries(TwoLoghostsRig.Loghost l) throws IOException {
        Map<Long, String> m = new TreeMap<>();
        for (HostRecords.Rec r : l.records()) {
            if (!r.type().equals("mark")) {
                m.put(TwoLoghostsRig.cseq(r), r.type() + " " + r.text());
            }
        }
        return m;
    }

    private static long lowestSegment(Path spool) throws IOException {
        try (Stream<Path> s = Files.list(spool)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".seg"))
                    .mapToLong(n -> Long.parseLong(n.substring(0, n.length() - 4))).min().orElse(Long.MAX_VALUE);
        }
    }
}
