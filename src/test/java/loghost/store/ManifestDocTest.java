package loghost.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The manifest worked example in docs/FORMAT.md, read from the doc's own bytes and recomputed by its rules. */
class ManifestDocTest {

    private static final Path DOC = Path.of("docs/FORMAT.md");

    @TempDir
    Path dir;

    private static String block(String marker) throws Exception {
        String doc = Files.readString(DOC, StandardCharsets.UTF_8);
        Matcher m = Pattern.compile("<!-- example-" + marker + " -->\n```\n(.*?)```\n", Pattern.DOTALL).matcher(doc);
        assertTrue(m.find(), marker + " block missing from docs/FORMAT.md");
        return m.group(1);
    }

    private static String hex(byte[] b) {
        return HexFormat.of().formatHex(b);
    }

    @Test
    void chainSizesAndDigestsRecomputeFromTheDocText() throws Exception {
        String manifest = block("manifest: hosts/web01/MANIFEST");
        List<String> lines = manifest.lines().toList();
        assertEquals(3, lines.size());
        assertEquals("#loghost manifest v1 host=web01", lines.get(0));
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        byte[] genesis = sha.digest("loghost-manifest-genesis web01".getBytes(StandardCharsets.US_ASCII));
        assertTrue(Files.readString(DOC).contains("= `" + hex(genesis) + "`"), "genesis value stated in the doc");

        // CHAIN = SHA-256(genesis || first line LF || second line before " chain="), straight from the doc's rule.
        String meta = lines.get(2);
        int cut = meta.indexOf(" chain=");
        sha.update(genesis);
        sha.update((lines.get(1) + "\n").getBytes(StandardCharsets.US_ASCII));
        assertEquals(meta.substring(cut + 7), hex(sha.digest(meta.substring(0, cut).getBytes(StandardCharsets.US_ASCII))));

        // The listed file is the doc's example day file, gzipped by this JDK: size, SHA-256, seq range, last digest.
        byte[] day = block("file: hosts/web01/2026-11-22.log").getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (GZIPOutputStream out = new GZIPOutputStream(gz, 1 << 16)) {
            out.write(day);
        }
        String sum = hex(MessageDigest.getInstance("SHA-256").digest(gz.toByteArray()));
        assertEquals(sum + "  2026-11-22.log.gz", lines.get(1));
        List<String> records = new String(day, StandardCharsets.UTF_8).lines().toList();
        String lastDigest = records.get(records.size() - 1).split(" ")[4];
        assertEquals("# 2026-11-22.log.gz size=" + gz.size() + " seq=1-4 end=" + lastDigest, meta.substring(0, cut));
    }

    @Test
    void theWriterAndTheReaderAgreeWithTheDocByteForByte() throws Exception {
        String manifest = block("manifest: hosts/web01/MANIFEST");
        Path file = dir.resolve("MANIFEST");
        Files.writeString(file, manifest, StandardCharsets.US_ASCII);

        Manifest.Contents c = Manifest.read(file, "web01");

        assertNull(c.problem());
        assertFalse(c.torn());
        assertEquals(1, c.entries().size());
        Manifest.Entry e = c.entries().get(0);
        assertEquals(manifest, Manifest.header("web01") + "\n" + Manifest.entryLines(e, Manifest.genesis("web01")));
        assertEquals(manifest.length(), c.completeLength());
        assertEquals(manifest.lines().toList().get(2).substring(manifest.lines().toList().get(2).indexOf(" chain=") + 7),
                hex(c.chain()));
    }

    @Test
    void theDocsGrammarAcceptsTheExampleAndRejectsWhatTheReaderRejects() throws Exception {
        String doc = Files.readString(DOC, StandardCharsets.UTF_8);
        Matcher m = Pattern.compile("Exactly, as regular expressions over the two lines.*?```\n(.*?)\n(.*?)\n```",
                Pattern.DOTALL).matcher(doc);
        assertTrue(m.find(), "manifest grammar block");
        List<String> lines = block("manifest: hosts/web01/MANIFEST").lines().toList();
        assertTrue(lines.get(1).matches(m.group(1)), lines.get(1));
        assertTrue(lines.get(2).matches(m.group(2)), lines.get(2));
        String bad = lines.get(2).replace(" seq=1-", " seq=01-");
        assertFalse(bad.matches(m.group(2)));
        Path file = dir.resolve("MANIFEST");
        Files.writeString(file, lines.get(0) + "\n" + lines.get(1) + "\n" + bad + "\n", StandardCharsets.US_ASCII);
        assertEquals("malformed manifest entry", Manifest.read(file, "web01").problem());
    }

    @Test
    void theArchivedMarkExampleIsWhatTheWriterAppendsAndTheReaderAccepts() throws Exception {
        String archived = block("manifest-archived: hosts/web01/MANIFEST");
        String before = block("manifest: hosts/web01/MANIFEST");
        assertTrue(archived.startsWith(before), "the mark is appended to the first example");
        Path file = dir.resolve("MANIFEST");
        Files.writeString(file, before, StandardCharsets.US_ASCII);

        Manifest.appendMark(file, "web01", "2026-11-22.log.gz", "nas");

        assertEquals(archived, Files.readString(file, StandardCharsets.US_ASCII));
        Manifest.Contents c = Manifest.read(file, "web01");
        assertNull(c.problem());
        assertTrue(c.marked("2026-11-22.log.gz", "nas"));
        assertEquals(List.of(new Manifest.Mark("2026-11-22.log.gz", "nas", 4)), c.marks());
        String doc = Files.readString(DOC, StandardCharsets.UTF_8);
        Matcher g = Pattern.compile("exactly \\(a regular expression over the line without its LF\\):\n\n```\n(.*?)\n```")
                .matcher(doc);
        assertTrue(g.find(), "mark grammar block");
        assertTrue(archived.lines().toList().get(3).matches(g.group(1)));
        assertTrue(("# deleted 2026-11-22.log.gz chain=" + "0".repeat(64)).matches(g.group(1)));
        assertFalse(("# archived 2026-11-22.log.gz to=NAS chain=" + "0".repeat(64)).matches(g.group(1)));
        // A mark naming a file not listed above it is refused.
        Files.writeString(file, before + Manifest.markLine("2026-11-23.log.gz", "nas", c.entries().isEmpty() ? null
                : HexFormat.of().parseHex("f83a3fa2cbb42fff680f129f65c424143fff6dbe04695e59c303b1d601b19446")),
                StandardCharsets.US_ASCII);
        assertEquals("manifest mark names no file listed above it, or repeats one", Manifest.read(file, "web01").problem());
    }
}
