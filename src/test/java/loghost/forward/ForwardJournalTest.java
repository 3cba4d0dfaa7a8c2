package loghost.forward;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import loghost.testing.Cli;
import loghost.testing.ForwarderProcess;
import loghost.testing.HostRecords;
import loghost.testing.JournalFiles;
import loghost.testing.ServerProcess;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code loghost forward --journal} on real journal files: every entry once, in order, through kill -9. */
class ForwardJournalTest {

    @TempDir
    Path dir;

    private ForwardRig rig;
    private ServerProcess loghost;
    private Path journal;

    @BeforeEach
    void rig() throws Exception {
        rig = new ForwardRig(dir);
        loghost = rig.loghost();
        journal = Files.createDirectory(dir.resolve("journal"));
    }

    @AfterEach
    void stop() throws Exception {
        rig.close();
    }

    private ForwarderProcess forward(String... extra) throws Exception {
        List<String> args = new ArrayList<>(List.of("--journal", "--journal-directory", journal.toString(),
                "--heartbeat", "0s"));
        args.addAll(List.of(extra));
        return rig.forward(dir.resolve("spool"), null, args.toArray(String[]::new));
    }

    private static List<String> entries(int from, int to) {
        return ForwardRig.lines("app[42]: entry", from, to);
    }

    @Test
    void fromStartSendsEveryEntryOnceThroughKillsOfTheForwarder() throws Exception {
        JournalFiles.write(journal, 1, 300);
        ForwarderProcess fwd = forward("--from-start");
        assertEquals(entries(1, 300), rig.awaitStored(300), fwd::stderr);
        JournalFiles.write(journal, 301, 500);
        assertEquals(entries(1, 500), rig.awaitStored(500), fwd::stderr);
        fwd.kill();
        JournalFiles.write(journal, 501, 600);
        fwd = forward("--from-start");
        assertEquals(entries(1, 600), rig.awaitStored(600), fwd::stderr);
        Thread.sleep(1000); // nothing more may arrive (a repeat would)
        assertEquals(entries(1, 600), rig.stored());
        assertTrue(rig.records().stream().filter(r -> r.type().equals("log"))
                .allMatch(r -> r.meta().contains(",c=journal.")), "every entry came through the forwarder's stream");
        assertEquals(0, Cli.run(rig.data, "verify").exit());
    }

    @Test
    void firstStartBeginsAfterTheNewestEntryAndARestartBeforeTheFirstNewOneLosesNothing() throws Exception {
        JournalFiles.write(journal, 1, 50);
        ForwarderProcess fwd = forward();
        fwd.awaitLog("journal-follow");
        fwd.kill();
        JournalFiles.write(journal, 51, 150);
        fwd = forward();
        fwd.awaitLog("journal-follow");
        JournalFiles.write(journal, 151, 160);
        assertEquals(entries(51, 160), rig.awaitStored(110), fwd::stderr);
        Thread.sleep(1000);
        assertEquals(entries(51, 160), rig.stored());
    }

    @Test
    void killedWhileTheLoghostIsAwayEveryEntryArrivesOnce() throws Exception {
        JournalFiles.write(journal, 1, 100);
        ForwarderProcess fwd = forward("--from-start");
        assertEquals(entries(1, 100), rig.awaitStored(100), fwd::stderr);
        loghost.close(); // SIGKILL
        JournalFiles.write(journal, 101, 150);
        fwd.kill();
        fwd = forward("--from-start");
        fwd.awaitLog("journal-follow");
        JournalFiles.write(journal, 151, 200);
        rig.loghost();
        assertEquals(entries(1, 200), rig.awaitStored(200), fwd::stderr);
        Thread.sleep(1000);
        assertEquals(entries(1, 200), rig.stored());
        List<HostRecords.Rec> recs = rig.records();
        assertEquals(200, recs.stream().filter(r -> r.type().equals("log")).count());
    }
}
