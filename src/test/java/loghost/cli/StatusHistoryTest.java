package loghost.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import loghost.store.StepObserver;
import loghost.store.DigestAlgorithm;
import loghost.store.LineBatch;
import loghost.store.LogStore;
import loghost.store.RecordType;
import loghost.testing.Stores;
import loghost.testing.Cli;
import loghost.testing.KeyGen;
import loghost.testing.ManualClock;
import loghost.testing.Run;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code loghost status} over a host's history: a day closed and compressed at midnight keeps its last-seen (issue 21
 * item 1), and a forwarder that only sends heartbeats is told apart from logs that flow (item 3).
 */
class StatusHistoryTest {

    @TempDir
    Path dir;

    Path data;

    @BeforeEach
    void enroll() throws Exception {
        data = dir.resolve("data");
        Files.createDirectories(data);
        Files.setPosixFilePermissions(data, PosixFilePermissions.fromString("rwx------"));
        for (String host : List.of("db01", "web01")) {
            Path key = KeyGen.generate(dir, host, "ed25519");
            Run.Result r = Cli.run(data, "enroll", host, key + ".pub");
            assertEquals(0, r.exit(), r::toString);
        }
    }

    // Appends records of the given types for host at the given times, as the server would (one store per write).
    private void write(String host, RecordType type, String... times) throws Exception {
        ManualClock clock = new ManualClock(times[0]);
        try (LogStore store = Stores.open(data.resolve("hosts"), DigestAlgorithm.SHA256, clock)) {
            store.recoverAll();
            for (String t : times) {
                clock.set(t);
                LineBatch b = new LineBatch();
                byte[] text = (type == RecordType.MARK ? "heartbeat stream=s pending=0" : "hello at " + t)
                        .getBytes(StandardCharsets.US_ASCII);
                b.add(type, text, 0, text.length);
                store.host(host).append(b);
            }
        }
    }

    // What serve's first housekeeping pass after midnight does: close the day of every host, then compress it.
    private void closeAndCompress(String at) throws Exception {
        try (LogStore store = Stores.open(data.resolve("hosts"), DigestAlgorithm.SHA256,
                Clock.fixed(Instant.parse(at), ZoneOffset.UTC))) {
            store.recoverAll();
            assertFalse(store.closeFinishedDays().isEmpty(), "a day was closed");
        }
        Run.Result r = Cli.run(data, "compress");
        assertEquals(0, r.exit(), r::toString);
    }

    /** {@code loghost status --data DATA ARGS}, with the clock showing {@code now}. */
    private Run.Result status(String now, String... args) {
        List<String> a = new ArrayList<>(List.of("status", "--data", data.toString()));
        a.addAll(List.of(args));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(new Environment(Clock.fixed(Instant.parse(now), ZoneOffset.UTC), StepObserver.NONE),
                new PrintWriter(out), new PrintWriter(err), a.toArray(String[]::new));
        return new Run.Result(code, out.toString(), err.toString());
    }

    private static String row(Run.Result r, String host) {
        return r.stdout().lines().filter(l -> l.startsWith(host + "\t")).findFirst().orElseThrow(
                () -> new AssertionError("no row for " + host + ":\n" + r));
    }

    @Test
    void aHostQuietSinceYesterdayKeepsItsLastRecordAfterItsDayIsClosedAndCompressed() throws Exception {
        write("db01", RecordType.LOG, "2026-11-24T23:58:00.000Z");
        write("web01", RecordType.LOG, "2026-11-24T23:59:00.000Z");
        closeAndCompress("2026-11-25T00:05:00Z");
        assertTrue(Files.exists(data.resolve("hosts/db01/2026-11-24.log.gz")));
        assertTrue(Files.exists(data.resolve("hosts/db01/2026-11-25.log")), "today's file: a header only");

        // Before the fix: "db01 - - 1 ... NEVER-SEEN", exit 1; the state changed at midnight.
        Run.Result quiet = status("2026-11-25T00:07:00Z", "--silent-after", "1h");
        assertEquals(0, quiet.exit(), quiet::toString);
        assertTrue(row(quiet, "db01").matches("db01\t2026-11-24T23:58:00Z\t-\t1\t\\d+\t[0-9a-f]{16}\t"
                + "2026-11-24T23:58:00Z\tok"), quiet::toString);
        assertTrue(quiet.stdout().startsWith("status: 2 hosts: 2 ok, 0 silent, 0 never seen, 0 revoked\n"),
                quiet::toString);

        Run.Result json = status("2026-11-25T00:07:00Z", "--json");
        assertTrue(json.stdout().contains("{\"name\":\"db01\",\"state\":\"ok\",\"records\":1,"), json::toString);
        assertTrue(json.stdout().contains("\"last-record\":\"2026-11-24T23:58:00Z\""), json::toString);

        // Silent for real an hour later: CRITICAL (it was WARNING, "never seen", before the fix).
        Run.Result nagios = status("2026-11-25T01:00:00Z", "--nagios");
        assertEquals(2, nagios.exit(), nagios::toString);
        assertEquals("LOGHOST CRITICAL - 2 hosts: 0 ok, 2 silent, 0 never seen, 0 revoked | hosts=2 ok=0 silent=2 "
                + "never_seen=0 revoked=0\n", nagios.stdout());
    }

    @Test
    void heartbeatsKeepTheForwarderAliveButNotTheLogsFlowing() throws Exception {
        // db01's last line came yesterday at 22:00; its forwarder went on beating past midnight (a FIFO nobody
        // fills). web01's lines flow.
        write("db01", RecordType.LOG, "2026-11-24T22:00:00.000Z");
        write("db01", RecordType.MARK, "2026-11-24T23:00:00.000Z");
        write("web01", RecordType.LOG, "2026-11-24T23:00:00.000Z");
        closeAndCompress("2026-11-25T00:05:00Z");
        write("db01", RecordType.MARK, "2026-11-25T00:10:00.000Z", "2026-11-25T00:30:00.000Z");
        write("web01", RecordType.LOG, "2026-11-25T00:29:00.000Z");
        String now = "2026-11-25T00:31:00Z";

        Run.Result plain = status(now);
        assertEquals(0, plain.exit(), plain::toString);
        assertTrue(row(plain, "db01").matches("db01\t2026-11-25T00:30:00Z\t2026-11-25T00:30:00Z\t\\d+\t\\d+\t"
                + "[0-9a-f]{16}\t2026-11-24T22:00:00Z\tok"), plain::toString);

        Run.Result checked = status(now, "--max-silence", "1h");
        assertEquals(1, checked.exit(), checked::toString);
        assertTrue(checked.stdout().startsWith("status: 2 hosts: 1 ok, 0 silent, 0 never seen, 0 revoked, "
                + "1 without log lines\n"), checked::toString);
        assertTrue(row(checked, "db01").endsWith("\t2026-11-24T22:00:00Z\tNO-LOGS"), checked::toString);
        assertTrue(row(checked, "web01").endsWith("\t2026-11-25T00:29:00Z\tok"), checked::toString);

        Run.Result nagios = status(now, "--nagios", "--max-silence", "1h");
        assertEquals(2, nagios.exit(), nagios::toString);
        assertEquals("LOGHOST CRITICAL - 2 hosts: 1 ok, 0 silent, 0 never seen, 0 revoked, 1 without log lines | "
                + "hosts=2 ok=1 silent=0 never_seen=0 revoked=0 no_logs=1\n", nagios.stdout());

        Run.Result json = status(now, "--json", "--max-silence", "1h");
        assertTrue(json.stdout().startsWith("{\"hosts\":2,\"ok\":1,\"silent\":0,\"never-seen\":0,\"revoked\":0,"
                + "\"no-logs\":1,\"host\":[{\"name\":\"db01\",\"state\":\"NO-LOGS\","), json::toString);
        assertTrue(json.stdout().contains("\"last-record\":\"2026-11-25T00:30:00Z\",\"last-heartbeat\":"
                + "\"2026-11-25T00:30:00Z\",\"head\":\""), json::toString);
        assertTrue(json.stdout().contains("\",\"last-log\":\"2026-11-24T22:00:00Z\"}"), json::toString);

        // A host that logs rarely gets a longer limit of its own.
        Run.Result perHost = status(now, "--nagios", "--max-silence", "1h", "--max-silence", "db*=3h");
        assertEquals(0, perHost.exit(), perHost::toString);
        assertTrue(perHost.stdout().startsWith("LOGHOST OK - 2 hosts: 2 ok, "), perHost::toString);
        Run.Result tooLong = status("2026-11-25T01:01:00Z", "--nagios", "--silent-after", "1h",
                "--max-silence", "1h", "--max-silence", "db*=3h");
        assertEquals(2, tooLong.exit(), tooLong::toString);
        assertTrue(tooLong.stdout().contains(" no_logs=1\n"), tooLong::toString);

        Run.Result bad = status(now, "--max-silence", "DB/*=1h");
        assertEquals(1, bad.exit(), bad::toString);
        assertTrue(bad.stderr().contains("--max-silence: not a host glob: DB/*"), bad::toString);
    }

    @Test
    void aLogLineBeyondTheDaysReadIsShownAsABound() throws Exception {
        // Lines five days ago, heartbeats every day since: status reads back only as far as a limit reaches.
        write("db01", RecordType.LOG, "2026-11-20T10:00:00.000Z");
        for (String day : List.of("2026-11-21", "2026-11-22", "2026-11-23", "2026-11-24")) {
            write("db01", RecordType.MARK, day + "T12:00:00.000Z");
        }
        write("web01", RecordType.LOG, "2026-11-24T12:00:00.000Z");
        closeAndCompress("2026-11-25T00:05:00Z");
        write("db01", RecordType.MARK, "2026-11-25T00:06:00.000Z");
        Run.Result r = status("2026-11-25T00:07:00Z", "--max-silence", "2h", "--json");
        assertEquals(1, r.exit(), r::toString);
        assertTrue(r.stdout().contains("\"last-log\":null,\"last-log-before\":\"2026-11-24T00:00:00Z\""),
                r::toString);
        Run.Result table = status("2026-11-25T00:07:00Z", "--max-silence", "2h");
        assertTrue(row(table, "db01").endsWith("\t<2026-11-24T00:00:00Z\tNO-LOGS"), table::toString);
    }

    @Test
    void aHostWhoseDaysWereAllArchivedIsSilentNotNeverSeen() throws Exception {
        write("db01", RecordType.LOG, "2026-11-22T10:00:00.000Z");
        Path nas = Files.createDirectory(dir.resolve("nas"));
        ManualClock clock = new ManualClock("2026-11-24T12:00:00Z");
        try (LogStore store = Stores.open(data.resolve("hosts"), DigestAlgorithm.SHA256, clock)) {
            store.recoverAll();
            // serve's pass: close the day, compress it, archive it (retention.online = 1d), delete it online
            new loghost.housekeeping.Housekeeper(data, store, new loghost.config.Settings.Housekeeping(true,
                    java.time.Duration.ofMinutes(5), java.time.Duration.ofDays(1), java.time.Duration.ZERO,
                    List.of(new loghost.config.Settings.ArchiveDestination("nas", nas))), m -> { }, clock,
                    StepObserver.NONE).runOnce();
        }
        assertTrue(Files.exists(nas.resolve("hosts/db01/2026-11-22.log.gz")));
        assertFalse(Files.exists(data.resolve("hosts/db01/2026-11-22.log.gz")));

        // Before the fix: NEVER-SEEN, a WARNING; its last records are known to be of 2026-11-22, so it is silent.
        Run.Result r = status("2026-11-24T12:05:00Z");
        assertTrue(row(r, "db01").matches("db01\t<2026-11-23T00:00:00Z\t-\t1\t\\d+\t[0-9a-f]{16}\t"
                + "<2026-11-23T00:00:00Z\tSILENT"), r::toString);
        Run.Result json = status("2026-11-24T12:05:00Z", "--json");
        assertTrue(json.stdout().contains("\"last-record\":null,\"last-heartbeat\":null,\"head\":\""), json::toString);
        assertTrue(json.stdout().contains("\"last-log\":null,\"last-record-before\":\"2026-11-23T00:00:00Z\","
                + "\"last-log-before\":\"2026-11-23T00:00:00Z\"}"), json::toString);
        Run.Result nagios = status("2026-11-24T12:05:00Z", "--nagios");
        assertEquals(2, nagios.exit(), nagios::toString);
    }
}
