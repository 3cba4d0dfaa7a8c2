package loghost.seal;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPairGenerator;
import java.time.LocalDate;
import java.util.List;
import loghost.housekeeping.Compressor;
import loghost.store.Manifest;
import loghost.verify.DataDirectoryCheck;
import loghost.verify.ReceiptCheck;
import loghost.verify.SealCheck;
import loghost.verify.VerifyReport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a review of the seal code found (each of these was an OK from verify, or a false alarm, before its fix):
 * days marked gone by hand, a day taken from the middle, and an empty checkpoint file a crash left.
 */
class SealReviewTest {

    @TempDir
    Path dir;

    private VerificationKey fourDays(Path data) throws Exception {
        try (SealedStore s = new SealedStore(data, "2026-11-20T10:00:00Z")) {
            for (int d = 20; d <= 23; d++) {
                s.clock.set("2026-11-" + d + "T10:00:30Z");
                s.lines("web01", 5, "day " + d);
                s.closeEpochAt("2026-11-" + d + "T10:01:00Z");
            }
            return s.key;
        }
    }

    // Root doing by hand what retention does: compress, mark deleted in the (keyless) MANIFEST, remove.
    private static void forgeRetention(Path host, String... names) throws Exception {
        new Compressor(new PrintWriter(new java.io.StringWriter(), true), loghost.store.StepObserver.NONE).compressHost(host, LocalDate.parse("2026-11-23"));
        for (String n : names) {
            Manifest.appendMark(host.resolve("MANIFEST"), "web01", n, null);
            Files.delete(host.resolve(n));
        }
    }

    @Test
    void oldestDaysMarkedGoneByHandAreWarnedAboutNotPassedSilently() throws Exception {
        Path data = dir.resolve("data");
        VerificationKey key = fourDays(data);
        forgeRetention(data.resolve("hosts/web01"), "2026-11-20.log.gz", "2026-11-21.log.gz", "2026-11-22.log.gz");
        String out = SealedStore.text(SealedStore.verify(data, key, null));
        assertTrue(out.contains("verify: warning: hosts/web01: 3 seals of records in files not online (archived or"
                + " deleted by retention, as the MANIFEST says): those records are not proven here"), out);
    }

    @Test
    void aDayTakenFromTheMiddleFailsWithSealsAndWithReceiptsAlone() throws Exception {
        Path data = dir.resolve("data");
        VerificationKey key = fourDays(data);
        var pair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        String fp = "SHA256:" + "A".repeat(43);
        List<String> day21 = Files.readAllLines(data.resolve("hosts/web01/2026-11-21.log"));
        String digest = day21.stream().filter(l -> l.startsWith("9 ")).findFirst().orElseThrow().split(" ")[4];
        Path rf = dir.resolve("receipts.txt");
        Files.writeString(rf, ReceiptSigner.of(pair, fp).receipt("web01", "syslog.x", 3, 9, digest, 0) + "\n");
        forgeRetention(data.resolve("hosts/web01"), "2026-11-21.log.gz");
        VerifyReport sealed = SealedStore.verify(data, key, null);
        assertFalse(sealed.ok(), SealedStore.text(sealed));
        VerifyReport r = new VerifyReport();
        ReceiptCheck rc = new ReceiptCheck(ReceiptSigner.publicKey(pair.getPublic()), fp, r);
        rc.read(rf, "receipts.txt");
        DataDirectoryCheck.verify(data, false, (f, s) -> { }, null, rc, r);
        assertFalse(r.ok(), SealedStore.text(r));
        assertTrue(SealedStore.text(r).contains("header continues from seq"), SealedStore.text(r));
    }

    @Test
    void aReceiptOfAnArchivedSeqIsWarnedAboutUnderItsHostNotUnderAnotherDaysFile() throws Exception {
        Path data = dir.resolve("data");
        fourDays(data);
        var pair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        String fp = "SHA256:" + "A".repeat(43);
        String line = Files.readAllLines(data.resolve("hosts/web01/2026-11-20.log")).stream()
                .filter(l -> l.startsWith("3 ")).findFirst().orElseThrow();
        Path rf = dir.resolve("receipts.txt");
        Files.writeString(rf, ReceiptSigner.of(pair, fp).receipt("web01", "syslog.x", 1, 3, line.split(" ")[4], 0)
                + "\n");
        forgeRetention(data.resolve("hosts/web01"), "2026-11-20.log.gz");
        VerifyReport r = new VerifyReport();
        ReceiptCheck rc = new ReceiptCheck(ReceiptSigner.publicKey(pair.getPublic()), fp, r);
        rc.read(rf, "receipts.txt");
        DataDirectoryCheck.verify(data, false, (f, s) -> { }, null, rc, r);
        String out = SealedStore.text(r);
        // Seq 3 was in 2026-11-20, now gone: the warning used to name hosts/web01/2026-11-21.log.gz, the first file
        // online, which does not hold it.
        assertTrue(out.contains("verify: warning: hosts/web01: receipt receipts.txt:1 names seq 3, in a file not "
                + "online (archived or deleted by retention, as the MANIFEST says): not proven here"), out);
    }

    @Test
    void anEmptyCheckpointFileACrashLeftIsRemovedAtStartAndNoFalseAlarmFollows() throws Exception {
        Path data = dir.resolve("data");
        try (SealedStore s = new SealedStore(data, "2026-11-20T10:00:00Z")) {
            s.clock.set("2026-11-20T10:00:30Z");
            s.lines("web01", 5, "day 20");
            s.closeEpochAt("2026-11-20T10:01:00Z");
            s.clock.set("2026-11-20T23:59:30Z");
            s.lines("web01", 2, "late");
            // A crash at midnight while the new day's checkpoint file was being created: a torn first block.
            Path f = data.resolve("seal/2026-11-21.ckpt");
            Files.write(f, "checkpoint v1 epoch=2 start=2026-11-20T10:01:00.000Z end=2026-11-21T00:00:00.000Z prev="
                    .getBytes(StandardCharsets.US_ASCII));
            Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-------"));
            s.crash();
            s.clock.set("2026-11-22T09:00:00Z"); // back two days later
            s.open();
            assertFalse(Files.exists(f), "the torn file is gone, not left empty");
            s.lines("web01", 1, "back");
            s.closeEpochAt("2026-11-22T09:01:00Z");
            VerifyReport r = SealedStore.verify(data, s.key, null);
            assertTrue(r.ok(), SealedStore.text(r));
        }
    }
}
