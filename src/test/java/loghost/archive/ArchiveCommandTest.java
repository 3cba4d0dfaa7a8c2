package loghost.archive;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import loghost.testing.Cli;
import loghost.testing.ManualClock;
import loghost.testing.Run;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code loghost archive verify} and {@code loghost archive restore} over a directory destination. */
class ArchiveCommandTest {

    @TempDir
    Path dir;

    Path data;
    Path nas;
    Path config;

    @BeforeEach
    void archived() throws Exception {
        data = ArchiveTest.store(dir);
        nas = Files.createDirectory(dir.resolve("nas"));
        ArchiveTest.pass(data, ArchiveTest.archiveTo(nas), m -> { }, new ManualClock("2026-11-26T00:00:00Z"));
        config = Files.writeString(dir.resolve("loghost.conf"),
                "loghost.archive.destinations = [{ name = nas, directory = \"" + nas + "\" }]\n");
    }

    // loghost archive SUB --data DATA --config CONFIG ARGS...
    private Run.Result archive(String sub, String... args) {
        List<String> a = new java.util.ArrayList<>(List.of("archive", sub, "--data", data.toString(), "--config",
                config.toString()));
        a.addAll(List.of(args));
        return loghost.testing.Cli.main(a.toArray(String[]::new));
    }

    private Run.Result archiveVerify(String... args) {
        return archive("verify", args);
    }

    @Test
    void archiveVerifyRereadsEveryArchivedFileAgainstTheManifestAndTheChain() {
        Run.Result r = archiveVerify();
        assertEquals(0, r.exit(), r::toString);
        assertEquals("verify: nas: OK: 2 hosts, 4 files, 200 records\n", r.stdout());
        assertEquals("verify: nas: OK: 1 host, 2 files, 100 records\n", archiveVerify("--host", "web01").stdout());
    }

    @Test
    void aTamperedArchivedFileIsFoundByArchiveVerify() throws Exception {
        Path f = nas.resolve("hosts/web01/2026-11-23.log.gz");
        String text;
        try (InputStream in = new GZIPInputStream(Files.newInputStream(f))) {
            text = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.ISO_8859_1);
        }
        try (GZIPOutputStream out = new GZIPOutputStream(Files.newOutputStream(f))) {
            out.write(text.replace("web01 2026-11-23 line 7", "web01 2026-11-23 line 8").getBytes(
                    java.nio.charset.StandardCharsets.ISO_8859_1));
        }
        Run.Result r = archiveVerify();
        assertEquals(1, r.exit(), r::toString);
        assertEquals("verify: FAIL: nas:hosts/web01/2026-11-23.log.gz:8: digest mismatch at seq 57\n"
                + "verify: nas: FAILED: 1 problem (2 hosts, 4 files, 156 records checked)\n", r.stdout());
    }

    @Test
    void verifyWithArchivesFindsATamperedArchivedFileToo() throws Exception {
        Run.Result clean = Cli.run(data, "verify", "--archives", "--config", config.toString());
        assertEquals(0, clean.exit(), clean::toString);
        assertTrue(clean.stdout().endsWith("verify: OK: 2 hosts, 6 files, 300 records\n"), clean::toString);
        Files.write(nas.resolve("hosts/db01/2026-11-22.log.gz"), new byte[] {0x1f, (byte) 0x8b, 8, 0});
        Run.Result r = Cli.run(data, "verify", "--archives", "--config", config.toString());
        assertEquals(1, r.exit(), r::toString);
        assertTrue(r.stdout().contains("verify: FAIL: nas:hosts/db01/2026-11-22.log.gz: not a valid gzip file\n"),
                r::toString);
        assertEquals(0, Cli.run(data, "verify", "--config", config.toString()).exit(), "without --archives: online only");
    }

    @Test
    void aRewrittenArchiveManifestIsFoundByArchiveVerifyAndAMissingFileToo() throws Exception {
        Path m = nas.resolve("hosts/db01/MANIFEST");
        Files.writeString(m, Files.readString(m).replace(" to=nas chain=", " to=nas chain=0"));
        Files.delete(nas.resolve("hosts/web01/2026-11-22.log.gz"));
        Run.Result r = archiveVerify();
        assertEquals(1, r.exit(), r::toString);
        assertTrue(r.stdout().startsWith("verify: FAIL: nas:hosts/db01/MANIFEST:6: malformed manifest mark\n"
                + "verify: FAIL: nas:hosts/web01/2026-11-22.log.gz: marked archived here but missing\n"), r::toString);
    }

    @Test
    void anArchiveManifestThatIsNotAPrefixOfTheOnlineOneIsFound() throws Exception {
        // The online MANIFEST cut back to its header: the archive's copy, which only ever copies it, is now longer.
        Path online = data.resolve("hosts/web01/MANIFEST");
        String text = Files.readString(online);
        Files.writeString(online, text.substring(0, text.indexOf('\n') + 1));
        Run.Result r = archiveVerify();
        assertEquals(1, r.exit(), r::toString);
        assertTrue(r.stdout().contains("verify: FAIL: nas:hosts/web01/MANIFEST: differs from the online MANIFEST"
                + " (not a prefix of it)\n"), r::toString);
    }

    @Test
    void restoreBringsAnArchivedDayBackCheckedAndByteForByte() throws Exception {
        Path to = dir.resolve("restored");
        Run.Result r = archive("restore", "--host", "web01", "--day", "2026-11-23",
                "--to", to.toString());
        assertEquals(0, r.exit(), r::toString);
        assertEquals("restored hosts/web01/2026-11-23.log.gz from nas to " + to.resolve("hosts/web01/2026-11-23.log")
                + " (50 records, seq 51-100, checked against MANIFEST and the chain)\n", r.stdout());
        try (InputStream in = new GZIPInputStream(Files.newInputStream(nas.resolve("hosts/web01/2026-11-23.log.gz")))) {
            assertEquals(new String(in.readAllBytes()), Files.readString(to.resolve("hosts/web01/2026-11-23.log")));
        }
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(
                to.resolve("hosts/web01/2026-11-23.log"))));
        Run.Result again = archive("restore", "--host", "web01", "--day", "2026-11-23",
                "--to", to.toString());
        assertEquals(1, again.exit(), again::toString);
        assertEquals("loghost: error: " + to.resolve("hosts/web01/2026-11-23.log") + " exists; not overwritten\n",
                again.stderr());
    }

    @Test
    void restoreRefusesACopyThatDoesNotMatchTheOnlineManifest() throws Exception {
        Path f = nas.resolve("hosts/web01/2026-11-22.log.gz");
        Files.write(f, Files.readAllBytes(nas.resolve("hosts/db01/2026-11-22.log.gz")));
        Run.Result r = archive("restore", "--host", "web01", "--day", "2026-11-22",
                "--to", dir.resolve("restored").toString());
        assertEquals(1, r.exit(), r::toString);
        assertEquals("verify: FAIL: nas:hosts/web01/2026-11-22.log.gz:1: header names host db01, directory is web01\n"
                + "loghost: error: no checked copy of hosts/web01/2026-11-22.log.gz in any destination "
                + "(see loghost archive verify)\n", r.stderr());
        assertTrue(!Files.exists(dir.resolve("restored/hosts/web01/2026-11-22.log")));
    }
}
