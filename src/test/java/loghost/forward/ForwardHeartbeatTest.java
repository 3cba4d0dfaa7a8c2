package loghost.forward;

import static loghost.forward.ForwardRig.lines;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import loghost.testing.Await;
import loghost.testing.ForwarderProcess;
import loghost.testing.HostRecords;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Heartbeats from every source, never in a burst; and a quick return after an outage while lines wait. */
class ForwardHeartbeatTest {

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

    private long marks() throws Exception {
        return rig.records().stream().filter(r -> r.type().equals("mark")).count();
    }

    private void awaitMarks(long n) throws Exception {
        Await.until(() -> n + " heartbeats stored", this::marks, m -> m >= n);
    }

    @Test
    void stdinSendsHeartbeatsWhileItRunsAndExitsZeroAtItsEnd() throws Exception {
        rig.loghost();
        ForwarderProcess f = rig.closeLater(ForwarderProcess.startPiped(List.of("-Xmx64m"),
                dir.resolve("forward.err"), rig.args(dir.resolve("spool"), "--stdin", "--heartbeat", "1s")));
        f.stdin().write("a line before the silence\n".getBytes(StandardCharsets.US_ASCII));
        f.stdin().flush();
        // stdin stays open and idle: the host is alive, and heartbeats say so.
        awaitMarks(3);
        assertTrue(marks() >= 3, f::stderr);
        f.stdin().write("a line after it\n".getBytes(StandardCharsets.US_ASCII));
        f.stdin().close();
        assertEquals(0, f.await(60), f::stderr);
        assertEquals(List.of("a line before the silence", "a line after it"), rig.stored());
        HostRecords.Rec mark = rig.records().stream().filter(r -> r.type().equals("mark")).findFirst().orElseThrow();
        assertTrue(mark.text().matches("heartbeat stream=stdin\\.[0-9a-f]{16} pending=\\d+"), mark.text());
    }

    @Test
    void heartbeatsOfAnOutageDoNotArriveInABurst() throws Exception {
        Path log = dir.resolve("app.log");
        Files.createFile(log);
        ForwarderProcess f = rig.forward(dir.resolve("spool"), null, "--file", log.toString(), "--heartbeat", "1s");
        // The loghost is down for 8 heartbeat intervals.
        f.awaitLog("delivery-interrupted");
        Thread.sleep(8000); // the outage's length is the test's subject, not a wait for an event
        rig.loghost();
        long up = System.nanoTime();
        awaitMarks(1);
        long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - up);
        long marks = marks();
        assertTrue(marks >= 1, f::stderr);
        // One heartbeat at most waited through the outage; after it, one per second.
        assertTrue(marks <= seconds + 2, marks + " marks within " + seconds + " s of the loghost's return");
    }

    @Test
    void whileLinesWaitTheLoghostIsProbedAtLeastEverySixSeconds() throws Exception {
        Path log = dir.resolve("app.log");
        Files.createFile(log);
        ForwarderProcess f = rig.forward(dir.resolve("spool"), null, "--file", log.toString(), "--heartbeat", "0s");
        f.awaitLog("file-follow");
        Files.write(log, lines("waiting line", 1, 10));
        // Backoff doubles from 0.5 s; uncapped it reaches 16 s at the 6th and 30 s at the 7th failure.
        Pattern retry = Pattern.compile("delivery-interrupted .* pending=(\\d+) retry-in=(\\d+)ms");
        List<Matcher> tries = Await.until(() -> "8 delivery attempts in " + f.stderr(),
                () -> f.stderr().lines().map(retry::matcher).filter(Matcher::find).toList(), t -> t.size() >= 8);
        assertTrue(tries.size() >= 8, f::stderr);
        for (Matcher m : tries) {
            if (Long.parseLong(m.group(1)) > 0) {
                assertTrue(Long.parseLong(m.group(2)) <= 6000, m.group());
            }
        }
        assertTrue(tries.stream().anyMatch(m -> Long.parseLong(m.group(1)) > 0), f::stderr);
        rig.loghost();
        assertEquals(lines("waiting line", 1, 10), rig.awaitStored(10));
    }
}
