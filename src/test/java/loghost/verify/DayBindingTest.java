package loghost.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import loghost.store.DigestAlgorithm;
import loghost.store.LineBatch;
import loghost.store.LogStore;
import loghost.store.RecordType;
import loghost.testing.Cli;
import loghost.testing.ManualClock;
import loghost.testing.Run;
import loghost.testing.Stores;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What binds a day file to its day and its format version beyond the chain (docs/FORMAT.md, "Steps"): rewrites that
 * keep every digest (a renamed newest file, a downgraded header) fail, and what a real server writes still verifies.
 */
class DayBindingTest {

    @TempDir
    Path dir;

    private static String key(Path data) throws Exception {
        return Files.readString(data.resolve("seal.pub"), StandardCharsets.US_ASCII).strip();
    }

    @Test
    void theNewestDayFileOfASealedStoreRenamedToALaterDayFails() throws Exception {
        Path data = VerifyDocTest.sealedFixture(dir);
        Run.Result before = Cli.run(data, "verify", "--key", key(data));
        assertEquals(0, before.exit(), before::toString);
        // Root moves the newest day a day later and fixes the header: every digest and seal still holds.
        Path moved = data.resolve("hosts/web01/2026-11-24.log");
        Files.move(data.resolve("hosts/web01/2026-11-23.log"), moved);
        Files.writeString(moved, Files.readString(moved).replaceFirst("day=2026-11-23", "day=2026-11-24"));
        Run.Result r = Cli.run(data, "verify", "--key", key(data));
        assertEquals(1, r.exit(), r::toString);
        assertTrue(r.stdout().contains("verify: FAIL: hosts/web01/2026-11-24.log:2: first record is of day 2026-11-23,"
                + " not of the file's day\n"), r::toString);
    }

    @Test
    void aVersion1FileBegunBeforeTheSealChainStillVerifiesAndItsDowngradedSuccessorFails() throws Exception {
        // An older server (version 1) wrote web01's first record; the upgraded server then made the seal chain and
        // kept appending to that day's version 1 file, sealing it, and started a version 2 file the next day.
        Path data = dir.resolve("data");
        ManualClock clock = new ManualClock("2026-11-22T10:00:00.000Z");
        try (LogStore store = Stores.open(data.resolve("hosts"), DigestAlgorithm.SHA256, clock)) {
            store.recoverAll();
            append(store, "written by the old server");
        }
        Path first = data.resolve("hosts/web01/2026-11-22.log");
        Files.writeString(first, Files.readString(first).replaceFirst("#loghost v2", "#loghost v1"));
        clock.set("2026-11-22T12:00:00.000Z");
        loghost.seal.Sealer.init(data, clock);
        try (LogStore store = Stores.open(data.resolve("hosts"), DigestAlgorithm.SHA256, clock)) {
            store.recoverAll();
            loghost.seal.Sealer sealer = loghost.seal.Sealer.open(data, store, clock);
            clock.set("2026-11-22T12:00:30.000Z");
            append(store, "written by the upgraded server, same day");
            clock.set("2026-11-22T12:01:00.000Z");
            sealer.closeEpoch();
            clock.set("2026-11-23T08:00:00.000Z");
            append(store, "the next day");
            clock.set("2026-11-23T08:01:00.000Z");
            sealer.closeEpoch();
        }
        assertTrue(Files.readString(first).startsWith("#loghost v1 "));
        Run.Result r = Cli.run(data, "verify", "--key", key(data));
        assertEquals(0, r.exit(), r::toString);

        // The next day's file downgraded: the header is not hashed, its messages fit both rules, every seal holds.
        Path second = data.resolve("hosts/web01/2026-11-23.log");
        Files.writeString(second, Files.readString(second).replaceFirst("#loghost v2", "#loghost v1"));
        Run.Result downgraded = Cli.run(data, "verify", "--key", key(data));
        assertEquals(1, downgraded.exit(), downgraded::toString);
        assertTrue(downgraded.stdout().contains("verify: FAIL: hosts/web01/2026-11-23.log:1: header version v1 on a"
                + " day after the seal chain's genesis day 2026-11-22\n"), downgraded::toString);
    }

    @Test
    void theGenesisDaysFileDowngradedFailsAtItsFirstRecordWrittenAfterTheSealChainBegan() throws Exception {
        Path data = VerifyDocTest.sealedFixture(dir);
        Path first = data.resolve("hosts/web01/2026-11-22.log");
        Files.writeString(first, Files.readString(first).replaceFirst("#loghost v2", "#loghost v1"));
        Run.Result r = Cli.run(data, "verify", "--key", key(data));
        assertEquals(1, r.exit(), r::toString);
        assertTrue(r.stdout().contains("verify: FAIL: hosts/web01/2026-11-22.log:2: first record of a version 1 file is"
                + " not before the seal chain's genesis block (2026-11-22T23:58:00.000Z)\n"), r::toString);
    }

    @Test
    void aRecordWrittenAfterTheClockSteppedBackIntoAHeaderOnlyDayFileStillVerifies() throws Exception {
        Path data = dir.resolve("data");
        ManualClock clock = new ManualClock("2026-11-22T23:59:50.000Z");
        try (LogStore store = Stores.open(data.resolve("hosts"), DigestAlgorithm.SHA256, clock)) {
            store.recoverAll();
            append(store, "before midnight");
            // Housekeeping closes the day just after midnight (a header-only file for the 23rd); then NTP steps
            // the clock back before midnight, and the next record goes into that file with a time of the 22nd.
            clock.set("2026-11-23T00:00:05.000Z");
            assertTrue(store.host("web01").closeDayIfOver());
            clock.set("2026-11-22T23:59:58.000Z");
            append(store, "after the step back");
        }
        String second = Files.readString(data.resolve("hosts/web01/2026-11-23.log"));
        assertTrue(second.contains("\n2 2026-11-22T23:59:58.000Z log "), second);
        Run.Result r = Cli.run(data, "verify");
        assertEquals(0, r.exit(), r::toString);
    }

    @Test
    void aDayTheServerWasDownFollowedByAClockStepBackAfterTheRestartStillVerifies() throws Exception {
        // Found by review: web01 wrote on the 20th; the server was down all of the 21st and restarted just after
        // midnight of the 22nd with a clock a few seconds fast. Housekeeping's first pass closed the 20th's file;
        // then NTP stepped the clock back into the 21st, and the next record went into the file that pass made.
        Path data = dir.resolve("data");
        ManualClock clock = new ManualClock("2026-11-20T15:00:00.000Z");
        try (LogStore store = Stores.open(data.resolve("hosts"), DigestAlgorithm.SHA256, clock)) {
            store.recoverAll();
            append(store, "on the 20th");
        }
        clock.set("2026-11-22T00:00:03.000Z");
        try (LogStore store = Stores.open(data.resolve("hosts"), DigestAlgorithm.SHA256, clock)) {
            store.recoverAll();
            assertTrue(store.host("web01").closeDayIfOver());
            clock.set("2026-11-21T23:59:58.000Z");
            append(store, "after the step back");
            clock.set("2026-11-22T00:00:10.000Z");
            append(store, "on the 22nd");
        }
        Run.Result r = Cli.run(data, "verify");
        assertEquals(0, r.exit(), r::toString);
        // Housekeeping started the day after the closed file's, not the 22nd: the stepped-back record is of its day.
        assertTrue(Files.readString(data.resolve("hosts/web01/2026-11-21.log"))
                .contains("\n2 2026-11-21T23:59:58.000Z log "), "the day after the closed file's");
        assertTrue(Files.readString(data.resolve("hosts/web01/2026-11-22.log"))
                .contains("\n3 2026-11-22T00:00:10.000Z log "), "the 22nd's own file");
    }

    private static void append(LogStore store, String text) throws Exception {
        LineBatch b = new LineBatch();
        byte[] raw = text.getBytes(StandardCharsets.US_ASCII);
        b.add(RecordType.LOG, raw, 0, raw.length);
        store.host("web01").append(b);
    }
}
