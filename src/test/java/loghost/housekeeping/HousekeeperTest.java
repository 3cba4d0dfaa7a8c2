package loghost.housekeeping;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import loghost.config.Settings;
import loghost.store.DigestAlgorithm;
import loghost.store.LineBatch;
import loghost.store.LogStore;
import loghost.store.RecordType;
import loghost.store.StepObserver;
import loghost.testing.Cli;
import loghost.testing.ManualClock;
import loghost.testing.Stores;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** serve's housekeeping pass, driven by a clock moved by hand: closing at midnight, then compressing. */
class HousekeeperTest {

    @TempDir
    Path dir;

    static final Settings.Housekeeping COMPRESS = new Settings.Housekeeping(true, Duration.ofMinutes(5),
            Duration.ofDays(30), Duration.ZERO, List.of());

    static void append(LogStore store, String host, String line) throws Exception {
        LineBatch b = new LineBatch();
        byte[] raw = line.getBytes(StandardCharsets.US_ASCII);
        b.add(RecordType.LOG, raw, 0, raw.length);
        store.host(host).append(b);
        store.sweepAll();
    }

    static TreeSet<String> names(Path p) throws Exception {
        try (Stream<Path> s = Files.list(p)) {
            return new TreeSet<>(s.map(f -> f.getFileName().toString()).toList());
        }
    }

    @Test
    void aQuietHostsDayIsClosedAfterMidnightAndCompressedWithoutAnotherRecord() throws Exception {
        Path data = dir.resolve("data");
        ManualClock clock = new ManualClock("2026-11-22T23:59:58Z");
        LogStore store = Stores.open(data.resolve("hosts"), DigestAlgorithm.SHA256, clock);
        append(store, "web01", "the last line of the day");
        append(store, "db01", "db01 too");
        List<String> audited = new ArrayList<>();
        Housekeeper hk = new Housekeeper(data, store, COMPRESS, audited::add, clock, loghost.store.StepObserver.NONE);

        hk.runOnce(); // before midnight: nothing is closed, nothing compressed
        assertEquals(new TreeSet<>(List.of("2026-11-22.log")), names(data.resolve("hosts/web01")));

        clock.set("2026-11-23T00:00:01Z");
        hk.runOnce();
        // Closed: today's file exists (a header continuing the chain), so yesterday's is final and compressed.
        assertEquals(new TreeSet<>(List.of("2026-11-22.log.gz", "2026-11-23.log", "MANIFEST")),
                names(data.resolve("hosts/web01")));
        String header = Files.readString(data.resolve("hosts/web01/2026-11-23.log"));
        assertTrue(header.startsWith("#loghost v2 host=web01 day=2026-11-23 alg=sha256 seq=2 prev="), header);
        assertEquals(1, header.lines().count(), header);
        assertEquals(new TreeSet<>(List.of("2026-11-22.log.gz", "2026-11-23.log", "MANIFEST")),
                names(data.resolve("hosts/db01")));
        assertEquals("verify: OK: 2 hosts, 4 files, 2 records\n", Cli.run(data, "verify").stdout());

        // A host that stays silent gets no file per day: a file without records is not closed.
        clock.set("2026-11-24T00:00:01Z");
        hk.runOnce();
        assertEquals(new TreeSet<>(List.of("2026-11-22.log.gz", "2026-11-23.log", "MANIFEST")),
                names(data.resolve("hosts/web01")));

        // Its next record starts the day's file; the empty one is closed then, and compressed by the next pass.
        append(store, "web01", "back on the 24th");
        hk.runOnce();
        assertEquals(new TreeSet<>(List.of("2026-11-22.log.gz", "2026-11-23.log.gz", "2026-11-24.log", "MANIFEST")),
                names(data.resolve("hosts/web01")));
        store.close();
        assertEquals("verify: OK: 2 hosts, 5 files, 3 records\n", Cli.run(data, "verify").stdout());
        assertEquals(List.of(), audited, "nothing failed");
    }

    @Test
    void aStopEndsThePassAfterTheHostUnderWayAndTheNextPassDoesTheRest() throws Exception {
        Path data = dir.resolve("data");
        ManualClock clock = new ManualClock("2026-11-22T23:59:58Z");
        LogStore store = Stores.open(data.resolve("hosts"), DigestAlgorithm.SHA256, clock);
        append(store, "db01", "db01's last line of the day");
        append(store, "web01", "web01's last line of the day");
        clock.set("2026-11-23T00:00:01Z");
        CountDownLatch inFirstHost = new CountDownLatch(1);
        CountDownLatch stopAsked = new CountDownLatch(1);
        // The pass is held inside its first host (db01, in name order) until the server has asked it to stop.
        StepObserver holdFirst = step -> {
            if (inFirstHost.getCount() > 0) {
                inFirstHost.countDown();
                try {
                    assertTrue(stopAsked.await(30, TimeUnit.SECONDS));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        };
        Housekeeper hk = new Housekeeper(data, store, COMPRESS, m -> { }, clock, holdFirst).start();
        assertTrue(inFirstHost.await(60, TimeUnit.SECONDS), "the first pass never reached db01");
        hk.stop();
        stopAsked.countDown();
        assertTrue(hk.awaitStopped(Duration.ofSeconds(60)), "the pass went on after the stop");

        assertTrue(names(data.resolve("hosts/db01")).contains("2026-11-22.log.gz"), "db01 finished");
        assertTrue(names(data.resolve("hosts/web01")).contains("2026-11-22.log"), "web01 left for the next pass");
        new Housekeeper(data, store, COMPRESS, m -> { }, clock, StepObserver.NONE).runOnce();
        assertTrue(names(data.resolve("hosts/web01")).contains("2026-11-22.log.gz"));
        store.close();
        assertEquals("verify: OK: 2 hosts, 4 files, 2 records\n", Cli.run(data, "verify").stdout());
    }

    @Test
    void aManualCompressHoldingTheLockMakesThePassSkipCompressingButDaysStillClose() throws Exception {
        Path data = dir.resolve("data");
        ManualClock clock = new ManualClock("2026-11-22T12:00:00Z");
        LogStore store = Stores.open(data.resolve("hosts"), DigestAlgorithm.SHA256, clock);
        append(store, "web01", "one");
        clock.set("2026-11-23T00:10:00Z");
        Housekeeper hk = new Housekeeper(data, store, COMPRESS, m -> { }, clock, loghost.store.StepObserver.NONE);
        try (var held = Compressor.lock(data)) {
            hk.runOnce();
            assertEquals(new TreeSet<>(List.of("2026-11-22.log", "2026-11-23.log")), names(data.resolve("hosts/web01")));
            Cli.run(data, "compress"); // refused while held: changes nothing
            assertEquals(new TreeSet<>(List.of("2026-11-22.log", "2026-11-23.log")), names(data.resolve("hosts/web01")));
        }
        hk.runOnce();
        assertEquals(new TreeSet<>(List.of("2026-11-22.log.gz", "2026-11-23.log", "MANIFEST")),
                names(data.resolve("hosts/web01")));
        store.close();
    }

    @Test
    void withCompressOffDaysCloseAndStayPlain() throws Exception {
        Path data = dir.resolve("data");
        ManualClock clock = new ManualClock("2026-11-22T12:00:00Z");
        LogStore store = Stores.open(data.resolve("hosts"), DigestAlgorithm.SHA256, clock);
        append(store, "web01", "one");
        clock.set("2026-11-23T00:10:00Z");
        new Housekeeper(data, store, new Settings.Housekeeping(false, Duration.ofMinutes(5), Duration.ofDays(30),
                Duration.ZERO, List.of()), m -> { }, clock, loghost.store.StepObserver.NONE).runOnce();
        assertEquals(new TreeSet<>(List.of("2026-11-22.log", "2026-11-23.log")), names(data.resolve("hosts/web01")));
        store.close();
    }
}
