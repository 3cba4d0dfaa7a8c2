package loghost.pull;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.time.Duration;
import java.util.List;
import loghost.testing.Cli;
import loghost.testing.Run;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Truncation in place and copytruncate rotation of a followed file, pulled with {@code loghost pull --once} from a
 * real sshd running serve-logs: every line stored once, what was lost said in a {@code gap} record.
 */
class CopyTruncateTest {

    @TempDir
    Path tmp;
    private final List<AutoCloseable> toClose = new ArrayList<>();
    private SourceHost host;
    private Path app;
    private Path data;
    private Path config;
    private String tag;

    @BeforeEach
    void setUp() throws Exception {
        Path logs = Files.createDirectories(tmp.resolve("var-log"));
        app = logs.resolve("app.log");
        Files.writeString(app, "");
        host = SourceHost.start(tmp.resolve("source"), List.of(logs + "/app.log*"));
        toClose.add(host);
        data = tmp.resolve("data");
        config = host.writeConfig(tmp.resolve("loghost.conf"), "follow = [\"" + app + "\"]", "from-start = true");
        tag = FollowedFile.pathTag(app.toString());
    }

    @AfterEach
    void closeAll() throws Exception {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
    }

    @Test
    void copytruncateStoresEveryLineOnceAndReportsTheLoss() throws Exception {
        List<String> lines = lines("app", 1, 118);
        append(app, lines.subList(0, 100));
        pullOnce();
        assertEquals(lines.subList(0, 100), stored());
        long stored100 = Files.size(app);

        append(app, lines.subList(100, 110));
        Path copy = app.resolveSibling("app.log.1");
        Files.copy(app, copy); // logrotate's copytruncate: copy...
        long copySize = Files.size(copy);
        append(app, lines.subList(110, 115)); // written between the copy and the truncation: lost, as with any tool
        String oldId = id(app);
        truncate(app); // ...then truncate in place
        append(app, lines.subList(115, 118));
        pullOnce();

        List<String> expected = new ArrayList<>(lines.subList(0, 110));
        expected.addAll(lines.subList(115, 118));
        assertEquals(expected, stored(), "every line the loghost could read, once, in order");
        assertEquals(List.of("pull-lost path=\"" + app + "\" stream=pull." + tag + "." + oldId + " from=" + copySize
                + " at-least=0 copy=pull." + tag + "." + id(copy) + " copy-from=" + stored100 + " source=web01"), gaps());

        pullOnce();
        assertEquals(expected, stored(), "a later round stores nothing again");
        assertEquals(1, gaps().size());
        Run.Result verify = Cli.run(data, "verify");
        assertEquals(0, verify.exit(), verify::toString);
    }

    @Test
    void truncatedInPlaceIsReadFromItsStartAndTheLossIsSaid() throws Exception {
        List<String> lines = lines("app", 1, 40);
        append(app, lines.subList(0, 20));
        pullOnce();
        long size20 = Files.size(app);
        String first = id(app);

        truncate(app); // a new first line: a new identity on the same inode
        append(app, lines.subList(20, 23));
        pullOnce();
        String second = id(app);

        // Truncated again and refilled with the same first line, shorter than what was read: the same identity.
        truncate(app);
        append(app, List.of(lines.get(20), lines.get(23)));
        pullOnce();

        // And again, refilled with the same first line beyond what was read before: only the bytes tell.
        truncate(app);
        List<String> refill = new ArrayList<>(List.of(lines.get(20)));
        refill.addAll(lines.subList(24, 40));
        append(app, refill);
        pullOnce();

        List<String> expected = new ArrayList<>(lines.subList(0, 23));
        expected.addAll(List.of(lines.get(20), lines.get(23)));
        expected.addAll(refill);
        assertEquals(expected, stored());
        long size23 = lines.subList(20, 23).stream().mapToLong(l -> l.length() + 1).sum();
        long size2 = lines.get(20).length() + lines.get(23).length() + 2;
        assertEquals(List.of(
                "pull-lost path=\"" + app + "\" stream=pull." + tag + "." + first + " from=" + size20
                        + " at-least=0 copy=- copy-from=- source=web01",
                "pull-lost path=\"" + app + "\" stream=pull." + tag + "." + second + " from=" + size23
                        + " at-least=0 copy=- copy-from=- source=web01",
                "pull-lost path=\"" + app + "\" stream=pull." + tag + "." + second + ".g2 from=" + size2
                        + " at-least=0 copy=- copy-from=- source=web01"), gaps());
        Run.Result verify = Cli.run(data, "verify");
        assertEquals(0, verify.exit(), verify::toString);
    }

    @Test
    void aFirstLineThatComesBackOnTheSameInodeIsReadFromItsStart() throws Exception {
        // An application that writes a constant banner at each start: identity A, then B, then A again.
        String banner = "Nov 24 10:00:00 web01 app[1]: app 2.1 starting";
        List<String> lines = lines("app", 1, 60);
        List<String> first = new ArrayList<>(List.of(banner));
        first.addAll(lines.subList(0, 20));
        append(app, first);
        pullOnce();
        String a = id(app);
        long sizeA = Files.size(app);

        truncate(app);
        append(app, lines.subList(20, 23));
        pullOnce();
        String b = id(app);
        long sizeB = Files.size(app);

        truncate(app); // the application restarts: the banner again, so identity A on the same inode
        List<String> again = new ArrayList<>(List.of(banner));
        again.addAll(lines.subList(23, 60));
        append(app, again);
        assertEquals(a, id(app));
        pullOnce();

        List<String> expected = new ArrayList<>(first);
        expected.addAll(lines.subList(20, 23));
        expected.addAll(again);
        assertEquals(expected, stored(), "no line skipped, none stored in part");
        assertEquals(List.of(
                "pull-lost path=\"" + app + "\" stream=pull." + tag + "." + a + " from=" + sizeA
                        + " at-least=0 copy=- copy-from=- source=web01",
                "pull-lost path=\"" + app + "\" stream=pull." + tag + "." + b + " from=" + sizeB
                        + " at-least=0 copy=- copy-from=- source=web01"), gaps());
        pullOnce();
        assertEquals(expected, stored(), "a later round stores nothing again");
        Run.Result verify = Cli.run(data, "verify");
        assertEquals(0, verify.exit(), verify::toString);
    }

    @Test
    void aFirstLineThatComesBackAfterAnotherWasSeenButNeverReadIsReadFromItsStart() throws Exception {
        String banner = "Nov 24 10:00:00 web01 app[1]: app 2.1 starting";
        List<String> lines = lines("app", 1, 60);
        List<String> first = new ArrayList<>(List.of(banner));
        first.addAll(lines.subList(0, 20));
        append(app, first);
        pullOnce();
        String a = id(app);
        long sizeA = Files.size(app);

        truncate(app);
        append(app, lines.subList(20, 23));
        String b = id(app);
        long sizeB = Files.size(app);
        // B is seen (stat), its read fails: the evidence is B at offset 0, nothing of it received.
        host.answer(new HostileAnswers().reply("read " + b + " 0 " + sizeB + " ", new byte[0],
                "serve-logs: connection reset\n", 255));
        Run.Result lost = Cli.run(data, "pull", "--config", config.toString(), "--once", "web01");
        assertEquals(1, lost.exit(), lost::toString);
        host.honest();

        truncate(app); // identity A again, longer than A was
        List<String> again = new ArrayList<>(List.of(banner));
        again.addAll(lines.subList(23, 60));
        append(app, again);
        pullOnce();

        List<String> expected = new ArrayList<>(first);
        expected.addAll(again);
        assertEquals(expected, stored(), "no line skipped, none stored in part");
        assertEquals(List.of(
                "pull-lost path=\"" + app + "\" stream=pull." + tag + "." + a + " from=" + sizeA
                        + " at-least=0 copy=- copy-from=- source=web01",
                "pull-lost path=\"" + app + "\" stream=pull." + tag + "." + b + " from=0 at-least=" + sizeB
                        + " copy=- copy-from=- source=web01"), gaps());
    }

    @Test
    void aConnectionLostAfterTheCutSkipsNothingOfTheNewGeneration() throws Exception {
        List<String> lines = lines("app", 1, 40);
        append(app, lines.subList(0, 10));
        pullOnce();
        String first = id(app);
        long size10 = Files.size(app);

        // Truncated and refilled with the same first line, beyond what was read: a new generation, told by its bytes.
        truncate(app);
        List<String> refill = new ArrayList<>(List.of(lines.get(0)));
        refill.addAll(lines.subList(10, 30));
        append(app, refill);
        long size = Files.size(app);
        // The source drops the connection once the cut is found: the gap record is written, no line of .g2 yet.
        host.answer(new HostileAnswers().reply("read " + first + " 0 " + size + " ", new byte[0],
                "serve-logs: connection reset\n", 255));
        Run.Result lost = Cli.run(data, "pull", "--config", config.toString(), "--once", "web01");
        assertEquals(1, lost.exit(), lost::toString);
        assertEquals(1, gaps().size());
        host.honest();
        pullOnce();

        List<String> expected = new ArrayList<>(lines.subList(0, 10));
        expected.addAll(refill);
        assertEquals(expected, stored(), "the new generation is read from its start");
        assertEquals(List.of("pull-lost path=\"" + app + "\" stream=pull." + tag + "." + first + " from=" + size10
                + " at-least=0 copy=- copy-from=- source=web01"), gaps());
        Run.Result verify = Cli.run(data, "verify");
        assertEquals(0, verify.exit(), verify::toString);
    }

    @Test
    void aDamagedLastReadCacheIsNoEvidenceAndThePullGoesOn() throws Exception {
        List<String> lines = lines("app", 1, 10);
        append(app, lines.subList(0, 5));
        pullOnce();
        // Numbers above 2^63-1 that the header's digits allow: parsed, they threw out of the source's thread.
        Path cache = data.resolve("pull/read/web01." + tag);
        Files.writeString(cache, "loghost-last-read 1 pull." + tag + "." + id(app) + " 9999999999999999999 "
                + "9999999999999999999 0\n");
        append(app, lines.subList(5, 10));
        Run.Result r = Cli.run(data, "pull", "--config", config.toString(), "--once", "web01");
        assertEquals(0, r.exit(), r::toString);
        assertEquals(lines, stored());
    }

    @Test
    void aLastReadDirectoryThatIsASymbolicLinkIsNotWrittenThrough() throws Exception {
        List<String> lines = lines("app", 1, 5);
        append(app, lines);
        // serve checks the data directory at its start; a link put there while it runs is met by the pull itself.
        try (PullRig rig = new PullRig(data)) {
            Path outside = Files.createDirectories(tmp.resolve("outside"));
            Files.createDirectories(data.resolve("pull"));
            Files.createSymbolicLink(data.resolve("pull/read"), outside);
            rig.source(PullRig.source(host, "web01", host.hostKeyLine(), List.of(app.toString()), List.of()))
                    .runOnce();
            try (java.util.stream.Stream<Path> s = Files.list(outside)) {
                assertEquals(List.of(), s.toList(), "nothing written through the link");
            }
        }
        assertEquals(lines, PullRig.pulledLines(data, "web01"));
    }

    @Test
    void anUnfinishedLineSeenButNeverStoredIsCountedInTheGap() throws Exception {
        List<String> lines = lines("app", 1, 8);
        append(app, lines.subList(0, 5));
        String unfinished = "Nov 24 10:00:06 web01 app[6]: cut off before its newline";
        Files.writeString(app, unfinished, StandardCharsets.US_ASCII, StandardOpenOption.APPEND);
        pullOnce(); // stores the 5 lines; the unfinished one waits for its LF
        long stored5 = lines.subList(0, 5).stream().mapToLong(l -> l.length() + 1).sum();
        String first = id(app);

        truncate(app); // its LF never comes: those bytes were seen, never stored
        append(app, lines.subList(6, 8));
        pullOnce();

        List<String> expected = new ArrayList<>(lines.subList(0, 5));
        expected.addAll(lines.subList(6, 8));
        assertEquals(expected, stored());
        assertEquals(List.of("pull-lost path=\"" + app + "\" stream=pull." + tag + "." + first + " from=" + stored5
                + " at-least=" + unfinished.length() + " copy=- copy-from=- source=web01"), gaps());
    }

    @Test
    void aStrangerWithTheSameFirstLineIsStoredWholeNotSkipped() throws Exception {
        // A constant header line: two different files share their first line, so their FP.
        String header = "# app log, format 1";
        List<String> lines = lines("app", 1, 60);
        List<String> original = new ArrayList<>(List.of(header));
        original.addAll(lines.subList(0, 30));
        append(app, original);
        pullOnce();
        String oldId = id(app);
        long size = Files.size(app);

        // Not a copy: another file with the same header appears as app.log.1, and app.log is emptied and refilled.
        Path stranger = app.resolveSibling("app.log.1");
        List<String> other = new ArrayList<>(List.of(header));
        other.addAll(lines.subList(30, 50));
        append(stranger, other);
        truncate(app);
        List<String> refill = new ArrayList<>(List.of(header));
        refill.addAll(lines.subList(50, 60));
        append(app, refill);
        pullOnce();

        List<String> expected = new ArrayList<>(original);
        expected.addAll(other);
        expected.addAll(refill);
        assertEquals(expected, stored(), "no line that was not stored is skipped");
        assertEquals(List.of("pull-lost path=\"" + app + "\" stream=pull." + tag + "." + oldId + " from=" + size
                + " at-least=0 copy=pull." + tag + "." + id(stranger) + " copy-from=0 source=web01"), gaps());
    }

    @Test
    void copytruncateUnderLoadLosesOnlyLinesWrittenBetweenCopyAndTruncationAndSaysSoEachTime() throws Exception {
        PullRig loghost = new PullRig(data);
        toClose.add(loghost);
        PullSource source = loghost.source(PullRig.source(host, "web01", host.hostKeyLine(), List.of(app.toString()),
                List.of()));
        Thread puller = new Thread(source::runForever, "test-puller");
        puller.start();
        int total = 20_000;
        int rotations = 3;
        int atRiskPerRotation = 5;
        List<String> written = lines("app", 1, total);
        java.util.Set<String> atRisk = new java.util.HashSet<>();
        java.util.concurrent.atomic.AtomicReference<Throwable> failed = new java.util.concurrent.atomic.AtomicReference<>();
        Thread writer = new Thread(() -> {
            try (java.io.OutputStream out = Files.newOutputStream(app, StandardOpenOption.APPEND)) {
                int rotated = 0;
                for (int i = 0; i < total; i++) {
                    out.write((written.get(i) + "\n").getBytes(StandardCharsets.US_ASCII));
                    if (i % 50 == 49) {
                        Thread.sleep(2); // a busy application, not a tight loop: the puller keeps up
                    }
                    if (rotated < rotations && i == (rotated + 1) * total / (rotations + 1)) {
                        // Rotate while the loghost follows this file (a measured point: it stored lines of it).
                        int before = i + 1 - rotated * atRiskPerRotation;
                        assertTrue(SourceHost.await(Duration.ofMinutes(3), () -> count(loghost.data, "log")
                                >= before - 500), "the loghost follows the file");
                        // logrotate copytruncate: copy, the application writes on, truncate.
                        Files.copy(app, app.resolveSibling("app.log.1"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                        for (int k = 1; k <= atRiskPerRotation; k++) {
                            atRisk.add(written.get(i + k));
                            out.write((written.get(i + k) + "\n").getBytes(StandardCharsets.US_ASCII));
                        }
                        i += atRiskPerRotation;
                        truncate(app);
                        rotated++;
                        int gapsNow = rotated;
                        // The loghost must see the truncation before the file grows past where it was reading.
                        assertTrue(SourceHost.await(Duration.ofMinutes(3),
                                () -> count(loghost.data, "gap") >= gapsNow), "the truncation is noticed");
                    }
                }
            } catch (Throwable e) {
                failed.set(e);
            }
        }, "test-writer");
        writer.start();
        boolean all;
        try {
            writer.join(600_000);
            assertEquals(null, failed.get());
            all = SourceHost.await(Duration.ofMinutes(5), () -> {
                List<String> s = pulled(loghost.data);
                return !s.isEmpty() && s.get(s.size() - 1).equals(written.get(total - 1));
            });
        } finally {
            source.stop();
            puller.join(30_000);
        }
        loghost.close();
        assertTrue(all, "the last line arrives");

        List<String> stored = PullRig.pulledLines(data, "web01");
        assertEquals(stored.size(), new java.util.HashSet<>(stored).size(), "no line stored twice");
        List<String> lost = new ArrayList<>(written);
        lost.removeAll(new java.util.HashSet<>(stored));
        assertTrue(atRisk.containsAll(lost), () -> "lost only lines written between copy and truncation: " + lost);
        List<String> expected = new ArrayList<>(written);
        expected.removeAll(lost);
        assertEquals(expected, stored, "stored + lost == written, in order");
        List<String> gaps = cat(data, "gap");
        assertEquals(rotations, gaps.size(), gaps::toString);
        long reported = 0;
        for (String g : gaps) {
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("pull-lost path=\"" + java.util.regex.Pattern
                    .quote(app.toString()) + "\" stream=pull\\." + tag + "\\.[0-9]+\\.[0-9a-f]{12} from=[0-9]+ at-least="
                    + "([0-9]+) copy=pull\\." + tag + "\\.[0-9]+\\.[0-9a-f]{12} copy-from=[1-9][0-9]* source=web01")
                    .matcher(g);
            assertTrue(m.matches(), g);
            reported += Long.parseLong(m.group(1));
        }
        long lostBytes = lost.stream().mapToLong(l -> l.length() + 1).sum();
        assertTrue(reported <= lostBytes, "at-least is a lower bound: " + reported + " <= " + lostBytes);
        Run.Result verify = Cli.run(data, "verify");
        assertEquals(0, verify.exit(), verify::toString);
    }

    private static int count(Path data, String type) {
        try {
            return (int) loghost.testing.HostRecords.count(data, "web01", type);
        } catch (IOException e) {
            return -1;
        }
    }

    private static List<String> pulled(Path data) {
        try {
            return PullRig.pulledLines(data, "web01");
        } catch (IOException e) {
            return List.of();
        }
    }

    private void pullOnce() {
        Run.Result r = Cli.run(data, "pull", "--config", config.toString(), "--once", "web01");
        assertEquals(0, r.exit(), r::toString);
    }

    private List<String> stored() throws Exception {
        return cat(data, "log");
    }

    private List<String> gaps() throws Exception {
        return cat(data, "gap");
    }

    /** The messages of the records of {@code type} of host web01, as {@code loghost cat} prints them. */
    static List<String> cat(Path data, String type) throws Exception {
        // A process of its own: cat writes the bytes to the real stdout.
        Run.Result r = Run.run(List.of(ProcessHandle.current().info().command().orElse("java"), "-cp",
                System.getProperty("java.class.path"), "loghost.cli.Main", "cat", "--data", data.toString(), "--host",
                "web01", "--type", type), null, null, 300);
        assertEquals(0, r.exit(), r::toString);
        return r.stdout().lines().toList();
    }

    static List<String> lines(String what, int from, int to) {
        List<String> l = new ArrayList<>();
        for (int i = from; i <= to; i++) {
            l.add(String.format("Nov 24 10:%02d:%02d web01 %s[%d]: line %06d", (i / 60) % 60, i % 60, what, i % 97, i));
        }
        return l;
    }

    static void append(Path f, List<String> lines) throws IOException {
        StringBuilder sb = new StringBuilder();
        lines.forEach(l -> sb.append(l).append('\n'));
        Files.writeString(f, sb, StandardCharsets.US_ASCII, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    static void truncate(Path f) throws IOException {
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.WRITE)) {
            ch.truncate(0);
        }
    }

    /** serve-logs' identity of {@code f}: inode and 12 hex of SHA-256 of its first line. */
    static String id(Path f) throws Exception {
        byte[] b = Files.readAllBytes(f);
        int lf = 0;
        while (b[lf] != '\n') {
            lf++;
        }
        byte[] d = MessageDigest.getInstance("SHA-256").digest(Arrays.copyOf(b, lf + 1));
        return Files.getAttribute(f, "unix:ino") + "." + HexFormat.of().formatHex(d).substring(0, 12);
    }
}
