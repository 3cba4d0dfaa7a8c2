package loghost.housekeeping;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import loghost.store.DataDirectory;
import loghost.store.DigestAlgorithm;
import loghost.store.HostSummary;
import loghost.store.LineBatch;
import loghost.store.LogStore;
import loghost.store.RecordType;
import loghost.testing.Cli;
import loghost.testing.Run;
import loghost.testing.ManualClock;
import loghost.testing.Stores;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@code loghost compress} on a store written by the real store code: what lands on disk, and crashes at each step. */
class CompressTest {

    private static final List<String> HOSTS = List.of("db01", "web01");
    private static final List<String> DAYS = List.of("2026-11-22", "2026-11-23", "2026-11-24");

    @TempDir
    Path dir;

    // Two hosts, three days, 300 records per host and day (several 64 KiB chunks of a day file).
    private static Path store(Path base) throws Exception {
        Path data = base.resolve("data");
        for (int day = 0; day < DAYS.size(); day++) {
            Instant t = Instant.parse(DAYS.get(day) + "T12:00:00Z");
            LogStore store = Stores.open(data.resolve("hosts"), DigestAlgorithm.SHA256, Clock.fixed(t, ZoneOffset.UTC));
            for (String host : HOSTS) {
                LineBatch b = new LineBatch();
                for (int i = 1; i <= 300; i++) {
                    byte[] raw = ("<38>Nov 22 12:00:00 " + host + " sshd[" + (800 + i) + "]: Accepted publickey for "
                            + "admin from 192.0.2." + (i % 250) + " port " + (40000 + i * 7) + " ssh2")
                            .getBytes(StandardCharsets.US_ASCII);
                    b.add(RecordType.LOG, raw, 0, raw.length);
                }
                store.host(host).append(b);
            }
            store.close();
        }
        return data;
    }

    // The bytes of every day file, by host/day, whether stored plain or compressed.
    private static Map<String, byte[]> contents(Path data) throws Exception {
        Map<String, byte[]> m = new TreeMap<>();
        for (String host : HOSTS) {
            for (String day : DAYS) {
                Path plain = data.resolve("hosts/" + host + "/" + day + ".log");
                Path gz = data.resolve("hosts/" + host + "/" + day + ".log.gz");
                if (Files.exists(plain)) {
                    m.put(host + "/" + day, Files.readAllBytes(plain));
                } else if (Files.exists(gz)) {
                    try (InputStream in = new GZIPInputStream(Files.newInputStream(gz))) {
                        m.put(host + "/" + day, in.readAllBytes());
                    }
                }
            }
        }
        return m;
    }

    private static void assertSameContents(Map<String, byte[]> expected, Map<String, byte[]> actual) {
        assertEquals(expected.keySet(), actual.keySet(), "no day lost");
        expected.forEach((k, v) -> assertArrayEquals(v, actual.get(k), k));
    }

    private static TreeSet<String> names(Path hostDir) throws Exception {
        try (Stream<Path> s = Files.list(hostDir)) {
            return new TreeSet<>(s.map(p -> p.getFileName().toString()).toList());
        }
    }

    private static final String OK = "verify: OK: 2 hosts, 6 files, 1800 records\n";

    @Test
    void compressesEveryClosedDayKeepsTheNewestAndVerifyStillHolds() throws Exception {
        Path data = store(dir);
        Map<String, byte[]> before = contents(data);

        Run.Result r = Cli.run(data, "compress");

        assertEquals(0, r.exit(), r::toString);
        assertTrue(r.stdout().contains("compressed hosts/web01/2026-11-22.log -> 2026-11-22.log.gz ("), r.stdout());
        assertTrue(r.stdout().endsWith("compress: 4 files compressed\n"), r.stdout());
        for (String host : HOSTS) {
            Path h = data.resolve("hosts/" + host);
            assertEquals(new TreeSet<>(List.of("2026-11-22.log.gz", "2026-11-23.log.gz", "2026-11-24.log", "MANIFEST")),
                    names(h));
            for (String n : names(h)) {
                assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(h.resolve(n))), n);
            }
            assertTrue(Files.size(h.resolve("2026-11-22.log.gz")) * 2 < before.get(host + "/2026-11-22").length);
        }
        assertSameContents(before, contents(data));
        assertEquals(OK, Cli.run(data, "verify").stdout());

        Run.Result again = Cli.run(data, "compress");
        assertEquals("compress: 0 files compressed\n", again.stdout(), again::toString);
    }

    @Test
    void beforeCompressesOnlyEarlierDaysAndHostOnlyThatHost() throws Exception {
        Path data = store(dir);

        Run.Result r = Cli.run(data, "compress", "--host", "web01", "--before", "2026-11-23");

        assertEquals(0, r.exit(), r::toString);
        assertEquals(new TreeSet<>(List.of("2026-11-22.log.gz", "2026-11-23.log", "2026-11-24.log", "MANIFEST")),
                names(data.resolve("hosts/web01")));
        assertEquals(new TreeSet<>(List.of("2026-11-22.log", "2026-11-23.log", "2026-11-24.log")),
                names(data.resolve("hosts/db01")));
        assertEquals(OK, Cli.run(data, "verify").stdout());
    }

    @Test
    void sha256sumChecksTheManifestWithCoreutilsAlone() throws Exception {
        Path data = store(dir);
        assertEquals(0, Cli.run(data, "compress").exit());
        Path host = data.resolve("hosts/web01");

        Run.Result ok = sha256sumCheck(host);
        assertEquals(0, ok.exit(), ok::toString);
        assertEquals("2026-11-22.log.gz: OK\n2026-11-23.log.gz: OK\n", ok.stdout());

        byte[] gz = Files.readAllBytes(host.resolve("2026-11-23.log.gz"));
        gz[gz.length / 2] ^= 1;
        Files.write(host.resolve("2026-11-23.log.gz"), gz);
        Run.Result bad = sha256sumCheck(host);
        assertEquals(1, bad.exit(), bad::toString);
        assertTrue(bad.stdout().contains("2026-11-23.log.gz: FAILED"), bad::toString);
        Run.Result verify = Cli.run(data, "verify");
        assertEquals(1, verify.exit(), verify::toString);
        assertTrue(verify.stdout().startsWith("verify: FAIL: hosts/web01/2026-11-23.log.gz"), verify::toString);
    }

    // cat and tail write to the process's own standard output: run them as a real loghost process.
    private static Run.Result loghost(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("java", "-cp", System.getProperty("java.class.path"),
                "loghost.cli.Main"));
        cmd.addAll(List.of(args));
        return Run.run(cmd, null, null, 120);
    }

    private static Run.Result sha256sumCheck(Path hostDir) throws Exception {
        // From the host directory, as an operator would: sha256sum -c --strict MANIFEST.
        return Run.run(List.of("sh", "-c", "cd \"$0\" && exec sha256sum -c --strict MANIFEST", hostDir.toString()),
                null, null, 60);
    }

    @Test
    void theProgramItselfReadsNoTestPropertyOnlyTheTestsLauncherDoes() throws Exception {
        // The crash point is a tests' tool: the shipped entry point must not halt on a property anyone can set.
        Path data = store(dir);
        Run.Result r = Run.run(List.of("java", "-Dloghost.test.halt-after=renamed", "-cp",
                System.getProperty("java.class.path"), "loghost.cli.Main", "compress", "--data", data.toString()),
                null, null, 120);
        assertEquals(0, r.exit(), r::toString);
        assertEquals(OK, Cli.run(data, "verify").stdout(), "compressed to the end");
    }

    @ParameterizedTest
    @ValueSource(strings = {"tmp-partial", "tmp-synced", "renamed", "manifest-tmp", "manifest-partial", "manifested",
        "deleted"})
    void aCrashAtAnyStepLosesNothingAndASecondRunFinishes(String step) throws Exception {
        Path data = store(dir);
        Map<String, byte[]> before = contents(data);

        // A real loghost process that dies (Runtime.halt: no cleanup, as kill -9) right after STEP.
        Run.Result crashed = Run.run(List.of("java", "-Dloghost.test.halt-after=" + step, "-cp",
                System.getProperty("java.class.path"), "loghost.testing.TestMain", "compress", "--data",
                data.toString()),
                null, null, 120);
        assertEquals(137, crashed.exit(), crashed::toString);

        assertSameContents(before, contents(data));
        Run.Result between = Cli.run(data, "verify");
        assertEquals(0, between.exit(), between::toString);
        assertFalse(between.stdout().contains("FAIL"), between::toString);
        DataDirectory.prepare(data); // serve's start-up walk accepts what a crash left

        Run.Result finish = Cli.run(data, "compress");
        assertEquals(0, finish.exit(), finish::toString);
        assertEquals(OK, Cli.run(data, "verify").stdout(), "no note left: every file finished");
        for (String host : HOSTS) {
            assertEquals(new TreeSet<>(List.of("2026-11-22.log.gz", "2026-11-23.log.gz", "2026-11-24.log", "MANIFEST")),
                    names(data.resolve("hosts/" + host)), host);
        }
        assertSameContents(before, contents(data));
        assertEquals(0, sha256sumCheck(data.resolve("hosts/web01")).exit());
    }

    @Test
    void aCompressedFileThatDoesNotMatchItsDayFileStopsCompressAndKeepsBoth() throws Exception {
        Path data = store(dir);
        Path host = data.resolve("hosts/web01");
        try (GZIPOutputStream out = new GZIPOutputStream(Files.newOutputStream(host.resolve("2026-11-22.log.gz")))) {
            out.write("not the day file\n".getBytes(StandardCharsets.US_ASCII));
        }
        Files.setPosixFilePermissions(host.resolve("2026-11-22.log.gz"), PosixFilePermissions.fromString("rw-------"));

        Run.Result r = Cli.run(data, "compress", "--host", "web01");

        assertEquals(1, r.exit(), r::toString);
        assertEquals("loghost: error: hosts/web01/2026-11-22.log.gz exists and does not decompress to 2026-11-22.log; "
                + "refusing to touch either (run loghost verify)\n", r.stderr());
        assertTrue(Files.exists(host.resolve("2026-11-22.log")));
        assertTrue(Files.exists(host.resolve("2026-11-22.log.gz")));
    }

    @Test
    void serverStoreCatAndStatusGoOnOverCompressedFiles() throws Exception {
        Path data = store(dir);
        Run.Result catBefore = loghost("cat", "--data", data.toString(), "--host", "web01");
        HostSummary summaryBefore = HostSummary.of(data.resolve("hosts/web01"));
        assertEquals(0, Cli.run(data, "compress").exit());

        Run.Result catAfter = loghost("cat", "--data", data.toString(), "--host", "web01");
        assertEquals(0, catAfter.exit(), catAfter::toString);
        assertEquals(catBefore.stdout(), catAfter.stdout());
        Run.Result tail = loghost("tail", "--data", data.toString(), "--host", "web01", "-n", "400");
        assertEquals(0, tail.exit(), tail::toString);
        assertEquals(900, catBefore.stdout().lines().count(), catBefore::toString);
        // 400 lines span the compressed 2026-11-23 and the plain 2026-11-24.
        assertEquals(catBefore.stdout().lines().skip(500).toList(), tail.stdout().lines().toList());
        HostSummary summaryAfter = HostSummary.of(data.resolve("hosts/web01"));
        assertEquals(900, summaryAfter.records());
        assertEquals(summaryBefore.lastRecord(), summaryAfter.lastRecord());
        long stored = 0;
        for (String n : List.of("2026-11-22.log.gz", "2026-11-23.log.gz", "2026-11-24.log")) {
            stored += Files.size(data.resolve("hosts/web01/" + n));
        }
        assertEquals(stored, summaryAfter.bytes());

        // The store (serve's) opens the host again, recovers from its newest .log and goes on, into a new day.
        LogStore store = Stores.open(data.resolve("hosts"), DigestAlgorithm.SHA256,
                Clock.fixed(Instant.parse("2026-11-25T00:00:01Z"), ZoneOffset.UTC));
        LineBatch b = new LineBatch();
        byte[] raw = "after compress".getBytes(StandardCharsets.US_ASCII);
        b.add(RecordType.LOG, raw, 0, raw.length);
        store.host("web01").append(b);
        store.close();
        assertEquals("verify: OK: 2 hosts, 7 files, 1801 records\n", Cli.run(data, "verify").stdout());
        assertEquals(0, Cli.run(data, "compress").exit());
        assertEquals("verify: OK: 2 hosts, 7 files, 1801 records\n", Cli.run(data, "verify").stdout());
        assertTrue(Files.exists(data.resolve("hosts/web01/2026-11-24.log.gz")));
        assertTrue(Files.exists(data.resolve("hosts/web01/2026-11-25.log")));
    }

    @Test
    void aSecondCompressWhileOneRunsIsRefusedAndChangesNothing() throws Exception {
        Path data = store(dir);
        try (var held = Compressor.lock(data)) {
            Run.Result r = Cli.run(data, "compress");
            assertEquals(1, r.exit(), r::toString);
            assertEquals("loghost: error: another loghost compress is running on " + data + " (it holds "
                    + data.resolve("compress.lock") + ")\n", r.stderr());
        }
        assertEquals(new TreeSet<>(List.of("2026-11-22.log", "2026-11-23.log", "2026-11-24.log")),
                names(data.resolve("hosts/web01")));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(
                data.resolve("compress.lock"))));
        DataDirectory.prepare(data); // the lock file passes serve's start-up walk
    }

    @Test
    void compressRunsBesideAnOpenStoreThroughMidnight() throws Exception {
        Path data = store(dir);
        ManualClock clock = new ManualClock("2026-11-24T23:59:59Z");
        LogStore store = Stores.open(data.resolve("hosts"), DigestAlgorithm.SHA256, clock);
        appendOne(store, "before compress");                // the server holds 2026-11-24.log open

        assertEquals(0, Cli.run(data, "compress").exit());  // closes 22 and 23, leaves the open 24
        appendOne(store, "after compress");
        clock.set("2026-11-25T00:00:01Z");
        appendOne(store, "after midnight");                 // 25 is created: 24 is now closed
        Run.Result second = Cli.run(data, "compress");
        assertEquals(0, second.exit(), second::toString);
        assertTrue(second.stdout().contains("hosts/web01/2026-11-24.log -> 2026-11-24.log.gz"), second.stdout());
        appendOne(store, "after the second compress");
        store.close();

        assertEquals(new TreeSet<>(List.of("2026-11-22.log.gz", "2026-11-23.log.gz", "2026-11-24.log.gz",
                "2026-11-25.log", "MANIFEST")), names(data.resolve("hosts/web01")));
        assertEquals("verify: OK: 2 hosts, 7 files, 1804 records\n", Cli.run(data, "verify").stdout());
        Run.Result cat = loghost("cat", "--data", data.toString(), "--host", "web01");
        assertTrue(cat.stdout().endsWith("before compress\nafter compress\nafter midnight\nafter the second compress\n"),
                cat::toString);
    }

    private static void appendOne(LogStore store, String line) throws Exception {
        LineBatch b = new LineBatch();
        byte[] raw = line.getBytes(StandardCharsets.US_ASCII);
        b.add(RecordType.LOG, raw, 0, raw.length);
        store.host("web01").append(b);
        store.sweepAll();
    }

    @Test
    void aRealServerStartsAndAppendsOverWhatACrashedCompressLeft() throws Exception {
        Path data = store(dir);
        // db01: day 22 done, day 23 renamed with half a manifest entry; web01: a leftover tmp from another crash.
        Run.Result crashed = Run.run(List.of("java", "-Dloghost.test.halt-after=manifest-partial", "-cp",
                System.getProperty("java.class.path"), "loghost.testing.TestMain", "compress", "--data",
                data.toString()),
                null, null, 120);
        assertEquals(137, crashed.exit(), crashed::toString);
        Files.writeString(data.resolve("hosts/web01/2026-11-22.log.gz.tmp"), "\u001f\u008b half");
        Files.setPosixFilePermissions(data.resolve("hosts/web01/2026-11-22.log.gz.tmp"),
                PosixFilePermissions.fromString("rw-------"));
        Path key = loghost.testing.KeyGen.generate(dir, "db01key", "ed25519");
        assertEquals(0, Cli.run(data, "enroll", "db01", loghost.testing.KeyGen.pub(key).toString()).exit());

        try (loghost.testing.ServerProcess server = loghost.testing.ServerProcess.start(data,
                dir.resolve("serve.err"), dir.resolve("known_hosts"))) {
            Path line = Files.writeString(dir.resolve("line.txt"), "sent while the store was half compressed\n");
            Run.Result sent = Run.run(server.appendCommand(key), line, null, 60);
            assertEquals(0, sent.exit(), () -> sent + "\nserver: " + server.stderr());
        }

        Run.Result between = Cli.run(data, "verify");
        assertEquals(0, between.exit(), between::toString);
        assertFalse(between.stdout().contains("FAIL"), between::toString);
        Run.Result db01 = Cli.run(data, "verify", "--host", "db01");
        assertTrue(db01.stdout().endsWith(", 901 records\n"), db01::toString); // 900 + the one just sent
        assertEquals(0, Cli.run(data, "compress").exit());
        Run.Result after = Cli.run(data, "verify");
        assertEquals(0, after.exit(), after::toString);
        // No note of an unfinished compression (the server was killed before its first epoch ended: its records are
        // noted as not sealed yet, which is not about compress).
        assertTrue(after.stdout().lines().noneMatch(l -> l.startsWith("verify: note:") && !l.endsWith("(no checkpoint yet)")),
                after::toString);
        assertTrue(Cli.run(data, "verify", "--host", "db01").stdout().endsWith(", 901 records\n"));
        assertTrue(Files.exists(data.resolve("hosts/db01/2026-11-23.log.gz")));
        assertFalse(Files.exists(data.resolve("hosts/db01/2026-11-23.log")));
    }
}
