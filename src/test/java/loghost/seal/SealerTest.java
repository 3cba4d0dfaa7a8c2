package loghost.seal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import loghost.store.HostLog;
import loghost.verify.VerifyReport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The sealer as a server runs it: epochs, seal records, checkpoints, key erasure and recovery after a crash. */
class SealerTest {

    private static final java.util.Set<java.nio.file.attribute.PosixFilePermission> OWNER_ONLY =
            java.nio.file.attribute.PosixFilePermissions.fromString("rw-------");

    @TempDir
    Path dir;

    private static String ckpt(Path data) throws IOException {
        try (Stream<Path> s = Files.list(data.resolve("seal"))) {
            StringBuilder b = new StringBuilder();
            for (Path p : s.filter(p -> p.toString().endsWith(".ckpt")).sorted().toList()) {
                b.append(Files.readString(p));
            }
            return b.toString();
        }
    }

    private static String day(Path data, String host, String day) throws IOException {
        return Files.readString(data.resolve("hosts/" + host + "/" + day + ".log"), StandardCharsets.UTF_8);
    }

    @Test
    void eachChangedHostGetsOneSealRecordAndEveryEpochIdleOnesIncludedEndsWithACheckpoint() throws Exception {
        Path data = dir.resolve("data");
        try (SealedStore s = new SealedStore(data, "2026-11-22T10:00:00.000Z")) {
            s.clock.set("2026-11-22T10:00:10.000Z");
            s.lines("web01", 3, "hello");
            s.lines("db01", 1, "hi");
            s.closeEpochAt("2026-11-22T10:01:00.000Z");
            s.closeEpochAt("2026-11-22T10:02:00.000Z"); // idle
            s.clock.set("2026-11-22T10:02:30.000Z");
            s.lines("web01", 1, "again");
            s.closeEpochAt("2026-11-22T10:03:00.000Z");
            assertEquals(4, s.sealer.epoch());
        }
        String web = day(data, "web01", "2026-11-22");
        assertTrue(web.contains("\n4 2026-11-22T10:01:00.000Z seal - "), web);
        assertTrue(web.contains("\n5 2026-11-22T10:02:30.000Z log s=5 ") && web.contains("\n6 2026-11-22T10:03:00.000Z seal - "), web);
        assertTrue(web.endsWith(" epoch=3\n"), web);
        List<String> lines = ckpt(data).lines().toList();
        assertTrue(lines.get(0).startsWith("genesis v1 key=ed25519:"));
        assertTrue(lines.get(2).startsWith("checkpoint v1 epoch=1 start=2026-11-22T10:00:00.000Z "
                + "end=2026-11-22T10:01:00.000Z prev="), lines.get(2));
        assertTrue(lines.get(2).endsWith(" hosts=2"));
        assertTrue(lines.get(3).startsWith("db01 2 "));
        assertTrue(lines.get(4).startsWith("web01 4 "));
        assertTrue(lines.get(6).startsWith("checkpoint v1 epoch=2 start=2026-11-22T10:01:00.000Z "
                + "end=2026-11-22T10:02:00.000Z"), lines.get(6));
        assertTrue(lines.get(6).endsWith(" hosts=0"));
        assertTrue(lines.get(7).startsWith("sig "));
        assertTrue(lines.get(8).endsWith(" hosts=1"));
        assertTrue(lines.get(9).startsWith("web01 6 "));
        VerifyReport r = SealedStore.verify(data, Sealer.publicKey(data), Instant.parse("2026-11-22T10:03:00Z"));
        assertTrue(r.ok(), SealedStore.text(r));
        assertTrue(SealedStore.text(r).contains("verify: sealed: hosts/web01: until 2026-11-22T10:03:00.000Z"
                + " (last sealed seq 6, checkpoint 3)\n"), SealedStore.text(r));
    }

    @Test
    void theKeyOfAFinishedEpochIsInNoFileUnderTheDataDirectory() throws Exception {
        Path data = dir.resolve("data");
        try (SealedStore s = new SealedStore(data, "2026-11-22T10:00:00.000Z")) {
            s.lines("web01", 2, "x");
            String keyFile = Files.readString(data.resolve("seal/epoch.key"));
            String seedHex = keyFile.lines().toList().get(1);
            byte[] seed = HexFormat.of().parseHex(seedHex);
            s.closeEpochAt("2026-11-22T10:01:00.000Z");
            s.closeEpochAt("2026-11-22T10:02:00.000Z");
            try (Stream<Path> all = Files.walk(data)) {
                for (Path f : all.filter(Files::isRegularFile).toList()) {
                    byte[] b = Files.readAllBytes(f);
                    String text = new String(b, StandardCharsets.ISO_8859_1);
                    assertFalse(text.contains(seedHex), f + " holds epoch 1's key in hex");
                    assertFalse(text.contains(new String(seed, StandardCharsets.ISO_8859_1)), f + " holds it raw");
                }
            }
            assertTrue(Files.readString(data.resolve("seal/epoch.key")).startsWith("loghost epoch-key v1 epoch=3\n"));
            assertFalse(Files.exists(data.resolve("seal/epoch.key.new")));
            assertFalse(Files.exists(data.resolve("seal/sealing")));
        }
    }

    @Test
    void sealRecordsWrittenBeforeACrashAreListedByTheCheckpointOfTheirEpochAfterRestart() throws Exception {
        Path data = dir.resolve("data");
        SealedStore s = new SealedStore(data, "2026-11-22T10:00:00.000Z");
        s.lines("web01", 2, "x");
        s.lines("db01", 2, "y");
        // The server died during step 3 of closing epoch 1: the intent written, one seal record of two, no checkpoint.
        s.clock.set("2026-11-22T10:01:00.000Z");
        Files.writeString(data.resolve("seal/sealing"), "epoch=1 day=2026-11-22\n");
        Files.setPosixFilePermissions(data.resolve("seal/sealing"), OWNER_ONLY);
        HostLog.SealPoint orphan = s.store.host("web01").seal(1, s.clock.millis());
        s.lines("web01", 1, "after the seal, before the crash");
        s.crash();
        s.clock.set("2026-11-22T10:01:20.000Z");
        s.open();
        s.closeEpochAt("2026-11-22T10:02:00.000Z");
        s.close();
        List<String> lines = ckpt(data).lines().toList();
        assertTrue(lines.get(2).startsWith("checkpoint v1 epoch=1 ") && lines.get(2).endsWith(" hosts=3"),
                lines.get(2));
        assertTrue(lines.get(3).startsWith("db01 3 "), lines.get(3));
        assertEquals("web01 " + orphan.seq() + " " + orphan.digestHex(), lines.get(4));
        assertTrue(lines.get(5).startsWith("web01 5 "), lines.get(5));
        assertFalse(Files.exists(data.resolve("seal/sealing")));
        VerifyReport r = SealedStore.verify(data, Sealer.publicKey(data), null);
        assertTrue(r.ok(), SealedStore.text(r));
    }

    @Test
    void aRotationCutShortAfterItsCheckpointIsCompletedAtStart() throws Exception {
        Path data = dir.resolve("data");
        SealedStore s = new SealedStore(data, "2026-11-22T10:00:00.000Z");
        s.lines("web01", 2, "x");
        s.closeEpochAt("2026-11-22T10:01:00.000Z");
        s.crash();
        // As if the crash came between writing checkpoint 1 and renaming the next key into place (step 6).
        Path key = data.resolve("seal/epoch.key");
        Files.move(key, data.resolve("seal/epoch.key.new"));
        Files.write(key, new byte[94]);
        Files.setPosixFilePermissions(key, OWNER_ONLY);
        s.open();
        assertEquals(2, s.sealer.epoch());
        assertFalse(Files.exists(data.resolve("seal/epoch.key.new")));
        s.lines("web01", 1, "y");
        s.closeEpochAt("2026-11-22T10:02:00.000Z");
        s.close();
        VerifyReport r = SealedStore.verify(data, Sealer.publicKey(data), Instant.parse("2026-11-22T10:02:00Z"));
        assertTrue(r.ok(), SealedStore.text(r));
    }

    @Test
    void aNextKeyWithoutItsCheckpointIsErasedAndTheEpochGoesOn() throws Exception {
        Path data = dir.resolve("data");
        SealedStore s = new SealedStore(data, "2026-11-22T10:00:00.000Z");
        s.lines("web01", 2, "x");
        s.crash();
        // The crash came between writing epoch.key.new and appending the checkpoint (steps 4-5).
        try (SigningKey stray = SigningKey.generate(new SecureRandom())) {
            EpochKeyFile.write(data.resolve("seal/epoch.key.new"), 2, stray);
        }
        s.open();
        assertEquals(1, s.sealer.epoch());
        assertFalse(Files.exists(data.resolve("seal/epoch.key.new")));
        s.closeEpochAt("2026-11-22T10:01:00.000Z");
        s.close();
        VerifyReport r = SealedStore.verify(data, Sealer.publicKey(data), null);
        assertTrue(r.ok(), SealedStore.text(r));
    }

    @Test
    void aTornCheckpointIsCutAtStartAndTheEpochIsSealedAgain() throws Exception {
        Path data = dir.resolve("data");
        SealedStore s = new SealedStore(data, "2026-11-22T10:00:00.000Z");
        s.lines("web01", 2, "x");
        s.crash();
        Path file = data.resolve("seal/2026-11-22.ckpt");
        long whole = Files.size(file);
        Files.writeString(file, "checkpoint v1 epoch=1 start=2026-11-22T10:00:00.000Z end=2026-11-22T10:0",
                StandardOpenOption.APPEND);
        VerifyReport torn = SealedStore.verify(data, Sealer.publicKey(data), null);
        assertTrue(torn.ok(), SealedStore.text(torn));
        assertTrue(SealedStore.text(torn).contains("verify: note: seal/2026-11-22.ckpt:3: incomplete final line"
                + " (a block a crash cut short), ignored\n"), SealedStore.text(torn));
        s.open();
        assertEquals(whole, Files.size(file));
        s.closeEpochAt("2026-11-22T10:01:00.000Z");
        s.close();
        VerifyReport r = SealedStore.verify(data, Sealer.publicKey(data), Instant.parse("2026-11-22T10:01:00Z"));
        assertTrue(r.ok(), SealedStore.text(r));
    }

    @Test
    void aKeyThatDoesNotContinueTheCheckpointsStopsTheStart() throws Exception {
        Path data = dir.resolve("data");
        SealedStore s = new SealedStore(data, "2026-11-22T10:00:00.000Z");
        s.closeEpochAt("2026-11-22T10:01:00.000Z");
        s.crash();
        Files.delete(data.resolve("seal/epoch.key"));
        try (SigningKey other = SigningKey.generate(new SecureRandom())) {
            EpochKeyFile.write(data.resolve("seal/epoch.key"), 2, other);
        }
        IOException e = assertThrows(IOException.class, s::open);
        assertTrue(e.getMessage().endsWith("epoch.key does not continue the checkpoints (they end at epoch 1): the"
                + " seal chain cannot be continued"), e.getMessage());
        Files.delete(data.resolve("seal/epoch.key"));
        IOException missing = assertThrows(IOException.class, s::open);
        assertTrue(missing.getMessage().contains("epoch.key is missing"), missing.getMessage());
    }

    @Test
    void aSealAtMidnightStartsTheNewDaysFile() throws Exception {
        Path data = dir.resolve("data");
        try (SealedStore s = new SealedStore(data, "2026-11-22T23:59:00.000Z")) {
            s.lines("web01", 2, "late");
            s.closeEpochAt("2026-11-23T00:00:00.000Z");
        }
        assertTrue(day(data, "web01", "2026-11-23").contains("\n3 2026-11-23T00:00:00.000Z seal - "));
        assertTrue(ckpt(data).contains("end=2026-11-23T00:00:00.000Z"));
        assertTrue(Files.exists(data.resolve("seal/2026-11-23.ckpt")));
        VerifyReport r = SealedStore.verify(data, Sealer.publicKey(data), null);
        assertTrue(r.ok(), SealedStore.text(r));
    }

    @Test
    void epochBoundariesAreMultiplesOfTheEpochLengthFromMidnight() {
        long t = Instant.parse("2026-11-22T10:00:59.250Z").toEpochMilli();
        assertEquals(750, Sealer.millisToBoundary(t, java.time.Duration.ofMinutes(1)));
        assertEquals(4 * 60_000 + 750, Sealer.millisToBoundary(t, java.time.Duration.ofMinutes(5)));
    }

    @Test
    void aClockSteppedBackNeverMakesACheckpointEndBeforeItStarts() throws Exception {
        Path data = dir.resolve("data");
        try (SealedStore s = new SealedStore(data, "2026-11-22T23:58:00.000Z")) {
            s.clock.set("2026-11-22T23:58:10.000Z");
            s.lines("web01", 1, "before");
            s.closeEpochAt("2026-11-23T00:00:00.040Z"); // a tick that ran 40 ms late, at midnight
            // NTP steps the clock back 5 seconds, across midnight: a record and the next epoch's end come earlier.
            s.clock.set("2026-11-22T23:59:55.000Z");
            s.lines("web01", 1, "after the step");
            s.closeEpochAt("2026-11-22T23:59:58.000Z");
            s.closeEpochAt("2026-11-22T23:59:59.000Z"); // idle
        }
        List<String> heads = ckpt(data).lines().filter(l -> l.startsWith("checkpoint ")).toList();
        assertTrue(heads.get(1).contains(" start=2026-11-23T00:00:00.040Z end=2026-11-23T00:00:00.040Z "),
                heads.get(1));
        assertTrue(heads.get(2).contains(" start=2026-11-23T00:00:00.040Z end=2026-11-23T00:00:00.040Z "),
                heads.get(2));
        // The record keeps its receive time; the seal record is stamped with the checkpoint's end.
        String web = day(data, "web01", "2026-11-23");
        assertTrue(web.contains("\n3 2026-11-22T23:59:55.000Z log s=3 "), web);
        assertTrue(web.contains("\n4 2026-11-23T00:00:00.040Z seal - "), web);
        VerifyReport r = SealedStore.verify(data, Sealer.publicKey(data), null);
        assertTrue(r.ok(), SealedStore.text(r));
    }

    @Test
    void aCheckpointSignedWithItsEndBeforeItsStartIsNotedNotFailed() throws Exception {
        Path data = dir.resolve("data");
        SealBlock last;
        try (SealedStore s = new SealedStore(data, "2026-11-22T10:00:00.000Z")) {
            s.clock.set("2026-11-22T10:00:10.000Z");
            s.lines("web01", 1, "hello");
            s.closeEpochAt("2026-11-22T10:01:00.021Z");
            last = new CheckpointFiles(data.resolve("seal")).lastBlockRepairingTail();
        }
        // A checkpoint 2 that ends before it starts, signed with epoch 2's key: as an older server wrote after its
        // clock stepped back, or as root holding that key could. Nothing sealed is in doubt: a note, not a FAIL.
        EpochKeyFile.Stored open = EpochKeyFile.read(data.resolve("seal/" + EpochKeyFile.NAME));
        try (SigningKey next = SigningKey.generate(new SecureRandom())) {
            SealBlock forged = SealBlock.checkpoint(2, last.end(), "2026-11-22T10:00:59.000Z", last.digestHex(),
                    next.publicKey(), List.of(), open.key());
            new CheckpointFiles(data.resolve("seal")).append(forged);
        }
        VerifyReport r = SealedStore.verify(data, Sealer.publicKey(data), null);
        assertTrue(r.ok(), SealedStore.text(r));
        assertTrue(SealedStore.text(r).startsWith("verify: note: seal/2026-11-22.ckpt:6: checkpoint 2: end"
                + " 2026-11-22T10:00:59.000Z is before its start (a clock stepped back under an older loghost; its"
                + " times are no order of events)\n"), SealedStore.text(r));
    }
}
