package loghost.ssh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import loghost.testing.HostRecords;
import loghost.testing.KeyGen;
import loghost.testing.Run;
import loghost.testing.TestServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code append-log --file} and {@code --file-position} through the real OpenSSH client with crafted chunks: each
 * line stored once from the stored position (resends skipped), a cut stored as a gap record with its bound and a
 * new generation, a rotated file's unfinished last line kept, and hostile input refused with one line, audited,
 * nothing after it stored.
 */
class FilePushRulesTest {

    private static final String ID = "2049 131075 0123456789ab";
    private static final PushedFile FILE = new PushedFile("syslog", "2049", "131075", "0123456789ab");

    @TempDir
    Path dir;

    private Run.Result push(TestServer server, Path key, String name, byte[] input) throws Exception {
        Path in = Files.createTempFile(dir, "in", ".chunks");
        Files.write(in, input);
        return server.ssh(key, in, "-T", "log@127.0.0.1", "append-log --file " + name);
    }

    private static Run.Result position(TestServer server, Path key, String args) throws Exception {
        return server.ssh(key, null, "-T", "log@127.0.0.1", "append-log --file-position " + args);
    }

    // A chunk header and its bytes.
    private static byte[] chunk(String kind, String id, long offset, String bytes) {
        return (kind + " " + id + " " + offset + " " + bytes.length() + "\n" + bytes)
                .getBytes(StandardCharsets.US_ASCII);
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    // The pushed-file records of web01 (c=f.), as "TYPE TEXT c=STREAM:END".
    private static List<String> pushed(TestServer server) throws Exception {
        return HostRecords.read(server.data(), "web01").stream().filter(r -> r.meta().contains(",c=f."))
                .map(r -> r.type() + " " + r.text() + " " + r.meta().substring(r.meta().indexOf(",c=") + 1))
                .toList();
    }

    private TestServer serverWithWeb01() throws Exception {
        TestServer server = new TestServer(dir, "loghost.store.max-line = 8");
        server.enroll("web01", KeyGen.generate(dir, "web01", "ed25519"));
        return server;
    }

    @Test
    void storesEachLineOnceFromTheStoredPositionAndTheRestOfARotatedFile() throws Exception {
        try (TestServer server = serverWithWeb01()) {
            Path key = dir.resolve("web01");
            assertEquals(ID + " 0\n", position(server, key, "syslog " + ID).stdout());
            // Two lines and the start of a third: the third is not stored, the position stays after the second.
            Run.Result r = push(server, key, "syslog", chunk("chunk", ID, 0, "one\ntwo\nthr"));
            assertEquals(0, r.exit(), r::toString);
            assertEquals(ID + " 8\n", position(server, key, "syslog " + ID).stdout());
            // A resend from 0 (the overlap skipped), a line longer than max-line (8), then the rotated file's end.
            r = push(server, key, "syslog", concat(chunk("chunk", ID, 0, "one\ntwo\nthree\nfour"),
                    chunk("chunk", ID, 18, "-and-more\n"), chunk("final", ID, 28, "five")));
            assertEquals(0, r.exit(), r::toString);
            assertEquals("", r.stderr());
            String s = "c=" + FILE.base();
            assertEquals(List.of("log one " + s + ":4", "log two " + s + ":8", "log three " + s + ":14",
                    "cont four-and " + s + ":22", "log -more " + s + ":28", "cont five " + s + ":32"),
                    pushed(server));
            assertEquals(ID + " 32\n", position(server, key, "syslog " + ID).stdout());
            assertEquals(0, server.cli("verify").exit());
        }
    }

    @Test
    void aCutIsAGapRecordWithItsBoundAndTheNewContentAGenerationFromZero() throws Exception {
        try (TestServer server = serverWithWeb01()) {
            Path key = dir.resolve("web01");
            assertEquals(0, push(server, key, "syslog", chunk("chunk", ID, 0, "a\nb\n")).exit());
            // Truncated in place after 10 bytes were seen (4 stored): at least 6 lost; then new content from 0.
            byte[] cut = ("cut " + ID + " 10\n").getBytes(StandardCharsets.US_ASCII);
            Run.Result r = push(server, key, "syslog", concat(cut, chunk("chunk", ID, 0, "c\n")));
            assertEquals(0, r.exit(), r::toString);
            assertEquals(ID + " 2\n", position(server, key, "syslog " + ID).stdout());
            assertEquals(0, push(server, key, "syslog", chunk("chunk", ID, 0, "c\nd\n")).exit());
            assertEquals(List.of("log a c=" + FILE.base() + ":2", "log b c=" + FILE.base() + ":4",
                    "gap file-lost name=syslog dev=2049 ino=131075 fp=0123456789ab generation=1 from=4 at-least=6"
                            + " (truncated in place) c=" + FILE.cutStream() + ":1",
                    "log c c=" + FILE.base() + ".g2:2", "log d c=" + FILE.base() + ".g2:4"), pushed(server));
            assertEquals(ID + " 4\n", position(server, key, "syslog " + ID).stdout());
        }
    }

    // The indented lines after `start` in docs/PROTOCOL.md's "Pushing a file" worked example, each with its LF.
    private static String fromDoc(String doc, String start) {
        int at = doc.indexOf(start, doc.indexOf("\nWorked example: web01 follows"));
        assertTrue(at >= 0, start);
        StringBuilder out = new StringBuilder();
        for (String line : doc.substring(doc.indexOf("\n\n", at) + 2).split("\n")) {
            if (!line.startsWith("    ")) {
                break;
            }
            out.append(line.substring(4)).append('\n');
        }
        return out.toString();
    }

    @Test
    void theWorkedExampleOfTheProtocolDocStoresWhatItSays() throws Exception {
        String doc = Files.readString(Path.of("docs/PROTOCOL.md"), StandardCharsets.UTF_8);
        String sent = fromDoc(doc, "It sends, on `append-log --file syslog`, the 44 bytes");
        assertEquals(44, sent.length(), sent);
        PushedFile file = new PushedFile("syslog", "2049", "131075", HexFormat.of().formatHex(
                MessageDigest.getInstance("SHA-256").digest("line one\n".getBytes(StandardCharsets.US_ASCII)), 0, 6));
        assertTrue(doc.contains("FP\n`" + file.fp() + "`)"), file.fp());
        try (TestServer server = new TestServer(dir, "")) {
            Path key = KeyGen.generate(dir, "web01", "ed25519");
            server.enroll("web01", key);
            String asked = fromDoc(doc, "The script asks").strip();
            Run.Result p = server.ssh(key, null, "-T", "log@127.0.0.1", asked);
            assertEquals(file.identity() + " 0\n", p.stdout(), p::toString);
            assertTrue(doc.contains("reads `" + p.stdout().strip() + "` LF"));
            assertEquals(0, push(server, key, "syslog", sent.getBytes(StandardCharsets.US_ASCII)).exit());
            String cut = "cut " + file.identity() + " 9";
            assertTrue(doc.contains("it sends `" + cut + "` LF"), cut);
            assertEquals(0, push(server, key, "syslog", (cut + "\n").getBytes(StandardCharsets.US_ASCII)).exit());
            List<String> stored = pushed(server);
            assertEquals(List.of("log line one c=" + file.base() + ":9", "gap file-lost name=syslog dev=2049"
                    + " ino=131075 fp=" + file.fp() + " generation=1 from=9 at-least=0 (truncated in place) c="
                    + file.cutStream() + ":1"), stored);
            String flat = doc.replace("\n", " ");
            assertTrue(flat.contains("`s=SID,c=" + file.base() + ":9`"), file.base());
            assertTrue(flat.contains("`" + stored.get(1).substring(4, stored.get(1).indexOf(" c=")) + "`"));
            assertTrue(flat.contains("`s=SID,c=" + file.cutStream() + ":1`"), file.cutStream());
        }
    }

    @Test
    void anotherHostsFileIsNotReachable() throws Exception {
        try (TestServer server = serverWithWeb01()) {
            Path other = KeyGen.generate(dir, "db01", "ed25519");
            server.enroll("db01", other);
            assertEquals(0, push(server, dir.resolve("web01"), "syslog", chunk("chunk", ID, 0, "a\n")).exit());
            // db01 asking with web01's very identity and name sees its own host only: nothing.
            assertEquals(ID + " 0\n", position(server, other, "syslog " + ID).stdout());
            assertEquals(0, push(server, other, "syslog", chunk("chunk", ID, 0, "x\n")).exit());
            assertEquals(List.of("log a c=" + FILE.base() + ":2"), pushed(server));
        }
    }

    @Test
    void refusesAChunkBeyondTheStoredPositionAndStoresNothingAfterIt() throws Exception {
        try (TestServer server = serverWithWeb01()) {
            Path key = dir.resolve("web01");
            Run.Result r = push(server, key, "syslog", concat(chunk("chunk", ID, 0, "a\n"),
                    chunk("chunk", ID, 1000, "far\n"), chunk("chunk", ID, 2, "b\n")));
            assertEquals(65, r.exit(), r::toString);
            assertEquals("loghost: refused: file offset 1000 of syslog " + ID
                    + " is beyond the loghost's position 2\n", r.stderr());
            assertEquals(List.of("log a c=" + FILE.base() + ":2"), pushed(server));
            HostRecords.awaitAudit(server.data(), t -> t.startsWith("refused reason=file-offset-ahead")
                    && t.contains("host=web01") && t.contains("name=syslog"));
        }
    }

    @Test
    void refusesANewIdentityOnceTheHostHoldsAsManyStreamsAsThereMayBe() throws Exception {
        try (TestServer server = serverWithWeb01()) {
            // One file with a line, then a made-up identity per header (a new inode each): each opens a stream.
            ByteArrayOutputStream in = new ByteArrayOutputStream();
            in.writeBytes(chunk("chunk", ID, 0, "a\n"));
            for (int ino = 1; ino < loghost.protocol.Frames.MAX_STREAMS_PER_HOST; ino++) {
                in.writeBytes(chunk("chunk", "2049 " + ino + " 0123456789ab", 0, ""));
            }
            in.writeBytes(chunk("chunk", "2049 999999 0123456789ab", 0, "x\n"));
            in.writeBytes(chunk("chunk", ID, 2, "b\n"));
            Run.Result r = push(server, dir.resolve("web01"), "syslog", in.toByteArray());
            assertEquals(65, r.exit(), r::toString);
            assertEquals("loghost: refused: too many file streams: host web01 holds 4096 streams, the most there may"
                    + " be\n", r.stderr());
            assertEquals(List.of("log a c=" + FILE.base() + ":2"), pushed(server));
            HostRecords.awaitAudit(server.data(), t -> t.startsWith("refused reason=file-too-many-streams")
                    && t.contains("host=web01"));
        }
    }

    @Test
    void refusesMalformedHeadersWithOneLineAndStoresNothingAfterThem() throws Exception {
        try (TestServer server = serverWithWeb01()) {
            Path key = dir.resolve("web01");
            for (String bad : List.of("chunk 2049 131075 0123456789AB 0 2\n", "chunk 1 2 0123456789ab -1 2\n",
                    "append 2049 131075 0123456789ab 0 2\n", "chunk 2049 131075 0123456789ab 0 2 extra\n",
                    "chunk 2049\u0007 131075 0123456789ab 0 2\n", "x".repeat(200) + "\n",
                    "cut 7 7 0123456789ab 0\n")) {
                Run.Result r = push(server, key, "syslog", concat(chunk("chunk", ID, 0, "a\n"),
                        bad.getBytes(StandardCharsets.ISO_8859_1), chunk("chunk", ID, 2, "b\n")));
                assertEquals(65, r.exit(), bad + ": " + r);
                assertTrue(r.stderr().startsWith("loghost: refused: malformed file input: "), r.stderr());
                assertEquals(1, r.stderr().lines().count(), r.stderr());
            }
            assertEquals(List.of("log a c=" + FILE.base() + ":2"), pushed(server));
            HostRecords.awaitAudit(server.data(), t -> t.startsWith("refused reason=file-malformed"));
        }
    }

    @Test
    void refusesAMalformedNameOrIdentityInTheCommand() throws Exception {
        try (TestServer server = serverWithWeb01()) {
            Path key = dir.resolve("web01");
            for (String command : List.of("append-log --file", "append-log --file Syslog", "append-log --file a\u0001b",
                    "append-log --file syslog extra", "append-log --file " + "a".repeat(33),
                    "append-log --file-position syslog", "append-log --file-position syslog 1 2 3",
                    "append-log --file-position syslog " + (ID + " ").repeat(5).strip(),
                    "append-log --file-position a;b " + ID)) {
                Run.Result r = server.ssh(key, null, "-T", "log@127.0.0.1", command);
                assertEquals(64, r.exit(), command + ": " + r);
                assertEquals("loghost: refused: --file takes a NAME, --file-position a NAME and 1 to 4 identities"
                        + " DEV INO FP\n", r.stderr());
            }
            HostRecords.awaitAudit(server.data(), t -> t.startsWith("refused reason=file-args-malformed")
                    && t.contains("command=\"append-log --file a\\u0001b\""));
            assertEquals(List.of(), pushed(server));
        }
    }
}
