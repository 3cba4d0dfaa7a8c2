package loghost.forward;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import loghost.testing.Await;
import loghost.testing.Cli;
import loghost.testing.ForwarderProcess;
import loghost.testing.GrowingFiles;
import loghost.testing.HostRecords;
import loghost.testing.KeyGen;
import loghost.testing.Run;
import loghost.testing.ServerProcess;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** loghost forward against a real loghost process: every line exactly once, through kills and outages. */
class ForwardTest {

    @TempDir
    Path dir;

    private Path data;
    private Path key;
    private Path knownHosts;
    private int port;
    private final List<AutoCloseable> running = new ArrayList<>();

    @BeforeEach
    void enrollHost() throws Exception {
        data = dir.resolve("data");
        key = KeyGen.generate(dir, "web01", "ed25519");
        assertEquals(0, Cli.run(data, "enroll", "web01", KeyGen.pub(key).toString()).exit());
        knownHosts = dir.resolve("known_hosts");
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
    }

    @AfterEach
    void stopAll() throws Exception {
        for (AutoCloseable c : running) {
            c.close();
        }
    }

    private ServerProcess loghost() throws Exception {
        ServerProcess s = ServerProcess.start(data, dir.resolve("loghost.err"), knownHosts, port);
        running.add(s);
        return s;
    }

    private ForwarderProcess forward(Path stdin, String... source) throws Exception {
        List<String> args = new ArrayList<>(List.of("--to", "127.0.0.1:" + port, "--key", key.toString(),
                "--known-hosts", knownHosts.toString(), "--spool", dir.resolve("spool").toString()));
        args.addAll(List.of(source));
        ForwarderProcess f = ForwarderProcess.start(stdin, dir.resolve("forward.err"), args.toArray(String[]::new));
        running.add(f);
        return f;
    }

    private List<String> stored() throws IOException {
        return HostRecords.read(data, "web01").stream().filter(r -> !r.type().equals("mark"))
                .map(HostRecords.Rec::text).toList();
    }

    private List<String> awaitStored(int n) throws Exception {
        return Await.whileProgressing(this::stored, got -> got.size() >= n);
    }

    // A kill at a measured point: once at least `want` lines are stored (read from the store, awaited), never
    // before anything was sent. Returns the count seen then.
    private long awaitLogRecords(long want, String before) throws Exception {
        long n = Await.until(() -> want + " lines stored before " + before, () -> HostRecords.count(data, "web01",
                "log"), c -> c >= want);
        assertTrue(n > 0, before + " after nothing was stored");
        return n;
    }

    private static List<String> lines(String prefix, int from, int to) {
        List<String> l = new ArrayList<>();
        for (int i = from; i <= to; i++) {
            l.add(prefix + " " + i);
        }
        return l;
    }

    private Path file(String name, List<String> lines) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, String.join("\n", lines) + "\n");
        return p;
    }

    @Test
    void stdinIsDeliveredExactlyOnceAndAStreamResumesWhereItStopped() throws Exception {
        loghost();
        List<String> first = lines("first run line", 1, 100_000);
        assertEquals(0, forward(file("a", first), "--stdin").await(120));
        assertEquals(first, stored());
        List<HostRecords.Rec> recs = HostRecords.read(data, "web01");
        // The stream id is the name plus the spool's random part: the same spool goes on with the same stream.
        String meta = recs.get(recs.size() - 1).meta();
        // A forwarder sends each line's spool time, stored after c= as t= (docs/FORMAT.md, "Event time").
        assertTrue(meta.matches("s=1,c=stdin\\.[0-9a-f]{16}:100000,t=[0-9]{10}\\.[0-9]{3}"), meta);
        String stream = meta.substring("s=1,c=".length(), meta.lastIndexOf(':'));

        List<String> second = lines("second run line", 1, 10);
        assertEquals(0, forward(file("b", second), "--stdin").await(60));
        List<String> all = new ArrayList<>(first);
        all.addAll(second);
        assertEquals(all, stored());
        String last = HostRecords.read(data, "web01").get(100_009).meta();
        assertTrue(last.matches("s=[0-9]+,c=" + java.util.regex.Pattern.quote(stream) + ":100010,t=[0-9]{10}\\.[0-9]{3}"),
                last);
        assertEquals(0, Cli.run(data, "verify").exit());
    }

    @Test
    void loghostKilledThreeTimesWhile100000LinesFlowStillGetsEachLineOnce() throws Exception {
        ServerProcess server = loghost();
        Path log = dir.resolve("app.log");
        Files.createFile(log);
        ForwarderProcess fwd = forward(null, "--file", log.toString(), "--heartbeat", "0s");
        fwd.awaitLog("file-follow");
        Thread writer = GrowingFiles.writer(log, "flowing line", 100_000);
        for (int kill = 1; kill <= 3; kill++) {
            awaitLogRecords(10_000L + 30_000L * (kill - 1), "kill " + kill);
            server.process().destroyForcibly(); // kill -9
            server.process().waitFor(Await.WAIT.toMillis(), TimeUnit.MILLISECONDS);
            server = loghost();
        }
        writer.join();
        List<String> got = awaitStored(100_000);
        assertEquals(lines("flowing line", 1, 100_000), got);
        assertEquals(0, Cli.run(data, "verify").exit());
    }

    @Test
    void forwarderKilledMidStreamResumesFromItsSpoolWithoutLossOrDoubles() throws Exception {
        loghost();
        Path log = dir.resolve("app.log");
        Files.createFile(log);
        ForwarderProcess fwd = forward(null, "--file", log.toString(), "--heartbeat", "0s");
        fwd.awaitLog("file-follow");
        Thread writer = GrowingFiles.writer(log, "tailed line", 60_000);
        for (int kill = 1; kill <= 2; kill++) {
            awaitLogRecords(5_000L + 25_000L * (kill - 1), "kill " + kill);
            fwd.kill();
            fwd = forward(null, "--file", log.toString(), "--heartbeat", "0s");
        }
        writer.join();
        assertEquals(lines("tailed line", 1, 60_000), awaitStored(60_000));
        assertEquals(0, Cli.run(data, "verify").exit());
    }

    @Test
    void spoolFullSendsAGapRecordWithTheRightCount() throws Exception {
        // The loghost is down while 5,000 lines arrive through a FIFO; the spool holds 64 KiB. A FIFO writer
        // (syslog) must never block, so the forwarder counts what it cannot keep.
        Path fifo = dir.resolve("fifo");
        assertEquals(0, Run.run("mkfifo", fifo.toString()).exit());
        ForwarderProcess fwd = forward(null, "--fifo", fifo.toString(), "--spool-max", "64KiB", "--heartbeat", "0s");
        fwd.awaitLog("fifo-wait");
        List<String> in = lines("x".repeat(80) + " line", 1, 5000);
        Files.write(fifo, in);
        fwd.awaitLog("spool-full");
        loghost();

        List<HostRecords.Rec> recs = Await.whileProgressing(() -> HostRecords.read(data, "web01"),
                got -> got.stream().anyMatch(r -> r.type().equals("gap")));
        List<String> kept = recs.stream().filter(r -> r.type().equals("log")).map(HostRecords.Rec::text).toList();
        List<HostRecords.Rec> gaps = recs.stream().filter(r -> r.type().equals("gap")).toList();
        assertEquals(1, gaps.size(), "one gap record");
        Matcher m = Pattern.compile("lines-dropped count=(\\d+) first=\\S+Z last=\\S+Z \\(forwarder spool full\\)")
                .matcher(gaps.get(0).text());
        assertTrue(m.matches(), gaps.get(0).text());
        assertEquals(in.subList(0, kept.size()), kept, "what was kept is the start of the input, in order");
        assertEquals(in.size() - kept.size(), Integer.parseInt(m.group(1)), "the gap counts exactly what is missing");
        assertTrue(kept.size() > 100 && kept.size() < 1000, "kept " + kept.size());
        assertEquals(0, Cli.run(data, "verify").exit());
    }

    @Test
    void stdinWaitsForSpoolRoomInsteadOfDropping() throws Exception {
        // A pipe loses nothing by waiting: with a 64 KiB spool, 5,000 lines still all arrive, no gap.
        loghost();
        List<String> in = lines("y".repeat(80) + " line", 1, 5000);
        assertEquals(0, forward(file("in", in), "--stdin", "--spool-max", "64KiB").await(120));
        assertEquals(in, stored());
        assertTrue(HostRecords.read(data, "web01").stream().noneMatch(r -> r.type().equals("gap")));
    }

    @Test
    void changedLoghostHostKeyIsRefusedNamingBothFingerprints() throws Exception {
        loghost();
        Path other = KeyGen.generate(dir, "impostor", "ed25519");
        String otherPub = Files.readString(KeyGen.pub(other)).strip();
        Files.writeString(knownHosts, "[127.0.0.1]:" + port + " " + otherPub + "\n");
        ForwarderProcess fwd = forward(file("in", List.of("secret")), "--stdin");
        assertEquals(78, fwd.await(60), fwd::stderr);
        String real = KeyGen.fingerprint(data.resolve("ssh_host_ed25519_key.pub"));
        assertTrue(fwd.stderr().contains("loghost forward: refused: HOST KEY CHANGED: [127.0.0.1]:" + port
                + " presented " + real + ", but " + knownHosts + " expects " + KeyGen.fingerprint(KeyGen.pub(other))),
                fwd::stderr);
        assertEquals(List.of(), stored(), "nothing may be sent to a loghost with the wrong key");
    }

    @Test
    void heartbeatsAreMarkRecordsAndStatusFlagsSilence() throws Exception {
        loghost();
        Path fifo = dir.resolve("fifo");
        assertEquals(0, Run.run("mkfifo", fifo.toString()).exit());
        ForwarderProcess fwd = forward(null, "--fifo", fifo.toString(), "--heartbeat", "1s");
        HostRecords.Rec mark = Await.until(() -> "a heartbeat stored", () -> HostRecords.read(data, "web01").stream()
                .filter(r -> r.type().equals("mark")).findFirst(), java.util.Optional::isPresent).orElseThrow();
        assertTrue(mark.text().matches("heartbeat stream=fifo\\.[0-9a-f]{16} pending=\\d+"), mark.text());

        Run.Result st = Cli.run(data, "status");
        assertEquals(0, st.exit(), st::toString);
        String row = st.stdout().lines().filter(l -> l.startsWith("web01\t")).findFirst().orElseThrow();
        String[] cols = row.split("\t");
        assertTrue(cols[2].matches("\\d{4}-.*Z"), "last heartbeat shown: " + row);
        assertEquals("ok", cols[7]); // STATE, after LAST-LOG (issue 21 item 3)

        // Heartbeats keep a quiet host from looking dead; a dead forwarder sends none.
        fwd.kill();
        st = Await.until(() -> "status SILENT a second after the forwarder's death",
                () -> Cli.run(data, "status", "--silent-after", "1s"), r -> r.exit() != 0);
        assertEquals(1, st.exit(), st::toString);
        assertTrue(st.stdout().contains("\tSILENT"), st::toString);
        st = Cli.run(data, "status", "--silent-after", "1h");
        assertEquals(0, st.exit(), st::toString);
    }
}
