package loghost.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.util.List;
import loghost.testing.HostRecords;
import loghost.testing.Stores;
import loghost.verify.Verifier;
import loghost.verify.VerifyReport;
import loghost.testing.ManualClock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HostLogTest {

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

    private VerifyReport verify() throws Exception {
        return new Verifier(dir.resolve("data/hosts")).verifyAll();
    }

    @Test
    void chainContinuesAcrossRestartAndDays() throws Exception {
        ManualClock clock = new ManualClock("2026-11-22T23:59:59.000Z");
        LogStore store = Stores.open(dir.resolve("data/hosts"), DigestAlgorithm.SHA256, clock);
        append(store.host("web01"), "one", "two");
        store.close();

        clock.millis += 2000;
        store = Stores.open(dir.resolve("data/hosts"), DigestAlgorithm.SHA256, clock);
        append(store.host("web01"), "three");
        store.close();

        List<Path> files = HostRecords.files(dir.resolve("data"), "web01");
        assertEquals(List.of("2026-11-22.log", "2026-11-23.log"), files.stream().map(p -> p.getFileName().toString())
                .toList());
        String second = Files.readString(files.get(1));
        assertTrue(second.startsWith("#loghost v2 host=web01 day=2026-11-23 alg=sha256 seq=3 prev="), second);
        assertEquals(List.of("one", "two", "three"), HostRecords.read(dir.resolve("data"), "web01").stream()
                .map(HostRecords.Rec::text).toList());
        VerifyReport r = verify();
        assertTrue(r.ok(), r.problems()::toString);
        assertEquals(3, r.records());
    }

    @Test
    void filesAndDirectoriesArePrivateToTheLoghostUser() throws Exception {
        LogStore store = Stores.open(dir.resolve("data/hosts"), DigestAlgorithm.SHA256, Clock.systemUTC());
        append(store.host("web01"), "x");
        store.close();
        Path file = HostRecords.files(dir.resolve("data"), "web01").get(0);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file.getParent())));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(
                dir.resolve("data/hosts"))));
    }

    @Test
    void tornFinalLineIsTruncatedAndTheChainContinues() throws Exception {
        LogStore store = Stores.open(dir.resolve("data/hosts"), DigestAlgorithm.SHA256, Clock.systemUTC());
        append(store.host("web01"), "kept-1", "kept-2");
        store.close();
        Path file = HostRecords.files(dir.resolve("data"), "web01").get(0);
        long goodSize = Files.size(file);
        Files.write(file, "3 2026-11-22T10:00:00.000Z log s=3 abc".getBytes(StandardCharsets.US_ASCII),
                StandardOpenOption.APPEND);
        assertEquals(false, verify().ok(), "a torn line must fail verify before repair");

        store = Stores.open(dir.resolve("data/hosts"), DigestAlgorithm.SHA256, Clock.systemUTC());
        HostLog log = store.host("web01");
        assertEquals(38, log.tornBytesRepaired());
        assertEquals(goodSize, Files.size(file));
        append(log, "after-repair");
        store.close();

        VerifyReport r = verify();
        assertTrue(r.ok(), r.problems()::toString);
        assertEquals(List.of("kept-1", "kept-2", "after-repair"), HostRecords.read(dir.resolve("data"), "web01")
                .stream().map(HostRecords.Rec::text).toList());
        assertEquals(3, HostRecords.read(dir.resolve("data"), "web01").get(2).seq());
    }

    @Test
    void clockSteppingBackKeepsWritingTheCurrentDayFile() throws Exception {
        ManualClock clock = new ManualClock("2026-11-23T00:00:01.000Z");
        LogStore store = Stores.open(dir.resolve("data/hosts"), DigestAlgorithm.SHA256, clock);
        append(store.host("web01"), "after midnight");
        clock.millis -= 5000;
        append(store.host("web01"), "clock stepped back");
        store.close();
        assertEquals(1, HostRecords.files(dir.resolve("data"), "web01").size());
        assertTrue(verify().ok());
    }

    @Test
    void sha512AndMd5ChainsVerify() throws Exception {
        for (DigestAlgorithm alg : List.of(DigestAlgorithm.SHA512, DigestAlgorithm.MD5)) {
            LogStore store = Stores.open(dir.resolve("data/hosts"), alg, Clock.systemUTC());
            append(store.host("h-" + alg.headerName()), "a", "b");
            store.close();
        }
        VerifyReport r = verify();
        assertTrue(r.ok(), r.problems()::toString);
        assertEquals(4, r.records());
        String header = Files.readAllLines(HostRecords.files(dir.resolve("data"), "h-sha512").get(0)).get(0);
        assertTrue(header.contains(" alg=sha512 "), header);
    }

    @Test
    void refusesHostNamesThatCouldEscapeTheStore() throws Exception {
        LogStore store = Stores.open(dir.resolve("data/hosts"), DigestAlgorithm.SHA256, Clock.systemUTC());
        for (String bad : new String[] {"..", "../etc", "a/b", "Web01", "-x", "", ".hidden"}) {
            org.junit.jupiter.api.Assertions.assertThrows(StorageException.class, () -> store.host(bad), bad);
        }
        store.close();
    }

    @Test
    void dayChangesWhileFsyncsRunOnAnotherThreadLoseNothingAndOpenEachDayOnce() throws Exception {
        ManualClock clock = new ManualClock("2026-11-01T12:00:00.000Z");
        LogStore store = Stores.open(dir.resolve("data/hosts"), DigestAlgorithm.SHA256, clock);
        HostLog log = store.host("web01");
        java.util.concurrent.atomic.AtomicBoolean done = new java.util.concurrent.atomic.AtomicBoolean();
        java.util.concurrent.atomic.AtomicReference<Throwable> syncFailed = new java.util.concurrent.atomic
                .AtomicReference<>();
        // The fsync sweep and the housekeeping timer, as in the server: each rollover races an fsync of the file
        // it ends.
        Thread syncer = new Thread(() -> {
            try {
                while (!done.get()) {
                    log.sync();
                    log.closeDayIfOver();
                }
            } catch (Throwable t) {
                syncFailed.set(t);
            }
        });
        syncer.start();
        int days = 30;
        try {
            for (int d = 0; d < days; d++) {
                for (int i = 0; i < 50; i++) {
                    append(log, "day " + d + " line " + i);
                }
                clock.millis += 86_400_000L;
            }
        } finally {
            done.set(true);
            syncer.join();
        }
        store.close();
        assertEquals(null, syncFailed.get());
        List<HostRecords.Rec> recs = HostRecords.read(dir.resolve("data"), "web01");
        assertEquals(days * 50, recs.size());
        assertEquals("day 29 line 49", recs.get(recs.size() - 1).text());
        VerifyReport r = verify();
        assertTrue(r.ok(), r.problems()::toString);
    }

    @Test
    void aBatchOfDuplicatesTakesNoSessionNumberSoTwoSessionsNeverShareOne() throws Exception {
        LogStore store = Stores.open(dir.resolve("data/hosts"), DigestAlgorithm.SHA256, Clock.systemUTC());
        HostLog log = store.host("web01");
        byte[] line = "x".getBytes(StandardCharsets.US_ASCII);
        LineBatch first = new LineBatch();
        first.stream("s1");
        first.add(RecordType.LOG, line, 0, 1, 1);
        log.append(first);
        // A second session resends cseq 1 only: nothing is written, so it must not claim s=2.
        LineBatch resend = new LineBatch();
        resend.stream("s1");
        resend.add(RecordType.LOG, line, 0, 1, 1);
        assertEquals(0, log.append(resend).records());
        append(log, "raw session");
        resend.clear();
        resend.add(RecordType.LOG, line, 0, 1, 2);
        log.append(resend);
        store.close();
        List<HostRecords.Rec> recs = HostRecords.read(dir.resolve("data"), "web01");
        assertEquals(List.of("s=1,c=s1:1", "s=2", "s=3,c=s1:2"), recs.stream().map(HostRecords.Rec::meta).toList());
    }

    // Descriptors of this JVM open on {@code file}.
    private static long openDescriptors(Path file) throws Exception {
        long n = 0;
        try (var fds = Files.list(Path.of("/proc/self/fd"))) {
            for (Path fd : (Iterable<Path>) fds::iterator) {
                try {
                    if (Files.readSymbolicLink(fd).equals(file.toRealPath())) {
                        n++;
                    }
                } catch (java.io.IOException gone) {
                    // the listing's own descriptor, closed by now
                }
            }
        }
        return n;
    }

    @Test
    void anIdleHostsDayFileIsClosedAndReopenedByItsNextRecord() throws Exception {
        ManualClock clock = new ManualClock("2026-11-22T10:00:00.000Z");
        LogStore store = Stores.open(dir.resolve("data/hosts"), DigestAlgorithm.SHA256, clock);
        HostLog log = store.host("web01");
        append(log, "one");
        Path file = HostRecords.files(dir.resolve("data"), "web01").get(0);
        log.sweep(); // the sync policy's sweep writes the record out
        assertEquals(1, openDescriptors(file));
        log.sync(); // a caller's own sync (an ACK's) leaves the file open: the host is busy
        assertEquals(1, openDescriptors(file));
        log.sweep(); // nothing new since the previous sweep: the host is idle and its file is closed
        assertEquals(0, openDescriptors(file));

        append(log, "two");
        assertEquals(1, openDescriptors(file));
        log.sweep();
        log.sweep();
        // Still the day's file at midnight: closing the day works on a closed file too.
        clock.set("2026-11-23T00:00:01.000Z");
        assertTrue(log.closeDayIfOver());
        append(log, "three");
        store.close();
        assertEquals(List.of("2026-11-22.log", "2026-11-23.log"), HostRecords.files(dir.resolve("data"), "web01")
                .stream().map(p -> p.getFileName().toString()).toList());
        assertEquals(List.of("one", "two", "three"), HostRecords.read(dir.resolve("data"), "web01").stream()
                .map(HostRecords.Rec::text).toList());
        VerifyReport r = verify();
        assertTrue(r.ok(), r.problems()::toString);
    }

    @Test
    void aDayFileChangedWhileClosedIsNotWrittenTo() throws Exception {
        LogStore store = Stores.open(dir.resolve("data/hosts"), DigestAlgorithm.SHA256, Clock.systemUTC());
        HostLog log = store.host("web01");
        append(log, "one");
        log.sweep();
        log.sweep();
        Path file = HostRecords.files(dir.resolve("data"), "web01").get(0);
        Files.writeString(file, "1 2026-11-22T10:00:00.000Z log - 00 forged\n", StandardOpenOption.APPEND);
        long size = Files.size(file);
        StorageException e = org.junit.jupiter.api.Assertions.assertThrows(StorageException.class,
                () -> append(log, "two"));
        assertTrue(e.getMessage().contains("changed while closed"), e.getMessage());
        assertEquals(size, Files.size(file), "nothing written after the forged line");
        // Out of service from then on: not synced, not reported as stored.
        org.junit.jupiter.api.Assertions.assertThrows(StorageException.class, log::sync);
        org.junit.jupiter.api.Assertions.assertThrows(StorageException.class, store::close);
    }
}
