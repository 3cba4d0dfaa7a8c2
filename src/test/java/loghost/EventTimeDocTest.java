package loghost;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import loghost.store.DigestAlgorithm;
import loghost.store.LineBatch;
import loghost.store.LogStore;
import loghost.store.RecordType;
import loghost.testing.Run;
import loghost.testing.Stores;
import loghost.testing.TestServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The worked example "A line delivered late" in docs/FORMAT.md (META {@code t=}), read from the doc's own bytes. */
class EventTimeDocTest {

    private static final String STORED = "2026-11-23T00:20:05.500Z";
    private static final String READ_1 = "2026-11-22T23:59:58.250Z";
    private static final String READ_2 = "2026-11-23T00:20:05.125Z";
    private static final String LINE_1 = "<86>Nov 22 23:59:58 web01 CRON[4242]: pam_unix(cron:session): session opened"
            + " for user root";
    private static final String LINE_2 = "<30>Nov 23 00:20:05 web01 systemd[1]: Started loghost-forward.service.";

    @TempDir
    Path dir;

    private static String doc() throws Exception {
        return Files.readString(Path.of("docs/FORMAT.md"), StandardCharsets.UTF_8);
    }

    private static byte[] exampleFile() throws Exception {
        Matcher m = Pattern.compile("<!-- example-event-time: hosts/web01/2026-11-23.log -->\n```\n(.*?)```\n",
                Pattern.DOTALL).matcher(doc());
        assertTrue(m.find(), "example block missing from docs/FORMAT.md");
        return m.group(1).getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void theWriterProducesTheExampleByteForByte() throws Exception {
        LogStore store = Stores.open(dir.resolve("hosts"), DigestAlgorithm.SHA256,
                Clock.fixed(Instant.parse(STORED), ZoneOffset.UTC));
        LineBatch batch = new LineBatch();
        batch.stream("syslog");
        add(batch, LINE_1, 7, READ_1);
        add(batch, LINE_2, 8, READ_2);
        store.host("web01").append(batch);
        store.close();
        byte[] written = Files.readAllBytes(dir.resolve("hosts/web01/2026-11-23.log"));
        assertEquals(new String(exampleFile(), StandardCharsets.UTF_8), new String(written, StandardCharsets.UTF_8));
    }

    private static void add(LineBatch batch, String line, long cseq, String read) {
        byte[] b = line.getBytes(StandardCharsets.US_ASCII);
        batch.add(RecordType.LOG, b, 0, b.length, cseq, Instant.parse(read).toEpochMilli());
    }

    @Test
    void theEventTimesAreTheReadTimesAndTheDigestsRecomputeByTheDocsRules() throws Exception {
        List<String> lines = List.of(new String(exampleFile(), StandardCharsets.UTF_8).split("\n"));
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        byte[] prev = sha.digest("loghost-genesis web01".getBytes(StandardCharsets.US_ASCII));
        assertTrue(lines.get(0).endsWith(" prev=" + HexFormat.of().formatHex(prev)), lines.get(0));
        String[] read = {READ_1, READ_2};
        for (int i = 1; i < lines.size(); i++) {
            String[] f = lines.get(i).split(" ", 6);
            assertEquals(STORED, f[1]);
            Matcher t = Pattern.compile(",t=([0-9]+)\\.([0-9]{3})$").matcher(f[3]);
            assertTrue(t.find(), f[3]);
            Instant event = Instant.ofEpochSecond(Long.parseLong(t.group(1)), Long.parseLong(t.group(2)) * 1_000_000);
            assertEquals(Instant.parse(read[i - 1]), event);
            assertTrue(doc().contains("`t=" + t.group(1) + "." + t.group(2) + "` is " + read[i - 1]),
                    "the doc names the event time of record " + i);
            sha.update(prev);
            sha.update((f[0] + " " + f[1] + " " + f[2] + " " + f[3] + " " + f[5]).getBytes(StandardCharsets.UTF_8));
            prev = sha.digest();
            assertEquals(HexFormat.of().formatHex(prev), f[4], "record " + i);
        }
    }

    // loghost cat as a real process: it writes to the process's standard output.
    static Run.Result cat(Path data, String... args) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of("java", "-cp", System.getProperty("java.class.path"),
                "loghost.cli.Main", "cat", "--data", data.toString()));
        cmd.addAll(List.of(args));
        return Run.run(cmd, null, null, 120);
    }

    @Test
    void verifyAcceptsTheExampleAndJsonShowsBothTimes() throws Exception {
        try (TestServer server = new TestServer(dir, "")) {
            Path hostDir = Files.createDirectories(server.data().resolve("hosts/web01"));
            Files.setPosixFilePermissions(hostDir, PosixFilePermissions.fromString("rwx------"));
            Path file = Files.write(hostDir.resolve("2026-11-23.log"), exampleFile());
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
            var r = server.cli("verify", "--host", "web01");
            assertEquals(0, r.exit(), r::toString);
            assertEquals("verify: OK: 1 host, 1 file, 2 records\n", r.stdout());

            var json = cat(server.data(), "--host", "web01", "-o", "json");
            assertEquals(0, json.exit(), json::toString);
            List<String> out = json.stdout().lines().toList();
            assertEquals(2, out.size(), json.stdout());
            assertTrue(out.get(0).contains("\"time\":\"" + READ_1 + "\",\"received\":\"" + STORED + "\""), out.get(0));
            assertTrue(out.get(1).contains("\"time\":\"" + READ_2 + "\",\"received\":\"" + STORED + "\""), out.get(1));

            // The first line happened on the 22nd: an event-time window of that day finds it in the 23rd's file.
            var day22 = cat(server.data(), "--host", "web01", "--since", "2026-11-22", "--until", "2026-11-23");
            assertEquals(LINE_1 + "\n", day22.stdout(), day22::toString);
            var received22 = cat(server.data(), "--host", "web01", "--since", "2026-11-22", "--until",
                    "2026-11-23", "--receive-time");
            assertEquals("", received22.stdout(), received22::toString);
        }
    }
}
