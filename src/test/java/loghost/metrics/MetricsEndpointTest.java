package loghost.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.DoublePredicate;
import loghost.config.Settings;
import loghost.config.SettingsLoader;
import loghost.protocol.Frames;
import loghost.ssh.HostKey;
import loghost.serve.Serve;
import loghost.testing.Await;
import loghost.testing.ServerProcess;
import loghost.testing.AckClient;
import loghost.testing.Cli;
import loghost.testing.HostRecords;
import loghost.testing.KeyGen;
import loghost.testing.Run;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code serve}'s Prometheus endpoint, scraped over real HTTP while the real ssh client writes. */
class MetricsEndpointTest {

    private static final Duration WAIT = Await.WAIT;

    @TempDir
    Path dir;

    private Serve server;
    private Path knownHosts;
    private final List<Process> processes = new ArrayList<>();
    private final HttpClient http = HttpClient.newHttpClient();

    @AfterEach
    void stopEverything() throws Exception {
        for (Process p : processes) {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        }
        if (server != null) {
            server.close();
        }
    }

    // A server in this JVM on 127.0.0.1:0, metrics set through the config key, with one enrolled host.
    private Path startWithHost(String host) throws Exception {
        Path config = dir.resolve("loghost.conf");
        Files.writeString(config, "loghost.metrics.listen = \"127.0.0.1:0\"\n");
        Path data = dir.resolve("data");
        Settings s = SettingsLoader.load(config).withDataDir(data)
                .withListen(SettingsLoader.parseListen("127.0.0.1:0"));
        server = Serve.start(s);
        knownHosts = dir.resolve("known_hosts");
        Files.writeString(knownHosts, "[127.0.0.1]:" + server.address().getPort() + " "
                + Files.readString(data.resolve(HostKey.FILE + ".pub")).strip() + "\n");
        Path key = KeyGen.generate(dir, host, "ed25519");
        Run.Result r = Cli.run(data, "enroll", host, KeyGen.pub(key).toString());
        assertEquals(0, r.exit(), r::toString);
        return key;
    }

    private List<String> ssh(Path key, String... args) {
        List<String> cmd = new ArrayList<>(List.of("ssh", "-F", "/dev/null", "-o", "UserKnownHostsFile=" + knownHosts,
                "-o", "StrictHostKeyChecking=yes", "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes",
                "-o", "IdentityAgent=none", "-o", "LogLevel=ERROR", "-i", key.toString(),
                "-p", String.valueOf(server.address().getPort()), "-T", "log@127.0.0.1"));
        cmd.addAll(List.of(args));
        return cmd;
    }

    private String scrape() throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(server.metricsUrl().orElseThrow()))
                .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r::body);
        return r.body();
    }

    /** The value of one series ({@code name{labels}} exactly as exposed), or null when it is absent. */
    private static Double value(String body, String series) {
        for (String line : body.split("\n")) {
            if (line.startsWith(series + " ")) {
                return Double.parseDouble(line.substring(series.length() + 1).trim());
            }
        }
        return null;
    }

    private String awaitValue(String series, DoublePredicate wanted) throws Exception {
        return Await.until(() -> series + " at the expected value", this::scrape, body -> {
            Double v = value(body, series);
            return v != null && wanted.test(v);
        });
    }

    @Test
    void countsExactlyTheRecordsAndBytesAHostSentAndItsFsyncs() throws Exception {
        Path key = startWithHost("web01");
        Path lines = dir.resolve("lines.txt");
        Files.writeString(lines, "first line\nsecond\nthird and last\n"); // 3 lines, 33 bytes
        long before = System.currentTimeMillis() / 1000;
        Run.Result r = Run.run(ssh(key, "append-log"), lines, java.util.Map.of(), 120);
        assertEquals(0, r.exit(), r::toString);

        String body = scrape();
        assertEquals(3.0, value(body, "loghost_records_stored_total{host=\"web01\"}"), body);
        assertEquals(33.0, value(body, "loghost_received_bytes_total{host=\"web01\"}"), body);
        double last = value(body, "loghost_last_record_timestamp_seconds{host=\"web01\"}");
        assertTrue(last >= before && last <= System.currentTimeMillis() / 1000.0 + 1, body);
        // The session's final sync, at least, was timed.
        assertTrue(value(body, "loghost_fsync_duration_seconds_count{trigger=\"session\"}") >= 1, body);
        // Disk use covers at least the host's day file (and the audit trail beside it).
        long dayFile = Files.size(HostRecords.files(dir.resolve("data"), "web01").get(0));
        assertTrue(value(body, "loghost_store_disk_usage_bytes") >= dayFile, body);
        assertTrue(body.contains("# HELP loghost_records_stored_total "), body);
        assertTrue(body.contains("# TYPE loghost_fsync_duration_seconds histogram"), body);
    }

    @Test
    void clientsTricklingTheirRequestsNeitherStarveAScrapeNorStayOpen() throws Exception {
        startWithHost("web01");
        URI url = URI.create(server.metricsUrl().orElseThrow());
        List<java.net.Socket> tricklers = new ArrayList<>();
        java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
        Thread trickle = new Thread(() -> {
            // One header byte a second on each connection, as long as the server keeps it open.
            while (!stop.get()) {
                for (java.net.Socket s : tricklers) {
                    try {
                        s.getOutputStream().write('X');
                        s.getOutputStream().flush();
                    } catch (IOException closedByTheServer) {
                        // what the test waits for below
                    }
                }
                try {
                    Thread.sleep(1000);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        try {
            for (int i = 0; i < 32; i++) {
                java.net.Socket s = new java.net.Socket(url.getHost(), url.getPort());
                s.getOutputStream().write("GET /metrics HTTP/1.1\r\nHost: x\r\nX-Slow: ".getBytes(
                        StandardCharsets.US_ASCII));
                tricklers.add(s);
            }
            trickle.start();
            long start = System.nanoTime();
            String body = scrape(); // fails after 30 s
            assertTrue(body.contains("loghost_store_disk_usage_bytes"), body);
            // The request time is the subject: a bound, scaled like every wait.
            assertTrue(System.nanoTime() - start < Await.scaled(MetricsEndpoint.REQUEST_TIME).toNanos(),
                    "a scrape waited for slow clients");
            // Each trickler is closed by the server once its request time is up (or sooner, to make room).
            for (java.net.Socket s : tricklers) {
                s.setSoTimeout((int) WAIT.toMillis());
                try {
                    assertEquals(-1, s.getInputStream().read(), "the server answered a request never finished");
                } catch (java.net.SocketException reset) {
                    // closed, and our next byte reset it: closed all the same
                }
            }
        } finally {
            stop.set(true);
            trickle.interrupt();
            for (java.net.Socket s : tricklers) {
                s.close();
            }
        }
        assertTrue(scrape().contains("loghost_store_disk_usage_bytes"));
    }

    @Test
    void aShellRequestIsCountedUnderItsReasonCode() throws Exception {
        Path key = startWithHost("web01");
        Run.Result r = Run.run(ssh(key), null, java.util.Map.of(), 120);
        assertEquals(77, r.exit(), r::toString);
        String body = scrape();
        assertEquals(1.0, value(body, "loghost_refusals_total{reason=\"shell-refused\"}"), body);
        assertEquals(null, value(body, "loghost_records_stored_total{host=\"web01\"}"), body);
    }

    @Test
    void openSessionsGaugeRisesWhileASessionIsOpenAndFallsAfter() throws Exception {
        Path key = startWithHost("web01");
        Process ssh = new ProcessBuilder(ssh(key, "append-log")).redirectError(dir.resolve("ssh.err").toFile())
                .start();
        processes.add(ssh);
        OutputStream in = ssh.getOutputStream();
        in.write("still here\n".getBytes(StandardCharsets.US_ASCII));
        in.flush();
        awaitValue("loghost_open_sessions{host=\"web01\"}", v -> v == 1.0);
        in.close();
        assertTrue(ssh.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, ssh.exitValue());
        String body = awaitValue("loghost_open_sessions{host=\"web01\"}", v -> v == 0.0);
        assertEquals(1.0, value(body, "loghost_records_stored_total{host=\"web01\"}"), body);
    }

    @Test
    void aForwarderHeartbeatSetsTheLastHeartbeatTime() throws Exception {
        Path key = startWithHost("web01");
        long before = System.currentTimeMillis() / 1000;
        AckClient c = AckClient.open(dir.resolve("data"), server.address().getPort(), key);
        assertEquals(0, c.hello("syslog"));
        c.frame(Frames.LINE, 1, "a line");
        c.frame(Frames.MARK, 2, "heartbeat stream=syslog pending=0");
        c.flush();
        AckClient.Result end = c.finish(WAIT);
        assertNotNull(end);
        String body = scrape();
        assertEquals(2.0, value(body, "loghost_records_stored_total{host=\"web01\"}"), body);
        // Whole frames: 5 header bytes, 8 of cseq, then the text.
        assertEquals(2 * 13.0 + "a line".length() + "heartbeat stream=syslog pending=0".length(),
                value(body, "loghost_received_bytes_total{host=\"web01\"}"), body);
        assertTrue(value(body, "loghost_last_heartbeat_timestamp_seconds{host=\"web01\"}") >= before, body);
    }

    // serve as an operator runs it; returns the process once it printed its "metrics ..." line.
    private Process serve(BlockingQueue<String> stdout, Path stderr, String... extra) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("java", "-cp", System.getProperty("java.class.path"),
                "loghost.cli.Main", "serve", "--data", dir.resolve("data").toString(), "--listen", "127.0.0.1:0"));
        cmd.addAll(List.of(extra));
        Process p = new ProcessBuilder(cmd).redirectError(stderr.toFile()).start();
        processes.add(p);
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(),
                    StandardCharsets.UTF_8))) {
                for (String l; (l = r.readLine()) != null; ) {
                    stdout.add(l);
                }
            } catch (IOException e) {
                stdout.add("stdout read failed: " + e);
            }
        });
        reader.setDaemon(true);
        reader.start();
        return p;
    }

    private static String awaitLine(BlockingQueue<String> lines, String prefix, Path stderr) throws Exception {
        return Await.until(() -> "a line starting " + prefix + "; stderr: " + ServerProcess.read(stderr), () -> {
            String l = lines.poll(100, TimeUnit.MILLISECONDS);
            return l != null && l.startsWith(prefix) ? l : null;
        }, java.util.Objects::nonNull);
    }

    @Test
    void metricsAreOffByDefault() throws Exception {
        BlockingQueue<String> out = new LinkedBlockingQueue<>();
        Path err = dir.resolve("serve.err");
        serve(out, err);
        assertEquals("metrics off", awaitLine(out, "metrics", err));
        assertEquals("", SettingsLoader.load(null).metrics().listen().map(Object::toString).orElse(""));
    }

    @Test
    void aNonLoopbackAddressIsServedWithAWarning() throws Exception {
        BlockingQueue<String> out = new LinkedBlockingQueue<>();
        Path err = dir.resolve("serve.err");
        serve(out, err, "--metrics", "0.0.0.0:0");
        String line = awaitLine(out, "metrics", err);
        assertTrue(line.matches("metrics on http://0\\.0\\.0\\.0:\\d+/metrics"), line);
        String stderr = Files.readString(err);
        assertTrue(stderr.contains("metrics-not-loopback listen=0.0.0.0:0"), stderr);
        // And it serves, on every address, loopback included.
        String port = line.replaceAll(".*:(\\d+)/metrics", "$1");
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                + "/metrics")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode());
        assertTrue(r.body().contains("loghost_store_disk_usage_bytes"), r::body);
    }

    @Test
    void aMalformedAddressStopsStartWithOneLine() throws Exception {
        BlockingQueue<String> out = new LinkedBlockingQueue<>();
        Path err = dir.resolve("serve.err");
        Process p = serve(out, err, "--metrics", "localhost");
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(1, p.exitValue());
        assertEquals("loghost: error: --metrics: listen address \"localhost\" must be HOST:PORT\n",
                Files.readString(err));
    }

    @Test
    void aMalformedConfiguredAddressNamesTheKey() throws Exception {
        Path config = dir.resolve("bad.conf");
        Files.writeString(config, "loghost.metrics.listen = \"9273\"\n");
        Run.Result r = Cli.run(dir.resolve("data"), "serve", "--config", config.toString());
        assertEquals(1, r.exit(), r::toString);
        assertEquals("loghost: error: loghost.metrics.listen: listen address \"9273\" must be HOST:PORT\n",
                r.stderr());
    }

    @Test
    void aPortInUseStopsStartWithOneLineAndNoStartIsAudited() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            BlockingQueue<String> out = new LinkedBlockingQueue<>();
            Path err = dir.resolve("serve.err");
            Process p = serve(out, err, "--metrics", "127.0.0.1:" + taken.getLocalPort());
            assertTrue(p.waitFor(60, TimeUnit.SECONDS));
            assertEquals(1, p.exitValue());
            List<String> errors = Files.readAllLines(err).stream().filter(l -> l.startsWith("loghost: error:"))
                    .toList();
            assertEquals(List.of("loghost: error: cannot serve metrics on 127.0.0.1:" + taken.getLocalPort()
                    + ": Address already in use"), errors, () -> loghost.testing.ServerProcess.read(err));
            assertFalse(out.stream().anyMatch(l -> l.startsWith("listening on")), out::toString);
            boolean started = HostRecords.read(dir.resolve("data"), "_loghost").stream()
                    .anyMatch(rec -> rec.text().startsWith("server-start"));
            assertFalse(started, "a server-start was audited for a server that did not start");
        }
    }
}
