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
    void aVersion1FileOfTheSealChainsGenesisDayStillVerifies() throws Exception {
        // A server upgraded during the genesis day kept appending to that day's version 1 file.
        Path data = VerifyDocTest.sealedFixture(dir);
        Path first = data.resolve("hosts/web01/2026-11-22.log");
        Files.writeString(first, Files.readString(first).replaceFirst("#loghost v2", "#loghost v1"));
        Run.Result r = Cli.run(data, "verify", "--key", key(data));
        assertEquals(0, r.exit(), r::toString);
    }

    @Test
    void aRecordWrittenAfterTheClockSteppedBackIntoAHeaderOnlyDayFileStillVerifies() throws Exception {
        Path data = dir.resolve("data");
        ManualClock clock = new ManualClock("2026-11-22T23:59:50.000Z");
        try (LogStore store = new LogStore(data.resolve("hosts"), DigestAlgorithm.SHA256, clock)) {
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

    private static void append(LogStore store, String text) throws Exception {
        LineBatch b = new LineBatch();
        byte[] raw = text.getBytes(StandardCharsets.US_ASCII);
        b.add(RecordType.LOG, raw, 0, raw.length);
        store.host("web01").append(b);
    }
}
