package loghost;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import loghost.store.DigestAlgorithm;
import loghost.store.HostLog;
import loghost.store.LineBatch;
import loghost.store.LineSplitter;
import loghost.store.LogStore;
import loghost.testing.HostRecords;
import loghost.testing.Stores;
import loghost.testing.TestServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The worked example in docs/FORMAT.md, read from the doc's own bytes. */
class FormatDocTest {

    private static final Path DOC = Path.of("docs/FORMAT.md");

    @TempDir
    Path dir;

    private static String doc() throws Exception {
        return Files.readString(DOC, StandardCharsets.UTF_8);
    }

    /** The example file's bytes: the fenced block between the example markers. */
    private static byte[] exampleFile() throws Exception {
        Matcher m = Pattern.compile("<!-- example-file: hosts/web01/2026-11-22.log -->\n```\n(.*?)```\n"
                + "<!-- end-example-file -->", Pattern.DOTALL).matcher(doc());
        assertTrue(m.find(), "example block missing from docs/FORMAT.md");
        return m.group(1).getBytes(StandardCharsets.UTF_8);
    }

    private static List<String> lines(byte[] file) {
        String s = new String(file, StandardCharsets.UTF_8);
        assertTrue(s.endsWith("\n"));
        return List.of(s.substring(0, s.length() - 1).split("\n", -1));
    }

    @Test
    void digestsRecomputeFromTheDocTextByItsOwnRules() throws Exception {
        List<String> lines = lines(exampleFile());
        String header = lines.get(0);
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        // Genesis: H("loghost-genesis " || host), straight from the doc's definition.
        byte[] prev = sha.digest("loghost-genesis web01".getBytes(StandardCharsets.US_ASCII));
        assertTrue(header.endsWith(" prev=" + HexFormat.of().formatHex(prev)), header);
        assertTrue(doc().contains("`" + HexFormat.of().formatHex(prev) + "`"), "genesis value stated in the doc");

        Matcher table = Pattern.compile("\\| (\\d) \\| `[^|]*` \\| `([0-9a-f]{64})` \\|").matcher(doc());
        List<String> tableDigests = new ArrayList<>();
        while (table.find()) {
            tableDigests.add(table.group(2));
        }
        assertEquals(4, tableDigests.size(), "digest table rows");

        for (int i = 1; i < lines.size(); i++) {
            byte[] line = lines.get(i).getBytes(StandardCharsets.UTF_8);
            // Fields: SEQ TIME TYPE META DIGEST MESSAGE; canonical is the line without "DIGEST SP".
            int sp = -1;
            int[] spaces = new int[5];
            for (int f = 0; f < 5; f++) {
                sp = indexOf(line, (byte) ' ', sp + 1);
                spaces[f] = sp;
            }
            String digestHex = new String(line, spaces[3] + 1, spaces[4] - spaces[3] - 1, StandardCharsets.US_ASCII);
            sha.update(prev);
            sha.update(line, 0, spaces[3] + 1);
            sha.update(line, spaces[4] + 1, line.length - spaces[4] - 1);
            byte[] d = sha.digest();
            assertEquals(digestHex, HexFormat.of().formatHex(d), "record on line " + (i + 1));
            assertEquals(tableDigests.get(i - 1), digestHex, "table row " + i);
            prev = d;
        }
    }

    private static int indexOf(byte[] b, byte c, int from) {
        for (int i = from; i < b.length; i++) {
            if (b[i] == c) {
                return i;
            }
        }
        throw new AssertionError("missing field separator");
    }

    @Test
    void verifyAcceptsTheExampleAndDecodingGivesBackTheInputs() throws Exception {
        try (TestServer server = new TestServer(dir, "")) {
            Path hostDir = server.data().resolve("hosts/web01");
            Files.createDirectories(hostDir);
            Files.setPosixFilePermissions(hostDir, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
            Path file = Files.write(hostDir.resolve("2026-11-22.log"), exampleFile());
            Files.setPosixFilePermissions(file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
            var r = server.cli("verify", "--host", "web01");
            assertEquals(0, r.exit(), r::toString);
            assertEquals("verify: OK: 1 host, 1 file, 4 records\n", r.stdout());

            Map<String, byte[]> sessions = HostRecords.sessions(HostRecords.read(server.data(), "web01"));
            assertArrayEquals(session1(), sessions.get("s=1"));
            assertArrayEquals(session3(), sessions.get("s=3"));
        }
    }

    @Test
    void theWriterProducesTheExampleByteForByte() throws Exception {
        Clock t1 = Clock.fixed(Instant.parse("2026-11-22T10:15:30.125Z"), ZoneOffset.UTC);
        LogStore store = Stores.open(dir.resolve("hosts"), DigestAlgorithm.SHA256, new Clock() {
            private int calls;

            @Override
            public long millis() {
                return calls++ == 0 ? t1.millis() : Instant.parse("2026-11-22T10:16:02.500Z").toEpochMilli();
            }

            @Override
            public Instant instant() {
                return Instant.ofEpochMilli(millis());
            }

            @Override
            public ZoneOffset getZone() {
                return ZoneOffset.UTC;
            }

            @Override
            public Clock withZone(java.time.ZoneId zone) {
                return this;
            }
        });
        HostLog log = store.host("web01");
        feed(log, new LineSplitter(64 * 1024), session1());
        feed(log, new LineSplitter(42), session3());
        store.close();
        assertArrayEquals(exampleFile(), Files.readAllBytes(dir.resolve("hosts/web01/2026-11-22.log")));
    }

    private static void feed(HostLog log, LineSplitter splitter, byte[] input) throws Exception {
        LineBatch batch = new LineBatch();
        splitter.feed(input, 0, input.length, batch);
        splitter.finish(batch);
        log.append(batch);
    }

    private static byte[] session1() {
        String a = "<38>Nov 22 10:15:30 web01 sshd[812]: Accepted publickey for admin from 192.0.2.7 port 50122 ssh2\n";
        byte[] b = concat(a.getBytes(StandardCharsets.US_ASCII),
                "tab\there, backslash C:\\temp, ESC \u001b[2J, byte ".getBytes(StandardCharsets.US_ASCII),
                new byte[] {(byte) 0xff}, ", RLM \u200f, café\n".getBytes(StandardCharsets.UTF_8));
        return b;
    }

    private static byte[] session3() {
        byte[] b = "a line cut at max-line: its first part ...... and the rest\n".getBytes(StandardCharsets.US_ASCII);
        assertEquals(59, b.length, "58 bytes and LF, as the doc says");
        return b;
    }

    private static byte[] concat(byte[]... parts) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }
}
