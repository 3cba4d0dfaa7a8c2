package loghost.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import loghost.seal.SealBlock;
import loghost.seal.Sealer;
import loghost.store.DigestAlgorithm;
import loghost.store.LineBatch;
import loghost.store.LogStore;
import loghost.store.RecordType;
import loghost.testing.Cli;
import loghost.testing.KeyGen;
import loghost.testing.ManualClock;
import loghost.testing.Run;
import loghost.testing.Stores;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code loghost status}: every enrolled host and every host with logs, in a state a monitor can act on. */
class StatusCommandTest {

    @TempDir
    Path dir;

    Path data;

    @BeforeEach
    void store() throws Exception {
        data = dir.resolve("data");
        Files.createDirectories(data);
        Files.setPosixFilePermissions(data, PosixFilePermissions.fromString("rwx------"));
        for (String host : List.of("web01", "web02", "web03")) {
            Path key = KeyGen.generate(dir, host, "ed25519");
            Run.Result r = Cli.run(data, "enroll", host, key + ".pub");
            assertEquals(0, r.exit(), r::toString);
        }
        log("web01", Clock.systemUTC());
        log("web03", Clock.fixed(Instant.parse("2026-01-02T03:04:05Z"), ZoneOffset.UTC));
        log("old01", Clock.fixed(Instant.parse("2026-01-02T03:04:05Z"), ZoneOffset.UTC));
    }

    private void log(String host, Clock clock) throws Exception {
        LogStore store = Stores.open(data.resolve("hosts"), DigestAlgorithm.SHA256, clock);
        LineBatch b = new LineBatch();
        byte[] line = "hello".getBytes(StandardCharsets.US_ASCII);
        b.add(RecordType.LOG, line, 0, line.length);
        store.host(host).append(b);
        store.close();
    }

    @Test
    void tableStartsWithASummaryAndListsNeverSeenAndRevokedHosts() {
        Run.Result r = Cli.run(data, "status");
        assertEquals(1, r.exit(), r::toString);
        List<String> lines = r.stdout().lines().toList();
        assertEquals("status: 4 hosts: 1 ok, 1 silent, 1 never seen, 1 revoked", lines.get(0));
        assertTrue(lines.get(2).startsWith("old01\t2026-01-02T03:04:05Z\t-\t1\t"), lines.get(2));
        assertTrue(lines.get(2).endsWith("\trevoked"), lines.get(2));
        assertTrue(lines.get(3).startsWith("web01\t") && lines.get(3).endsWith("\tok"), lines.get(3));
        assertEquals("web02\t-\t-\t0\t0\t-\t-\tNEVER-SEEN", lines.get(4));
        assertTrue(lines.get(5).startsWith("web03\t") && lines.get(5).endsWith("\tSILENT"), lines.get(5));
    }

    @Test
    void nagiosModeIsOneLineWithPerfdataAndPluginExitCodes() throws Exception {
        Run.Result r = Cli.run(data, "status", "--nagios");
        assertEquals(2, r.exit(), r::toString);
        assertEquals("LOGHOST CRITICAL - 4 hosts: 1 ok, 1 silent, 1 never seen, 1 revoked | hosts=4 ok=1 silent=1 "
                + "never_seen=1 revoked=1\n", r.stdout());

        Run.Result revoke = Cli.run(data, "revoke", "web03");
        assertEquals(0, revoke.exit(), revoke::toString);
        r = Cli.run(data, "status", "--nagios");
        assertEquals(1, r.exit(), r::toString);
        assertTrue(r.stdout().startsWith("LOGHOST WARNING - 4 hosts: 1 ok, 0 silent, 1 never seen, 2 revoked |"),
                r::toString);

        Files.writeString(data.resolve("enrolled_keys"), "garbage\n");
        r = Cli.run(data, "status", "--nagios");
        assertEquals(3, r.exit(), r::toString);
        assertTrue(r.stdout().startsWith("LOGHOST UNKNOWN - "), r::toString);
    }

    @Test
    void jsonModeHasTheSummaryAndEveryHost() {
        Run.Result r = Cli.run(data, "status", "--json");
        assertEquals(1, r.exit(), r::toString);
        String json = r.stdout().strip();
        assertTrue(json.startsWith("{\"hosts\":4,\"ok\":1,\"silent\":1,\"never-seen\":1,\"revoked\":1,\"host\":["
                + "{\"name\":\"old01\",\"state\":\"revoked\",\"records\":1,"), json);
        assertTrue(json.contains("{\"name\":\"web02\",\"state\":\"NEVER-SEEN\",\"records\":0,\"bytes\":0,"
                + "\"last-record\":null,\"last-heartbeat\":null,\"head\":null,\"last-log\":null}"), json);
        assertTrue(json.endsWith("]}"), json);
    }

    @Test
    void aMissingOrUnreadableDataDirectoryOrConfigIsUnknownNeverOk() throws Exception {
        // Issue 21 item 2: "status --nagios --data /nonexistent" said "LOGHOST OK - 0 hosts", exit 0.
        Path missing = dir.resolve("nonexistent");
        Run.Result nagios = Cli.run(missing, "status", "--nagios");
        assertEquals(3, nagios.exit(), nagios::toString);
        assertEquals("LOGHOST UNKNOWN - data directory " + missing + " does not exist (no config file: give --data or"
                + " --config)\n", nagios.stdout());
        Run.Result table = Cli.run(missing, "status");
        assertEquals(1, table.exit(), table::toString);
        assertEquals("loghost: error: data directory " + missing + " does not exist (no config file: give --data or"
                + " --config)\n", table.stderr());
        Run.Result keys = Cli.run(missing, "keys");
        assertEquals(1, keys.exit(), keys::toString);
        assertEquals("", keys.stdout(), "no header for keys that are not there");
        assertTrue(keys.stderr().startsWith("loghost: error: data directory " + missing + " does not exist"),
                keys::toString);
        Path unreadable = Files.writeString(dir.resolve("loghost.conf"), "loghost.data-dir = \"" + data + "\"\n");
        Files.setPosixFilePermissions(unreadable, PosixFilePermissions.fromString("---------"));
        org.junit.jupiter.api.Assumptions.assumeFalse(Files.isReadable(unreadable), "root reads a mode-0000 file");
        Run.Result config = Cli.main("status", "--nagios", "--config", unreadable.toString());
        assertEquals(3, config.exit(), config::toString);
        assertTrue(config.stdout().startsWith("LOGHOST UNKNOWN - "), config::toString);
    }

    @Test
    void theUnprovenNewestEpochIsShownAndANagiosCheckWarnsWhenItIsOld() throws Exception {
        Path sealed = dir.resolve("sealed");
        Files.createDirectories(sealed);
        Files.setPosixFilePermissions(sealed, PosixFilePermissions.fromString("rwx------"));
        Path key = KeyGen.generate(dir, "app01", "ed25519");
        assertEquals(0, Cli.run(sealed, "enroll", "app01", key + ".pub").exit());
        long now = System.currentTimeMillis();
        // A server that sealed epoch 1 an hour ago and none since (stopped, or its newest checkpoints cut), while
        // app01 is still heard from.
        ManualClock clock = new ManualClock(Instant.ofEpochMilli(now - 3_600_000).toString());
        Sealer.init(sealed, clock);
        String since;
        try (LogStore store = Stores.open(sealed.resolve("hosts"), DigestAlgorithm.SHA256, clock)) {
            store.recoverAll();
            Sealer sealer = Sealer.open(sealed, store, clock);
            append(store, "app01");
            clock.millis += 60_000;
            since = SealBlock.time(clock.millis);
            sealer.closeEpoch();
            clock.millis = now;
            append(store, "app01");
        }
        Run.Result table = Cli.run(sealed, "status");
        assertEquals(0, table.exit(), table::toString);
        assertTrue(table.stdout().contains("\nseal: unproven since " + since + " (after checkpoint 1; 1 host wrote"
                + " since): STALE (no checkpoint for more than two epochs plus 5 minutes)\n"), table::toString);
        Run.Result nagios = Cli.run(sealed, "status", "--nagios");
        assertEquals(1, nagios.exit(), nagios::toString);
        assertTrue(nagios.stdout().startsWith("LOGHOST WARNING - 1 host: 1 ok, 0 silent, 0 never seen, 0 revoked;"
                + " seal unproven since " + since + " (STALE) | hosts=1 ok=1 silent=0 never_seen=0 revoked=0"
                + " unproven_seconds="), nagios::toString);
        Run.Result json = Cli.run(sealed, "status", "--json");
        assertTrue(json.stdout().contains(",\"unproven-since\":\"" + since + "\"}"), json::toString);
        assertTrue(json.stdout().endsWith("],\"seal\":{\"unproven-since\":\"" + since + "\",\"after-epoch\":1,"
                + "\"state\":\"STALE\"}}\n"), json::toString);
        // The same stale chain with sealing switched off since: nothing is due, nothing to warn about.
        Path off = dir.resolve("seal-off.conf");
        Files.writeString(off, "loghost.seal.enabled = false\n");
        Run.Result disabled = Cli.run(sealed, "status", "--nagios", "--config", off.toString());
        assertEquals(0, disabled.exit(), disabled::toString);
        assertTrue(disabled.stdout().startsWith("LOGHOST OK - "), disabled::toString);

        // Sealing again (the server back) makes it current.
        try (LogStore store = Stores.open(sealed.resolve("hosts"), DigestAlgorithm.SHA256, clock)) {
            store.recoverAll();
            clock.millis = System.currentTimeMillis();
            String end = SealBlock.time(clock.millis);
            Sealer.open(sealed, store, clock).closeEpoch();
            Run.Result fresh = Cli.run(sealed, "status", "--nagios");
            assertEquals(0, fresh.exit(), fresh::toString);
            assertTrue(fresh.stdout().startsWith("LOGHOST OK - 1 host: 1 ok, 0 silent, 0 never seen, 0 revoked;"
                    + " seal unproven since " + end + " | "), fresh::toString);
        }

        // Found by review: sealing switched off later must not warn for ever; a checkpoint that ends in the future (a
        // clock that jumped ahead) must not read as fresh.
        clock.millis = System.currentTimeMillis() + 3_600_000L;
        try (LogStore store = Stores.open(sealed.resolve("hosts"), DigestAlgorithm.SHA256, clock)) {
            store.recoverAll();
            String ahead = SealBlock.time(clock.millis);
            Sealer.open(sealed, store, clock).closeEpoch();
            Run.Result future = Cli.run(sealed, "status", "--nagios");
            assertEquals(1, future.exit(), future::toString);
            assertTrue(future.stdout().startsWith("LOGHOST WARNING - 1 host: 1 ok, 0 silent, 0 never seen, 0 revoked;"
                    + " seal unproven since " + ahead + " (FUTURE) | "), future::toString);
            Run.Result offAhead = Cli.run(sealed, "status", "--config", off.toString());
            assertTrue(offAhead.stdout().contains("): off (loghost.seal.enabled = false: no checkpoint is due)\n"),
                    offAhead::toString);
        }
    }

    private static void append(LogStore store, String host) throws Exception {
        LineBatch b = new LineBatch();
        byte[] line = "hello".getBytes(StandardCharsets.US_ASCII);
        b.add(RecordType.LOG, line, 0, line.length);
        store.host(host).append(b);
    }
}
