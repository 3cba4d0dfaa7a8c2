package loghost.archive;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import loghost.config.Settings;
import loghost.housekeeping.Housekeeper;
import loghost.store.DigestAlgorithm;
import loghost.store.LineBatch;
import loghost.store.LogStore;
import loghost.store.RecordType;
import loghost.testing.Await;
import loghost.testing.Cli;
import loghost.testing.ManualClock;
import loghost.testing.Run;
import loghost.testing.ServerProcess;
import loghost.testing.Stores;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Retention and archive to a directory: what lands where, crashes between steps, refusals, tampering. */
class ArchiveTest {

    static final List<String> DAYS = List.of("2026-11-22", "2026-11-23", "2026-11-24");

    @TempDir
    Path dir;

    /** web01 and db01, 50 records a day on three days, the first two compressed. */
    static Path store(Path base) throws Exception {
        Path data = base.resolve("data");
        for (String day : DAYS) {
            LogStore store = Stores.open(data.resolve("hosts"), DigestAlgorithm.SHA256,
                    Clock.fixed(Instant.parse(day + "T12:00:00Z"), ZoneOffset.UTC));
            for (String host : List.of("db01", "web01")) {
                LineBatch b = new LineBatch();
                for (int i = 1; i <= 50; i++) {
                    byte[] raw = (host + " " + day + " line " + i).getBytes(StandardCharsets.US_ASCII);
                    b.add(RecordType.LOG, raw, 0, raw.length);
                }
                store.host(host).append(b);
            }
            store.close();
        }
        assertEquals(0, Cli.run(data, "compress").exit());
        return data;
    }

    static TreeSet<String> names(Path p) throws Exception {
        if (!Files.isDirectory(p)) {
            return new TreeSet<>();
        }
        try (Stream<Path> s = Files.list(p)) {
            return new TreeSet<>(s.map(f -> f.getFileName().toString()).toList());
        }
    }

    // Every day's decompressed bytes, from online or from the archive, whichever holds it.
    static Map<String, String> contents(Path data, Path archive) throws Exception {
        Map<String, String> m = new TreeMap<>();
        for (String host : List.of("db01", "web01")) {
            for (String day : DAYS) {
                for (Path base : List.of(data, archive)) {
                    Path gz = base.resolve("hosts/" + host + "/" + day + ".log.gz");
                    Path plain = base.resolve("hosts/" + host + "/" + day + ".log");
                    if (Files.exists(plain)) {
                        m.put(host + "/" + day, Files.readString(plain, StandardCharsets.ISO_8859_1));
                    } else if (Files.exists(gz)) {
                        try (InputStream in = new GZIPInputStream(Files.newInputStream(gz))) {
                            m.put(host + "/" + day, new String(in.readAllBytes(), StandardCharsets.ISO_8859_1));
                        }
                    }
                }
            }
        }
        return m;
    }

    /** One housekeeping pass over the store in {@code data}, as serve runs it, on {@code clock}. */
    static void pass(Path data, Settings.Housekeeping settings, java.util.function.Consumer<String> audit, Clock clock)
            throws Exception {
        LogStore store = Stores.open(data.resolve("hosts"), DigestAlgorithm.SHA256, clock);
        new Housekeeper(data, store, settings, audit, clock, loghost.store.StepObserver.NONE).runOnce();
        store.close();
    }

    static Settings.Housekeeping archiveTo(Path nas) {
        return new Settings.Housekeeping(true, Duration.ofMinutes(5), Duration.ofDays(1), Duration.ZERO,
                List.of(new Settings.ArchiveDestination("nas", nas)));
    }

    @Test
    void oldDaysAreArchivedCheckedAndOnlyThenRemovedAndVerifyContinuesFromTheManifest() throws Exception {
        Path data = store(dir);
        Map<String, String> before = contents(data, dir.resolve("none"));
        Path nas = Files.createDirectory(dir.resolve("nas"));
        List<String> audited = new ArrayList<>();
        ManualClock clock = new ManualClock("2026-11-24T12:00:00Z"); // 22 is a day past its end, 23 not yet
        pass(data, archiveTo(nas), audited::add, clock);

        assertEquals(new TreeSet<>(List.of("2026-11-23.log.gz", "2026-11-24.log", "MANIFEST")),
                names(data.resolve("hosts/web01")));
        assertEquals(new TreeSet<>(List.of("2026-11-22.log.gz", "MANIFEST")), names(nas.resolve("hosts/web01")));
        assertEquals(Files.readString(data.resolve("hosts/web01/MANIFEST")),
                Files.readString(nas.resolve("hosts/web01/MANIFEST")));
        assertTrue(Files.readString(nas.resolve("hosts/web01/MANIFEST")).contains("\n# archived 2026-11-22.log.gz to=nas chain="));
        assertTrue(audited.contains("archived host=web01 file=2026-11-22.log.gz to=nas"), audited::toString);
        assertEquals(before, contents(data, nas));

        Run.Result v = Cli.run(data, "verify");
        assertEquals("verify: note: hosts/db01: 1 file archived to nas, not online (2026-11-22.log.gz)\n"
                + "verify: note: hosts/web01: 1 file archived to nas, not online (2026-11-22.log.gz)\n"
                + "verify: OK: 2 hosts, 4 files, 200 records\n", v.stdout(), v::toString);

        clock.set("2026-11-26T00:00:00Z");
        pass(data, archiveTo(nas), audited::add, clock);
        assertEquals(new TreeSet<>(List.of("2026-11-24.log", "MANIFEST")), names(data.resolve("hosts/web01")));
        assertEquals("verify: note: hosts/db01: 2 files archived to nas, not online (2026-11-22.log.gz to "
                + "2026-11-23.log.gz)\nverify: note: hosts/web01: 2 files archived to nas, not online (2026-11-22.log.gz"
                + " to 2026-11-23.log.gz)\nverify: OK: 2 hosts, 2 files, 100 records\n", Cli.run(data, "verify").stdout());
        String status = Cli.run(data, "status").stdout();
        assertTrue(status.contains("\ndisk: "), status);
        assertTrue(status.contains(" bytes in hosts/, 2 day files online (2 plain, 0 compressed), 2026-11-24 to "
                + "2026-11-24\narchive nas: 4 files archived; last pass ok at 2026-11-26T00:00:00Z\n"), status);
        // From the archive directory, coreutils alone check what is there.
        Run.Result sums = Run.run(List.of("sh", "-c", "cd \"$0\" && sha256sum -c --ignore-missing MANIFEST",
                nas.resolve("hosts/web01").toString()), null, null, 60);
        assertEquals(0, sums.exit(), sums::toString);
    }

    @Test
    void aPassWithNothingDueSaysNothingWentOffsiteNotZeroFilesAndOk() throws Exception {
        Path data = store(dir);
        Path nas = Files.createDirectory(dir.resolve("nas"));
        List<String> audited = new ArrayList<>();
        pass(data, new Settings.Housekeeping(true, Duration.ofMinutes(5), Duration.ofDays(30), Duration.ZERO,
                List.of(new Settings.ArchiveDestination("nas", nas))), audited::add,
                new ManualClock("2026-11-26T00:00:00Z"));
        assertEquals(List.of(), audited, "nothing was due: nothing archived, nothing audited");
        String status = Cli.run(data, "status").stdout();
        assertTrue(status.contains("\narchive nas: nothing archived yet (no day was due); last pass ok at "
                + "2026-11-26T00:00:00Z\n"), status);
    }

    @Test
    void withoutADestinationDeleteAfterDeletesOldDaysAndVerifyStillHolds() throws Exception {
        Path data = store(dir);
        List<String> audited = new ArrayList<>();
        pass(data, new Settings.Housekeeping(true, Duration.ofMinutes(5), Duration.ofDays(30),
                Duration.ofDays(1), List.of()), audited::add, new ManualClock("2026-11-24T12:00:00Z"));
        assertEquals(new TreeSet<>(List.of("2026-11-23.log.gz", "2026-11-24.log", "MANIFEST")),
                names(data.resolve("hosts/web01")));
        assertTrue(Files.readString(data.resolve("hosts/web01/MANIFEST")).contains("\n# deleted 2026-11-22.log.gz chain="));
        assertTrue(audited.contains("deleted host=web01 file=2026-11-22.log.gz reason=retention.delete-after"),
                audited::toString);
        assertEquals("verify: note: hosts/db01: 1 file deleted by retention, not online (2026-11-22.log.gz)\n"
                + "verify: note: hosts/web01: 1 file deleted by retention, not online (2026-11-22.log.gz)\n"
                + "verify: OK: 2 hosts, 4 files, 200 records\n", Cli.run(data, "verify").stdout());
    }

    @Test
    void byDefaultNothingIsEverDeleted() throws Exception {
        Path data = store(dir);
        pass(data, new Settings.Housekeeping(true, Duration.ofMinutes(5), Duration.ofDays(30),
                Duration.ZERO, List.of()), m -> { }, new ManualClock("2030-01-01T00:00:00Z"));
        assertEquals(new TreeSet<>(List.of("2026-11-22.log.gz", "2026-11-23.log.gz", "2026-11-24.log", "MANIFEST")),
                names(data.resolve("hosts/web01")));
    }

    @Test
    void aDestinationThatIsNotThereKeepsTheOnlineCopyAndAuditsTheFailure() throws Exception {
        Path data = store(dir);
        List<String> audited = new ArrayList<>();
        pass(data, archiveTo(dir.resolve("not-mounted")), audited::add,
                new ManualClock("2026-11-26T00:00:00Z"));
        assertEquals(new TreeSet<>(List.of("2026-11-22.log.gz", "2026-11-23.log.gz", "2026-11-24.log", "MANIFEST")),
                names(data.resolve("hosts/web01")));
        String failed = "archive-failed dest=nas host=db01 reason=\"archive nas: directory " + dir.resolve("not-mounted")
                + " does not exist (not mounted?)\" (online copies kept; audited again only once it recovers and fails "
                + "anew)";
        assertEquals(List.of(failed), audited, "one audit record for the destination, not one per host");
        assertFalse(Files.readString(data.resolve("hosts/web01/MANIFEST")).contains("archived"));
        String status = Cli.run(data, "status").stdout();
        assertTrue(status.contains("\narchive nas: 0 files archived; FAILING since 2026-11-26T00:00:00Z (last pass "
                + "2026-11-26T00:00:00Z): host=db01 archive nas: directory " + dir.resolve("not-mounted")
                + " does not exist (not mounted?)\n"), status);
        assertEquals("verify: OK: 2 hosts, 6 files, 300 records\n", Cli.run(data, "verify").stdout());

        // Still failing at the next pass: not audited again; once it is mounted, archived and audited as recovered.
        pass(data, archiveTo(dir.resolve("not-mounted")), audited::add, new ManualClock("2026-11-26T00:05:00Z"));
        assertEquals(List.of(failed), audited);
        Files.createDirectory(dir.resolve("not-mounted"), java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                java.nio.file.attribute.PosixFilePermissions.fromString("rwx------")));
        pass(data, archiveTo(dir.resolve("not-mounted")), audited::add, new ManualClock("2026-11-26T00:10:00Z"));
        assertTrue(audited.contains("archive-recovered dest=nas"), audited::toString);
        assertTrue(Cli.run(data, "status").stdout().contains("\narchive nas: 4 files archived; last pass ok at "
                + "2026-11-26T00:10:00Z\n"));
    }

    @Test
    void anArchiveHoldingADifferentFileIsNeverOverwrittenAndTheOnlineCopyStays() throws Exception {
        Path data = store(dir);
        Path nas = Files.createDirectory(dir.resolve("nas"));
        Files.createDirectories(nas.resolve("hosts/web01"));
        Files.setPosixFilePermissions(nas.resolve("hosts"), java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
        Files.setPosixFilePermissions(nas.resolve("hosts/web01"), java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
        Files.writeString(nas.resolve("hosts/web01/2026-11-22.log.gz"), "something else");
        List<String> audited = new ArrayList<>();
        pass(data, archiveTo(nas), audited::add, new ManualClock("2026-11-24T12:00:00Z"));
        assertTrue(Files.exists(data.resolve("hosts/web01/2026-11-22.log.gz")));
        assertEquals("something else", Files.readString(nas.resolve("hosts/web01/2026-11-22.log.gz")));
        assertTrue(audited.stream().anyMatch(a -> a.startsWith("archive-failed dest=nas host=web01 reason=\"archive nas "
                + "already holds a different hosts/web01/2026-11-22.log.gz")), audited::toString);
    }

    @Test
    void removingAnArchivedEntryOrMarkFromTheManifestIsAFailure() throws Exception {
        Path data = store(dir);
        Path nas = Files.createDirectory(dir.resolve("nas"));
        pass(data, archiveTo(nas), m -> { }, new ManualClock("2026-11-24T12:00:00Z"));
        Path manifest = data.resolve("hosts/web01/MANIFEST");
        String text = Files.readString(manifest);
        // Dropping the mark: the file is then listed but missing.
        Files.writeString(manifest, text.replaceAll("# archived 2026-11-22\\.log\\.gz to=nas chain=[0-9a-f]+\n", ""));
        Run.Result v = Cli.run(data, "verify", "--host", "web01");
        assertEquals(1, v.exit(), v::toString);
        assertTrue(v.stdout().startsWith("verify: FAIL: hosts/web01/2026-11-22.log.gz: listed in MANIFEST but missing\n"),
                v::toString);
        // Claiming the archive went elsewhere: the chain digest no longer holds.
        Files.writeString(manifest, text.replace("to=nas", "to=nbs"));
        v = Cli.run(data, "verify", "--host", "web01");
        assertTrue(v.stdout().contains("verify: FAIL: hosts/web01/MANIFEST:6: manifest chain digest mismatch"),
                v::toString);
    }

    @ParameterizedTest
    @ValueSource(strings = {"archive-copied", "archive-marked", "archive-manifest-copied", "online-deleted"})
    void aServerKilledAtAnyArchiveStepLosesNothingAndFinishesAtItsNextStart(String step) throws Exception {
        Path data = store(dir);
        Map<String, String> before = contents(data, dir.resolve("none"));
        Path nas = Files.createDirectory(dir.resolve("nas"));
        Path clock = dir.resolve("clock");
        Files.writeString(clock, "2026-11-25T12:00:00Z\n"); // 22 and 23 are old enough; 24 closes, stays online
        Path config = Files.writeString(dir.resolve("loghost.conf"), "loghost {\n housekeeping.interval = 200ms\n"
                + " retention.online = 1d\n archive.destinations = [{ name = nas, directory = \"" + nas + "\" }]\n}\n");
        List<String> jvm = List.of("-Dloghost.test.clock-file=" + clock, "-Dloghost.test.halt-after=" + step);
        try (ServerProcess server = ServerProcess.start(data, dir.resolve("serve.err"), dir.resolve("known_hosts"),
                jvm, List.of("--config", config.toString()))) {
            assertTrue(server.process().waitFor(120, java.util.concurrent.TimeUnit.SECONDS), server.stderr());
            assertEquals(137, server.process().exitValue(), server.stderr());
        }
        assertEquals(before, contents(data, nas), "every day is online or archived, whole");
        Run.Result between = Cli.run(data, "verify");
        assertEquals(0, between.exit(), between::toString);
        for (Path p : List.of(nas.resolve("hosts/db01"), nas.resolve("hosts/web01"))) {
            TreeSet<String> left = names(p);
            assertTrue(left.stream().noneMatch(n -> n.endsWith(".tmp")), () -> p + ": " + left);
        }

        try (ServerProcess server = ServerProcess.start(data, dir.resolve("serve.err"), dir.resolve("known_hosts"),
                List.of("-Dloghost.test.clock-file=" + clock), List.of("--config", config.toString()))) {
            TreeSet<String> done = new TreeSet<>(List.of("2026-11-24.log.gz", "2026-11-25.log", "MANIFEST"));
            Await.until(() -> "both hosts compressed and archived; " + server.stderr(),
                    () -> names(data.resolve("hosts/web01")).equals(done) && names(data.resolve("hosts/db01")).equals(done));
        }
        assertEquals(before, contents(data, nas));
        Run.Result after = Cli.run(data, "verify");
        assertEquals(0, after.exit(), after::toString);
        assertTrue(after.stdout().contains("verify: note: hosts/web01: 2 files archived to nas, not online"), after::toString);
        assertEquals(new TreeSet<>(List.of("2026-11-22.log.gz", "2026-11-23.log.gz", "MANIFEST")),
                names(nas.resolve("hosts/web01")));
        assertEquals(Files.readString(data.resolve("hosts/web01/MANIFEST")),
                Files.readString(nas.resolve("hosts/web01/MANIFEST")));
    }
}
