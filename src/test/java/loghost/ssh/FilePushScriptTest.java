package loghost.ssh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import loghost.testing.Await;
import loghost.testing.Cli;
import loghost.testing.HostRecords;
import loghost.testing.KeyGen;
import loghost.testing.Run;
import loghost.testing.ServerProcess;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shipped host script, src/host/loghost-push-file, as its unit runs it: a file written continuously by a writer
 * that keeps it open (O_APPEND, as syslog daemons do), the real ssh client, the loghost in its own process on
 * 127.0.0.1. Rotated by rename + create and by copytruncate ({@code cp} then {@code truncate}), its ssh client, the
 * loghost and the script itself killed with SIGKILL at measured points, then truncated and refilled past the offset
 * sent: every line stored once, in order, except lines written between the copy and the truncation, which only the
 * gap record may account for; each truncation one gap record.
 */
class FilePushScriptTest {

    private static final Path SCRIPT = Path.of("src/host/loghost-push-file");
    private static final Pattern LINE = Pattern.compile("line (\\d{6}) x+");
    private static final Pattern LOST = Pattern.compile("file-lost name=syslog dev=\\d+ ino=\\d+ fp=[0-9a-f]{12} "
            + "generation=1 from=(\\d+) at-least=(\\d+) \\(truncated in place\\)");

    @TempDir
    Path dir;
    private final List<Process> scripts = new ArrayList<>();
    private Path log;
    private FileOutputStream writer;
    private int written;

    @AfterEach
    void cleanUp() throws IOException {
        scripts.forEach(FilePushScriptTest::killTree);
        if (writer != null) {
            writer.close();
        }
    }

    // As systemd stops a unit (its whole control group), or a kill -9 of the script and its children.
    private static void killTree(Process p) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
    }

    private Process start(int port, Path key) throws Exception {
        ProcessBuilder pb = new ProcessBuilder("sh", SCRIPT.toAbsolutePath().toString());
        pb.environment().putAll(Map.of("LOGHOST", "log@127.0.0.1", "LOGHOST_PORT", String.valueOf(port),
                "LOGHOST_KEY", key.toString(), "LOGHOST_KNOWN_HOSTS", dir.resolve("known_hosts").toString(),
                "LOGHOST_SSH_OPTS", "-F /dev/null -o IdentityAgent=none -o LogLevel=ERROR -o ConnectTimeout=10",
                "LOGHOST_FILE", log.toString(), "LOGHOST_NAME", "syslog", "RETRY_SECONDS", "1",
                "CHUNK_BYTES", "1024")); // small chunks: a kill at a measured point lands mid-stream
        pb.redirectInput(new File("/dev/null"));
        pb.redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("script.out").toFile()));
        pb.redirectError(ProcessBuilder.Redirect.appendTo(dir.resolve("script.err").toFile()));
        Process p = pb.start();
        scripts.add(p);
        return p;
    }

    // n more lines, each one write(2) as a syslog daemon writes them: "line NNNNNN xxx...".
    private void write(int n) throws IOException {
        for (int i = 0; i < n; i++) {
            written++;
            writer.write(String.format("line %06d %s%n", written, "x".repeat(20 + written % 40))
                    .getBytes(StandardCharsets.US_ASCII));
        }
    }

    private void reopen() throws IOException {
        if (writer != null) {
            writer.close();
        }
        writer = new FileOutputStream(log.toFile(), true);
    }

    private static List<Integer> lines(Path data) throws Exception {
        List<Integer> out = new ArrayList<>();
        for (HostRecords.Rec r : HostRecords.read(data, "web01")) {
            Matcher m = LINE.matcher(r.text());
            if (r.meta().contains(",c=f.syslog.") && r.type().equals("log") && m.matches()) {
                out.add(Integer.parseInt(m.group(1)));
            }
        }
        return out;
    }

    private List<Integer> awaitLine(Path data, int line) throws Exception {
        return Await.until(() -> "line " + line + " stored; script stderr: " + stderr(), () -> lines(data),
                s -> s.contains(line));
    }

    private String stderr() {
        try {
            return Files.readString(dir.resolve("script.err"));
        } catch (IOException e) {
            return "(none: " + e + ")";
        }
    }

    private static void run(String... command) throws Exception {
        Run.Result r = Run.run(List.of(command), null, Map.of(), 60);
        assertEquals(0, r.exit(), r::toString);
    }

    // Waits until line n is stored, n short of the last line written: the measured point of a kill that should land
    // in the middle of the stream (chunks of CHUNK_BYTES), which assertKilledMidStream checks after the kill.
    private void awaitMidStream(Path data, int n) throws Exception {
        assertTrue(n < written, "a measured point before the last line written");
        awaitLine(data, n);
    }

    // Nothing is stored after the kill that was not sent before it: the last line missing now was missing then.
    private void assertKilledMidStream(Path data, String what) throws Exception {
        List<Integer> now = lines(data);
        assertTrue(!now.contains(written), what + " killed after every line was stored proves nothing: "
                + now.size() + " stored, " + written + " written");
    }

    @Test
    void everyLineOnceInOrderThroughRotationsAndKilledSshLoghostAndScript() throws Exception {
        log = dir.resolve("syslog");
        reopen();
        write(500);
        Path data = dir.resolve("data");
        Path known = dir.resolve("known_hosts");
        ServerProcess server = ServerProcess.start(data, dir.resolve("server.err"), known);
        int port = server.port();
        try {
            Path key = KeyGen.generate(dir, "web01", "ed25519");
            assertEquals(0, Cli.run(data, "enroll", "web01", KeyGen.pub(key).toString()).exit());
            Process script = start(port, key);
            awaitLine(data, 500);

            // Rotation by rename + create while 3,000 lines wait to be sent; the writer adds two lines to the renamed
            // file before it reopens.
            write(3000);
            Files.move(log, dir.resolve("syslog.1"));
            write(2);
            reopen();
            int firstOfNew = written + 1;
            write(100);
            awaitLine(data, written);

            // The ssh client killed at a measured point, 1,000 of 5,000 new lines stored, the rest on its way.
            write(5000);
            awaitMidStream(data, written - 4000);
            script.descendants().filter(h -> h.info().commandLine().orElse("").endsWith("append-log --file syslog"))
                    .findFirst().orElseThrow().destroyForcibly();
            assertKilledMidStream(data, "the ssh client");
            write(100);
            awaitLine(data, written);

            Copytruncate cut = copytruncate(data);

            // The loghost killed with SIGKILL at a measured point, mid-stream; the file grows while it is away.
            write(5000);
            awaitMidStream(data, written - 4000);
            server.close();
            assertKilledMidStream(data, "the loghost");
            write(100);
            server = ServerProcess.start(data, dir.resolve("server.err"), known, port);
            awaitLine(data, written);

            // The script killed with SIGKILL mid-stream and started again (as systemd's Restart=always does).
            write(5000);
            awaitMidStream(data, written - 4000);
            killTree(script);
            assertKilledMidStream(data, "the script");
            write(100);
            start(port, key);
            awaitLine(data, written);

            refillPastTheOffsetSent(data, cut.truncated());
            assertStoredOnceWithTheGaps(data, firstOfNew, cut.copied(), cut.truncated());
            Run.Result v = Cli.run(data, "verify", "--host", "web01");
            assertEquals(0, v.exit(), v::toString);
        } finally {
            server.close();
        }
    }

    /** The last line in the copy (FILE.1) and the last one written before the truncation. */
    private record Copytruncate(int copied, int truncated) {
    }

    // copytruncate as logrotate does it, while 3,000 lines wait to be sent: shift, copy, then truncate in place; 20
    // lines written in between may be in neither file.
    private Copytruncate copytruncate(Path data) throws Exception {
        write(3000);
        Files.move(dir.resolve("syslog.1"), dir.resolve("syslog.2"));
        run("cp", log.toString(), dir.resolve("syslog.1").toString());
        int copied = written;
        write(20);
        run("truncate", "-s", "0", log.toString());
        int truncated = written;
        write(100);
        awaitLine(data, written);
        // Told on the open connection, before the new content: not left to the next round's look at FILE.1.
        assertEquals(1, HostRecords.count(data, "web01", "gap"), "a gap record before the new content");
        return new Copytruncate(copied, truncated);
    }

    // Truncated in place and at once refilled past the offset sent, with another first line, most likely between two
    // looks of the script: nothing of it was unsent, so nothing is lost, but a second gap record tells the cut.
    private void refillPastTheOffsetSent(Path data, int truncated) throws Exception {
        int refilledFrom = written + 1;
        long sent = 0;
        for (int i = truncated + 1; i <= written; i++) {
            sent += lineLength(i);
        }
        try (FileChannel ch = FileChannel.open(log, StandardOpenOption.WRITE)) {
            ch.truncate(0);
        }
        write(2 * (written - truncated));
        awaitLine(data, written);
        List<HostRecords.Rec> gaps = HostRecords.read(data, "web01").stream()
                .filter(r -> r.type().equals("gap")).toList();
        assertEquals(2, gaps.size(), gaps::toString);
        Matcher m = LOST.matcher(gaps.get(1).text());
        assertTrue(m.matches(), gaps.get(1).text());
        assertEquals(List.of(sent, 0L), List.of(Long.parseLong(m.group(1)), Long.parseLong(m.group(2))),
                "the refilled file's gap: every byte before it stored, none known lost; refilled from line "
                + refilledFrom);
    }

    // Every line once, in order, but those written between copy and truncate, whose loss is the first gap record:
    // from the bytes of the truncated file stored, at least no more than the bytes lost.
    private void assertStoredOnceWithTheGaps(Path data, int firstOfFile, int copied, int truncated) throws Exception {
        List<Integer> stored = lines(data);
        List<Integer> expected = new ArrayList<>();
        for (int i = 1; i <= written; i++) {
            if (i <= copied || i > truncated || stored.contains(i)) {
                expected.add(i);
            }
        }
        assertEquals(expected, stored, "every line once, in order, but those written between copy and truncate");

        List<HostRecords.Rec> gaps = HostRecords.read(data, "web01").stream()
                .filter(r -> r.type().equals("gap")).toList();
        Matcher m = LOST.matcher(gaps.get(0).text());
        assertTrue(m.matches(), gaps.get(0).text());
        long storedBytes = 0;
        long lostBytes = 0;
        for (int i = firstOfFile; i <= truncated; i++) {
            if (stored.contains(i)) {
                storedBytes += lineLength(i);
            } else {
                lostBytes += lineLength(i);
            }
        }
        assertEquals(storedBytes, Long.parseLong(m.group(1)), "from: the truncated file's bytes stored");
        assertTrue(Long.parseLong(m.group(2)) <= lostBytes, "at-least is a lower bound: " + m.group(2));
    }

    private static int lineLength(int i) {
        return String.format("line %06d %s%n", i, "x".repeat(20 + i % 40)).length();
    }
}
