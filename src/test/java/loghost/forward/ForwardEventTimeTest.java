package loghost.forward;

import static loghost.forward.ForwardRig.lines;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import loghost.protocol.Frames;
import loghost.testing.Await;
import loghost.testing.ForwarderProcess;
import loghost.testing.Run;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Lines spooled while the loghost is down keep the time the forwarder read them (META {@code t=}), and a time
 * window by event time finds them where a window by receive time does not.
 */
class ForwardEventTimeTest {

    /** How long the loghost stays down: the subject of the test, not a wait for an event. */
    private static final Duration OUTAGE = Duration.ofSeconds(3);
    private static final Pattern RECORD = Pattern.compile("(\\d+) (\\S+) (log|cont) (\\S+) [0-9a-f]{64} (.*)");
    private static final Pattern EVENT = Pattern.compile(",t=(\\d+)\\.(\\d{3})$");

    @TempDir
    Path dir;

    private ForwardRig rig;

    @BeforeEach
    void rig() throws Exception {
        rig = new ForwardRig(dir);
    }

    @AfterEach
    void stop() throws Exception {
        rig.close();
    }

    @Test
    void linesSpooledDuringAnOutageCarryTheirSpoolTimeAndAreFoundByEventTime() throws Exception {
        Path log = dir.resolve("app.log");
        Files.createFile(log);
        Path spool = dir.resolve("spool");
        ForwarderProcess f = rig.forward(spool, null, "--file", log.toString(), "--heartbeat", "0s");
        f.awaitLog("file-follow");
        Instant beforeRead = Instant.now();
        Files.write(log, lines("during the outage", 1, 5));
        // The forwarder read and spooled them (synced, as it sends only synced entries): their spool times.
        Map<String, Long> spooled = Await.until(() -> "5 lines in the spool " + spool + "\n" + f.stderr(),
                () -> spooledLines(spool), m -> m.size() == 5);
        Thread.sleep(OUTAGE.toMillis());
        Instant up = Instant.now();
        rig.loghost();
        assertEquals(lines("during the outage", 1, 5), rig.awaitStored(5));

        List<String[]> records = records();
        assertEquals(5, records.size());
        for (String[] r : records) {
            Matcher t = EVENT.matcher(r[3]);
            assertTrue(t.find(), "t= in META " + r[3]);
            long event = Long.parseLong(t.group(1)) * 1000 + Long.parseLong(t.group(2));
            assertEquals(spooled.get(r[4]), event, "t= is the spool time of " + r[4]);
            long received = Instant.parse(r[1]).toEpochMilli();
            assertTrue(event >= beforeRead.toEpochMilli() && event < up.toEpochMilli(), r[3]);
            assertTrue(received - event >= OUTAGE.toMillis(), "stored " + r[1] + ", read " + event
                    + ": later than the read by at least the outage");
        }

        // A window that closes when the loghost came back: by event time it holds the lines, by receive time not.
        String since = beforeRead.minusMillis(1).toString();
        String until = up.toString();
        Run.Result byEvent = cat("--host", "web01", "--since", since, "--until", until);
        assertEquals(String.join("\n", lines("during the outage", 1, 5)) + "\n", byEvent.stdout(), byEvent::toString);
        Run.Result byReceipt = cat("--host", "web01", "--since", since, "--until", until, "--receive-time");
        assertEquals(0, byReceipt.exit(), byReceipt::toString);
        assertEquals("", byReceipt.stdout(), byReceipt::toString);
        Run.Result received = cat("--host", "web01", "--since", until, "--receive-time");
        assertEquals(String.join("\n", lines("during the outage", 1, 5)) + "\n", received.stdout(), received::toString);

        Run.Result json = cat("--host", "web01", "-o", "json");
        List<String> objects = json.stdout().lines().toList();
        assertEquals(5, objects.size(), json::toString);
        for (int i = 0; i < 5; i++) {
            String eventText = Instant.ofEpochMilli(spooled.get("during the outage " + (i + 1))).toString();
            String expected = "\"time\":\"" + withMillis(eventText) + "\",\"received\":\"" + records.get(i)[1] + "\"";
            assertTrue(objects.get(i).contains(expected), objects.get(i) + " should hold " + expected);
        }
    }

    @Test
    void anEventTimeAheadOfTheLoghostsClockIsStoredAsTheReceiveTimeAndOneADayAheadIsRefused() throws Exception {
        rig.loghost();
        // A client clock an hour ahead: the line cannot have happened after the loghost received it.
        long ahead = Instant.now().plus(Duration.ofHours(1)).toEpochMilli();
        String answer = RawAckClient.sendTimedLine(rig.port, rig.key, "clock.0123456789abcdef", 1, ahead, "early");
        assertTrue(answer.endsWith(" / ack 1"), answer);
        List<String[]> records = records();
        assertEquals(1, records.size());
        String[] r = records.get(0);
        Matcher t = EVENT.matcher(r[3]);
        assertTrue(t.find(), "t= in META " + r[3]);
        long event = Long.parseLong(t.group(1)) * 1000 + Long.parseLong(t.group(2));
        assertEquals(Instant.parse(r[1]).toEpochMilli(), event, "t= is the receive time, not " + ahead);
        // So a window from its receive time finds it, however the day files are cut.
        Run.Result since = cat("--host", "web01", "--since", r[1], "-o", "json");
        assertTrue(since.stdout().contains("\"time\":\"" + r[1] + "\",\"received\":\"" + r[1] + "\""),
                since::toString);

        long dayAhead = Instant.now().plus(Duration.ofDays(2)).toEpochMilli();
        String refused = RawAckClient.sendTimedLine(rig.port, rig.key, "clock.0123456789abcdef", 2, dayAhead, "x");
        assertTrue(refused.endsWith(" / e protocol error: event time " + dayAhead + " of cseq 2 is not between 1 and "
                + "the loghost's clock plus one day"), refused);
        assertEquals(1, records().size(), "the refused line is not stored");
    }

    // Instant.toString drops a zero fraction; TIME always has three digits.
    private static String withMillis(String instant) {
        return instant.matches(".*\\.\\d{3}Z") ? instant : instant.replace("Z", ".000Z");
    }

    // The spool's LINE entries, message to time spooled; what is not whole on disk yet is not counted.
    private static Map<String, Long> spooledLines(Path spool) throws IOException {
        Map<String, Long> found = new LinkedHashMap<>();
        List<Path> segments = new ArrayList<>();
        try (DirectoryStream<Path> s = Files.newDirectoryStream(spool, "*.seg")) {
            s.forEach(segments::add);
        }
        segments.sort(null);
        for (Path seg : segments) {
            try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(seg)))) {
                for (SpoolEntry e; (e = SpoolEntry.read(in)) != null; ) {
                    if (e.kind() == Frames.LINE) {
                        found.put(new String(e.data(), StandardCharsets.UTF_8), e.timeMillis());
                    }
                }
            } catch (SpoolEntry.Corrupt torn) {
                break; // an entry being written: the next look sees it whole
            }
        }
        return found;
    }

    // The host's log records as fields: SEQ, TIME, TYPE, META, MESSAGE.
    private List<String[]> records() throws IOException {
        List<String[]> out = new ArrayList<>();
        List<Path> files = new ArrayList<>();
        try (DirectoryStream<Path> s = Files.newDirectoryStream(rig.data.resolve("hosts/web01"), "*.log")) {
            s.forEach(files::add);
        }
        files.sort(null);
        for (Path file : files) {
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                Matcher m = RECORD.matcher(line);
                if (m.matches()) {
                    out.add(new String[] {m.group(1), m.group(2), m.group(3), m.group(4), m.group(5)});
                }
            }
        }
        return out;
    }

    private Run.Result cat(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("java", "-cp", System.getProperty("java.class.path"),
                "loghost.cli.Main", "cat", "--data", rig.data.toString()));
        cmd.addAll(List.of(args));
        return Run.run(cmd, null, null, 120);
    }
}
