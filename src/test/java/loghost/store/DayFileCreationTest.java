package loghost.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import loghost.testing.HostRecords;
import loghost.testing.Stores;
import loghost.testing.Tmpfs;
import loghost.verify.Verifier;
import loghost.verify.VerifyReport;
import loghost.testing.ManualClock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Creating a day file can fail (a full disk at midnight); the chain must carry on once it can, without a restart. */
class DayFileCreationTest {

    @TempDir
    Path dir;

    private static void append(HostLog log, String... lines) throws StorageException {
        LineBatch b = new LineBatch();
        for (String l : lines) {
            byte[] raw = l.getBytes(StandardCharsets.UTF_8);
            b.add(RecordType.LOG, raw, 0, raw.length);
        }
        log.append(b);
    }

    private static List<String> names(Path hostDir) throws Exception {
        try (Stream<Path> s = Files.list(hostDir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    private void assertChain(List<String> texts) throws Exception {
        List<HostRecords.Rec> recs = HostRecords.read(dir.resolve("data"), "web01");
        assertEquals(texts, recs.stream().map(HostRecords.Rec::text).toList());
        for (int i = 0; i < recs.size(); i++) {
            assertEquals(i + 1, recs.get(i).seq());
        }
        VerifyReport r = new Verifier(dir.resolve("data/hosts")).verifyAll();
        assertTrue(r.ok(), r.problems()::toString);
    }

    @Test
    void dayFileCreationOnAFullDiskLeavesNoTmpAndTheNextAppendAfterSpaceReturnsSucceeds() throws Exception {
        ManualClock clock = new ManualClock("2026-11-22T23:59:00.000Z");
        LogStore store = Stores.open(dir.resolve("data/hosts"), DigestAlgorithm.SHA256, clock);
        Path hostDir = dir.resolve("data/hosts/web01");
        try (Tmpfs disk = Tmpfs.mount(hostDir, "1m")) {
            HostLog log = store.host("web01");
            append(log, "before midnight");
            Path filler = disk.fill("filler");

            clock.millis += 120_000; // 2026-11-23: the next append must create a new day file, on a full disk
            StorageException e = assertThrows(StorageException.class, () -> append(log, "lost to the full disk"));
            assertTrue(e.getMessage().contains("No space left on device"), e::getMessage);
            assertEquals(List.of("2026-11-22.log", "filler"), names(hostDir));
            assertThrows(StorageException.class, () -> append(log, "lost again"));
            assertEquals(List.of("2026-11-22.log", "filler"), names(hostDir));

            Files.delete(filler);
            append(log, "after space returned");
            append(log, "and on");
            store.close();
            assertEquals(List.of("2026-11-22.log", "2026-11-23.log"), names(hostDir));
            assertChain(List.of("before midnight", "after space returned", "and on"));
            String header = Files.readAllLines(hostDir.resolve("2026-11-23.log")).get(0);
            assertTrue(header.startsWith("#loghost v2 host=web01 day=2026-11-23 alg=sha256 seq=2 prev="), header);
        }
    }

    @Test
    void aSessionThreadInterruptedAtMidnightStillCreatesTheDayFileAndKeepsItsInterrupt() throws Exception {
        ManualClock clock = new ManualClock("2026-11-22T23:59:00.000Z");
        LogStore store = Stores.open(dir.resolve("data/hosts"), DigestAlgorithm.SHA256, clock);
        HostLog log = store.host("web01");
        append(log, "one");
        clock.millis += 120_000;
        // MINA interrupts a session's thread when the client closes its channel; that must not fail the host.
        Thread.currentThread().interrupt();
        try {
            append(log, "two");
            assertTrue(Thread.currentThread().isInterrupted(), "the interrupt is kept for the session to see");
        } finally {
            Thread.interrupted();
        }
        append(log, "three");
        store.close();
        assertEquals(List.of("2026-11-22.log", "2026-11-23.log"), names(dir.resolve("data/hosts/web01")));
        assertChain(List.of("one", "two", "three"));
    }

    @Test
    void aLeftoverTmpOfTheNewDayIsReplacedNotAnObstacle() throws Exception {
        ManualClock clock = new ManualClock("2026-11-22T23:59:00.000Z");
        LogStore store = Stores.open(dir.resolve("data/hosts"), DigestAlgorithm.SHA256, clock);
        HostLog log = store.host("web01");
        append(log, "one");
        Path hostDir = dir.resolve("data/hosts/web01");
        // What an earlier failed creation whose cleanup also failed leaves: part of a header, no LF.
        Files.writeString(hostDir.resolve("2026-11-23.log.tmp"), "#loghost v1 host=web01 day=2026-11-23 al");
        clock.millis += 120_000;
        append(log, "two");
        store.close();
        assertEquals(List.of("2026-11-22.log", "2026-11-23.log"), names(hostDir));
        assertChain(List.of("one", "two"));
    }

    @Test
    void aSymbolicLinkWhereTheNewDayFileGoesIsRefusedAndNeverWrittenThrough() throws Exception {
        ManualClock clock = new ManualClock("2026-11-22T23:59:00.000Z");
        LogStore store = Stores.open(dir.resolve("data/hosts"), DigestAlgorithm.SHA256, clock);
        HostLog log = store.host("web01");
        append(log, "one");
        Path hostDir = dir.resolve("data/hosts/web01");
        Path target = dir.resolve("outside.log");
        Files.writeString(target, "not loghost's\n");
        Path link = Files.createSymbolicLink(hostDir.resolve("2026-11-23.log"), target);

        clock.millis += 120_000;
        StorageException e = assertThrows(StorageException.class, () -> append(log, "two"));
        assertTrue(e.getMessage().contains("day file " + link + " is a symbolic link"), e::getMessage);
        assertEquals("not loghost's\n", Files.readString(target));

        // The chain is as it was: once the link is gone, the day file is created and the chain goes on.
        Files.delete(link);
        append(log, "three");
        store.close();
        assertEquals("not loghost's\n", Files.readString(target));
        assertChain(List.of("one", "three"));
    }

    @Test
    void aSymlinkedNewestDayFileIsRefusedWhenTheLogIsOpened() throws Exception {
        LogStore store = Stores.open(dir.resolve("data/hosts"), DigestAlgorithm.SHA256,
                new ManualClock("2026-11-22T10:00:00.000Z"));
        append(store.host("web01"), "one");
        store.close();
        Path day = dir.resolve("data/hosts/web01/2026-11-22.log");
        Path moved = dir.resolve("moved.log");
        Files.move(day, moved);
        Files.createSymbolicLink(day, moved);
        long size = Files.size(moved);

        LogStore again = Stores.open(dir.resolve("data/hosts"), DigestAlgorithm.SHA256,
                new ManualClock("2026-11-22T11:00:00.000Z"));
        StorageException e = assertThrows(StorageException.class, () -> again.host("web01"));
        assertTrue(e.getMessage().contains("day file " + day + " is a symbolic link"), e::getMessage);
        again.close();
        assertEquals(size, Files.size(moved));
    }
}
