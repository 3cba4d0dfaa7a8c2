package loghost.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import loghost.store.DigestAlgorithm;
import loghost.store.LineBatch;
import loghost.store.LogStore;
import loghost.store.RecordType;
import loghost.testing.Run;
import loghost.testing.Cli;
import loghost.testing.Stores;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every kind of edit to a stored log makes {@code loghost verify} fail, naming the file and line. */
class TamperTest {

    @TempDir
    Path dir;

    private Path data;
    private Path day1;
    private Path day2;

    @BeforeEach
    void twoDaysOfLogsForTwoHosts() throws Exception {
        data = dir.resolve("data");
        long t = Instant.parse("2026-11-22T23:59:58Z").toEpochMilli();
        for (int day = 0; day < 2; day++) {
            LogStore store = Stores.open(data.resolve("hosts"), DigestAlgorithm.SHA256,
                    Clock.fixed(Instant.ofEpochMilli(t + day * 5000L), ZoneOffset.UTC));
            for (String host : List.of("db01", "web01")) {
                LineBatch b = new LineBatch();
                for (int i = 1; i <= 5; i++) {
                    byte[] raw = (host + " day " + day + " line " + i).getBytes(StandardCharsets.US_ASCII);
                    b.add(RecordType.LOG, raw, 0, raw.length);
                }
                store.host(host).append(b);
            }
            store.close();
        }
        day1 = data.resolve("hosts/web01/2026-11-22.log");
        day2 = data.resolve("hosts/web01/2026-11-23.log");
        Run.Result r = Cli.run(data, "verify");
        assertEquals(0, r.exit(), r::toString);
        assertEquals("verify: OK: 2 hosts, 4 files, 20 records\n", r.stdout());
    }

    private List<String> lines(Path f) throws Exception {
        return new ArrayList<>(Files.readAllLines(f, StandardCharsets.UTF_8));
    }

    private void write(Path f, List<String> lines) throws Exception {
        Files.writeString(f, String.join("\n", lines) + "\n", StandardCharsets.UTF_8);
    }

    private void assertFails(String expectedLocation, String reasonFragment) {
        Run.Result r = Cli.run(data, "verify");
        assertEquals(1, r.exit(), r::toString);
        String first = r.stdout().lines().findFirst().orElse("");
        assertTrue(first.startsWith("verify: FAIL: " + expectedLocation + ": "), r::toString);
        assertTrue(first.contains(reasonFragment), r::toString);
        assertTrue(r.stdout().contains("verify: FAILED: 1 problem (2 hosts"), r::toString);
        // The other host's chain is still checked and holds: only web01 is reported.
        assertTrue(r.stdout().lines().noneMatch(l -> l.contains("hosts/db01")), r::toString);
    }

    @Test
    void bytesAddedAfterACompressedDaysGzipDataFailEvenWithItsManifestEntryRewritten() throws Exception {
        assertCompressedEdit(gz -> {
            byte[] b = Files.readAllBytes(gz);
            byte[] more = java.util.Arrays.copyOf(b, b.length + 60);
            java.util.Arrays.fill(more, b.length, more.length, (byte) 'x');
            return more;
        });
    }

    @Test
    void aSecondGzipMemberAddedToACompressedDayFailsEvenWithItsManifestEntryRewritten() throws Exception {
        assertCompressedEdit(gz -> {
            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
            out.write(Files.readAllBytes(gz));
            try (var second = new java.util.zip.GZIPOutputStream(out)) {
                second.write("an extra line\n".getBytes(StandardCharsets.US_ASCII));
            }
            return out.toByteArray();
        });
    }

    private interface GzEdit {
        byte[] apply(Path gz) throws Exception;
    }

    // Compresses web01's first day, edits its .gz, then lists the edited file in MANIFEST as anyone who can write
    // the files can: verify must still fail, on the gzip itself.
    private void assertCompressedEdit(GzEdit edit) throws Exception {
        Run.Result c = Cli.run(data, "compress", "--host", "web01");
        assertEquals(0, c.exit(), c::toString);
        Path gz = data.resolve("hosts/web01/2026-11-22.log.gz");
        byte[] edited = edit.apply(gz);
        Files.write(gz, edited);
        Path manifest = data.resolve("hosts/web01/MANIFEST");
        loghost.store.Manifest.Entry e = loghost.store.Manifest.read(manifest, "web01").entries()
                .get(0);
        loghost.store.Manifest.Entry relisted = new loghost.store.Manifest.Entry(e.name(),
                edited.length, java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                        .digest(edited)), e.firstSeq(), e.lastSeq(), e.end(), 0);
        Files.writeString(manifest, loghost.store.Manifest.header("web01") + "\n"
                + loghost.store.Manifest.entryLines(relisted, loghost.store.Manifest.genesis("web01")));
        assertFails("hosts/web01/2026-11-22.log.gz", "not a valid gzip file");
    }

    @Test
    void flippedByteInAMessage() throws Exception {
        byte[] b = Files.readAllBytes(day1);
        String s = new String(b, StandardCharsets.US_ASCII);
        int at = s.indexOf("line 3");
        b[at] = 'L';
        Files.write(day1, b);
        assertFails("hosts/web01/2026-11-22.log:4", "digest mismatch at seq 3");
    }

    @Test
    void flippedByteInATimestamp() throws Exception {
        List<String> l = lines(day1);
        l.set(2, l.get(2).replaceFirst("T23:59:58", "T23:59:57"));
        write(day1, l);
        assertFails("hosts/web01/2026-11-22.log:3", "digest mismatch at seq 2");
    }

    @Test
    void deletedLine() throws Exception {
        List<String> l = lines(day1);
        l.remove(3);
        write(day1, l);
        assertFails("hosts/web01/2026-11-22.log:4", "sequence break: expected seq 3, found 4");
    }

    @Test
    void insertedLineWithAPlausibleSeq() throws Exception {
        List<String> l = lines(day1);
        String forged = l.get(3).replace("line 3", "forged");
        l.add(3, forged);
        write(day1, l);
        assertFails("hosts/web01/2026-11-22.log:4", "digest mismatch at seq 3");
    }

    @Test
    void swappedLines() throws Exception {
        List<String> l = lines(day1);
        String a = l.get(2);
        l.set(2, l.get(3));
        l.set(3, a);
        write(day1, l);
        assertFails("hosts/web01/2026-11-22.log:3", "sequence break: expected seq 2, found 3");
    }

    @Test
    void editedHeader() throws Exception {
        List<String> l = lines(day2);
        l.set(0, l.get(0).replace("seq=6", "seq=5"));
        write(day2, l);
        assertFails("hosts/web01/2026-11-23.log:1", "header continues from seq 5, expected 6");
    }

    @Test
    void headerClaimingAnotherHost() throws Exception {
        List<String> l = lines(day1);
        l.set(0, l.get(0).replace("host=web01", "host=db01"));
        write(day1, l);
        assertFails("hosts/web01/2026-11-22.log:1", "header names host db01");
    }

    @Test
    void lastRecordOfADayFileDeleted() throws Exception {
        List<String> l = lines(day1);
        l.remove(l.size() - 1);
        write(day1, l);
        assertFails("hosts/web01/2026-11-23.log:1", "header continues from seq 6, expected 5");
    }

    @Test
    void firstDayFileDeleted() throws Exception {
        Files.delete(day1);
        assertFails("hosts/web01/2026-11-23.log:1", "header continues from seq 6, expected 1");
    }

    @Test
    void tornFinalLine() throws Exception {
        Files.writeString(day2, "11 2026-11-23T00:00:03.000Z log s=", StandardCharsets.US_ASCII,
                java.nio.file.StandardOpenOption.APPEND);
        assertFails("hosts/web01/2026-11-23.log:7", "incomplete final line");
    }

    @Test
    void rawControlByteSmuggledIntoAMessage() throws Exception {
        List<String> l = lines(day1);
        l.set(1, l.get(1) + "\u001b[2J");
        write(day1, l);
        assertFails("hosts/web01/2026-11-22.log:2", "not in canonical escaped form");
    }

    @Test
    void strayFileInAHostDirectory() throws Exception {
        Files.writeString(day1.resolveSibling("notes.txt"), "x");
        assertFails("hosts/web01/notes.txt", "unexpected entry in host directory");
    }

    @Test
    void hostOptionRestrictsTheCheck() throws Exception {
        Files.delete(day1);
        Run.Result r = Cli.run(data, "verify", "--host", "db01");
        assertEquals(0, r.exit(), r::toString);
        assertEquals("verify: OK: 1 host, 2 files, 10 records\n", r.stdout());
        r = Cli.run(data, "verify", "--host", "nosuch");
        assertEquals(1, r.exit(), r::toString);
        assertTrue(r.stdout().startsWith("verify: FAIL: hosts/nosuch: no log directory"), r::toString);
    }
}
