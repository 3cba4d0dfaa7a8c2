package loghost.forward;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import loghost.testing.ManualClock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** SPOOL/receipts: bounded newest receipts, a daily file an intruder's receipts cannot flush, torn lines cut. */
class ReceiptsFileTest {

    @TempDir
    Path dir;

    private Path spool() throws Exception {
        return Files.createDirectories(dir.resolve("spool"),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    }

    @Test
    void aFloodOfReceiptsEmptiesTheNewestFileButNotTheDailyOne() throws Exception {
        Path spool = spool();
        ManualClock clock = new ManualClock("2026-11-23T10:00:00Z");
        Receipts r = new Receipts(spool, Destination.parse("lh.example:2222"), clock);
        r.add("receipt of 2026-11-23, before the intrusion");
        clock.set("2026-11-24T09:00:00Z");
        r.add("receipt of 2026-11-24, before the intrusion");
        for (int i = 0; i < 1001; i++) {
            r.add("receipt " + i + " from the intruder");
        }
        List<String> newest = Files.readAllLines(r.file());
        assertTrue(newest.size() >= Receipts.KEEP && newest.size() <= Receipts.TRIM_AT, "lines: " + newest.size());
        assertTrue(newest.stream().allMatch(l -> l.endsWith("from the intruder")), newest::toString);
        assertEquals(List.of("receipt of 2026-11-23, before the intrusion", "receipt of 2026-11-24, before the intrusion"),
                Files.readAllLines(spool.resolve("receipts/lh.example_2222.daily")));
    }

    @Test
    void aTornLastLineFromACrashIsCutBeforeTheNextReceipt() throws Exception {
        Path spool = spool();
        Receipts r = new Receipts(spool, Destination.parse("lh.example:2222"), new ManualClock("2026-11-24T09:00:00Z"));
        r.add("receipt one");
        Files.writeString(r.file(), "receipt v1 host=web01 stream=s cse", StandardOpenOption.APPEND);
        Receipts again = new Receipts(spool, Destination.parse("lh.example:2222"),
                new ManualClock("2026-11-24T09:05:00Z"));
        again.add("receipt two");
        assertEquals(List.of("receipt one", "receipt two"), Files.readAllLines(r.file()));
    }
}
