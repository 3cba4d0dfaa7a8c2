package loghost.journal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import loghost.testing.Cli;
import loghost.testing.HostRecords;
import loghost.testing.KeyGen;
import loghost.testing.Run;
import loghost.testing.TestServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The journal entry worked example in docs/FORMAT.md, read from the doc's own bytes and checked against the code. */
class JournalDocTest {

    private static final Path DOC = Path.of("docs/FORMAT.md");

    @TempDir
    Path dir;

    private static String block(String marker) throws Exception {
        String doc = Files.readString(DOC, StandardCharsets.UTF_8);
        Matcher m = Pattern.compile("<!-- example-journal: " + Pattern.quote(marker) + " -->\n```\n(.*?)```\n",
                Pattern.DOTALL).matcher(doc);
        assertTrue(m.find(), marker + " block missing from docs/FORMAT.md");
        return m.group(1);
    }

    private static List<String> dayFile() throws Exception {
        return block("hosts/web01/2026-12-07.log").lines().toList();
    }

    // The record's META after s=1, and its message: what the parser must produce from the doc's export entry.
    private static String[] storedMetaAndMessage() throws Exception {
        String[] f = dayFile().get(1).split(" ", 6);
        assertEquals("s=1", f[3].substring(0, 3));
        return new String[] {f[3].substring(3), f[5]};
    }

    @Test
    void theExportEntryParsesIntoTheDocsRecord() throws Exception {
        List<String> cursors = new ArrayList<>();
        List<JournalEntry> entries = new ArrayList<>();
        ExportParser<RuntimeException> parser = new ExportParser<>((c, e) -> {
            cursors.add(c);
            entries.add(e);
        });
        byte[] export = block("export").getBytes(StandardCharsets.US_ASCII);
        parser.feed(export, export.length);
        assertEquals(1, entries.size());
        JournalCursor c = JournalCursor.parse(cursors.get(0));
        String[] stored = storedMetaAndMessage();
        assertEquals(",c=j." + c.seqnumId() + ":" + c.seqnum() + entries.get(0).meta(), stored[0]);
        assertEquals(stored[1], new String(entries.get(0).line(), StandardCharsets.UTF_8));
    }

    @Test
    void theDigestRecomputesAndVerifyAcceptsTheDayFile() throws Exception {
        List<String> lines = dayFile();
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        sha.update(sha.digest("loghost-genesis web01".getBytes(StandardCharsets.US_ASCII)));
        String[] f = lines.get(1).split(" ", 6);
        String canonical = String.join(" ", f[0], f[1], f[2], f[3], f[5]);
        assertEquals(f[4], HexFormat.of().formatHex(sha.digest(canonical.getBytes(StandardCharsets.UTF_8))));
        Path data = writeData();
        Run.Result verify = Cli.run(data, "verify");
        assertEquals(0, verify.exit(), verify::toString);
    }

    @Test
    void catShowsTheEntryAsTheDocSays() throws Exception {
        Path data = writeData();
        Run.Result cat = loghost(data, "cat", "--host", "web01");
        assertEquals(0, cat.exit(), cat::toString);
        assertEquals(block("cat"), cat.stdout());
        Run.Result json = loghost(data, "cat", "--host", "web01", "-o", "json");
        assertEquals(0, json.exit(), json::toString);
        String members = block("json members").strip();
        assertTrue(json.stdout().contains("," + members + ","), json::toString);
        assertTrue(json.stdout().startsWith("{\"host\":\"web01\",\"seq\":1,"), json::toString);
    }

    @Test
    void aPushedEntryIsStoredAsTheDocSays() throws Exception {
        try (TestServer server = new TestServer(dir, "")) {
            Path key = KeyGen.generate(dir, "web01", "ed25519");
            server.enroll("web01", key);
            Path in = Files.writeString(dir.resolve("in.export"), block("export"), StandardCharsets.US_ASCII);
            Run.Result r = server.ssh(key, in, "-T", "log@127.0.0.1", "append-log --journal");
            assertEquals(0, r.exit(), r::toString);
            List<HostRecords.Rec> recs = JournalPushRig.pushed(server.data(), "web01");
            assertEquals(1, recs.size());
            String[] stored = storedMetaAndMessage();
            String meta = recs.get(0).meta();
            assertEquals(stored[0], meta.substring(meta.indexOf(',')));
            assertEquals(stored[1], recs.get(0).text());
            assertEquals(0, server.cli("verify").exit());
        }
    }

    /** {@code loghost SUBCOMMAND --data DATA ARGS...} as a process of its own: cat writes to the real stdout. */
    static Run.Result loghost(Path data, String subcommand, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("java", "-cp", System.getProperty("java.class.path"),
                "loghost.cli.Main", subcommand, "--data", data.toString()));
        cmd.addAll(List.of(args));
        return Run.run(cmd, null, null, 60);
    }

    private Path writeData() throws Exception {
        Path data = dir.resolve("data");
        Path host = Files.createDirectories(data.resolve("hosts/web01"));
        Files.writeString(host.resolve("2026-12-07.log"), block("hosts/web01/2026-12-07.log"), StandardCharsets.UTF_8);
        return data;
    }
}
