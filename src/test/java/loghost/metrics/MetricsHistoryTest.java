package loghost.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import loghost.config.Settings;
import loghost.config.SettingsLoader;
import loghost.protocol.Frames;
import loghost.serve.Serve;
import loghost.store.DigestAlgorithm;
import loghost.store.LineBatch;
import loghost.store.LogStore;
import loghost.store.RecordType;
import loghost.testing.Stores;
import loghost.testing.AckClient;
import loghost.testing.Cli;
import loghost.testing.KeyGen;
import loghost.testing.ManualClock;
import loghost.testing.Run;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The metrics of hosts that have not sent anything since the server started (issue 21 item 4), and the time of a
 * host's last log line beside that of its last record and heartbeat (item 3), scraped over real HTTP.
 */
class MetricsHistoryTest {

    private static final Duration WAIT = Duration.ofSeconds(120);

    @TempDir
    Path dir;

    private Path data;
    private final Map<String, Path> keys = new java.util.TreeMap<>();
    private Serve server;

    @BeforeEach
    void enroll() throws Exception {
        data = dir.resolve("data");
        Files.createDirectories(data);
        Files.setPosixFilePermissions(data, PosixFilePermissions.fromString("rwx------"));
        for (String host : java.util.List.of("db01", "web02", "app03")) {
            Path key = KeyGen.generate(dir, host, "ed25519");
            Run.Result r = Cli.run(data, "enroll", host, KeyGen.pub(key).toString());
            assertEquals(0, r.exit(), r::toString);
            keys.put(host, key);
        }
    }

    @AfterEach
    void stop() throws Exception {
        if (server != null) {
            server.close();
        }
    }

    private void start() throws Exception {
        Path config = dir.resolve("loghost.conf");
        Files.writeString(config, "loghost.metrics.listen = \"127.0.0.1:0\"\n");
        Settings s = SettingsLoader.load(config).withDataDir(data)
                .withListen(SettingsLoader.parseListen("127.0.0.1:0"));
        server = Serve.start(s);
    }

    private String scrape() throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create(server.metricsUrl().orElseThrow())).timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r::body);
        return r.body();
    }

    private static Double value(String body, String series) {
        for (String line : body.split("\n")) {
            if (line.startsWith(series + " ")) {
                return Double.parseDouble(line.substring(series.length() + 1).trim());
            }
        }
        return null;
    }

    private static double seconds(String instant) {
        return Instant.parse(instant).toEpochMilli() / 1000.0;
    }

    private void write(String host, RecordType type, String at) throws Exception {
        try (LogStore store = Stores.open(data.resolve("hosts"), DigestAlgorithm.SHA256, new ManualClock(at))) {
            store.recoverAll();
            LineBatch b = new LineBatch();
            byte[] text = (type == RecordType.MARK ? "heartbeat stream=s pending=0" : "a line")
                    .getBytes(StandardCharsets.US_ASCII);
            b.add(type, text, 0, text.length);
            store.host(host).append(b);
        }
    }

    @Test
    void aRestartExportsEveryEnrolledHostWithItsStoredLastSeen() throws Exception {
        // db01 went quiet yesterday before midnight; its day was closed and compressed; then loghost restarted.
        write("db01", RecordType.LOG, "2026-11-24T23:50:00.000Z");
        write("db01", RecordType.MARK, "2026-11-24T23:58:00.000Z");
        try (LogStore store = Stores.open(data.resolve("hosts"), DigestAlgorithm.SHA256,
                Clock.fixed(Instant.parse("2026-11-25T00:05:00Z"), ZoneOffset.UTC))) {
            store.recoverAll();
            assertEquals(java.util.List.of("db01"), store.closeFinishedDays());
        }
        Run.Result compress = Cli.run(data, "compress");
        assertEquals(0, compress.exit(), compress::toString);
        assertFalse(Files.exists(data.resolve("hosts/db01/2026-11-24.log")));

        start();
        String body = scrape();
        // Before the fix none of these series existed: only hosts that sent something since the start were there.
        assertEquals(seconds("2026-11-24T23:58:00Z"),
                value(body, "loghost_last_record_timestamp_seconds{host=\"db01\"}"), body);
        assertEquals(seconds("2026-11-24T23:58:00Z"),
                value(body, "loghost_last_heartbeat_timestamp_seconds{host=\"db01\"}"), body);
        assertEquals(seconds("2026-11-24T23:50:00Z"), value(body, "loghost_last_log_timestamp_seconds{host=\"db01\"}"),
                body);
        assertEquals(0.0, value(body, "loghost_records_stored_total{host=\"db01\"}"), body);
        // Enrolled and never heard from: there, at 0, so "time() - ... > 600" fires for it too.
        assertEquals(0.0, value(body, "loghost_last_record_timestamp_seconds{host=\"web02\"}"), body);
        assertEquals(0.0, value(body, "loghost_last_log_timestamp_seconds{host=\"web02\"}"), body);
        assertEquals(0.0, value(body, "loghost_open_sessions{host=\"web02\"}"), body);
    }

    @Test
    void heartbeatsMoveTheLastRecordButNotTheLastLogLine() throws Exception {
        start();
        long before = System.currentTimeMillis() / 1000;
        AckClient c = AckClient.open(data, server.address().getPort(), keys.get("app03"));
        assertEquals(0, c.hello("syslog"));
        c.frame(Frames.MARK, 1, "heartbeat stream=syslog pending=0");
        c.flush();
        assertNotNull(c.finish(WAIT));
        String body = scrape();
        assertTrue(value(body, "loghost_last_record_timestamp_seconds{host=\"app03\"}") >= before, body);
        assertTrue(value(body, "loghost_last_heartbeat_timestamp_seconds{host=\"app03\"}") >= before, body);
        assertEquals(0.0, value(body, "loghost_last_log_timestamp_seconds{host=\"app03\"}"), body);

        AckClient lines = AckClient.open(data, server.address().getPort(), keys.get("app03"));
        assertEquals(1, lines.hello("syslog"));
        lines.frame(Frames.LINE, 2, "a line at last");
        lines.flush();
        assertNotNull(lines.finish(WAIT));
        body = scrape();
        assertTrue(value(body, "loghost_last_log_timestamp_seconds{host=\"app03\"}") >= before, body);
    }
}
