package loghost.forward;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import loghost.testing.Await;
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

    // A journalctl that plays a journal whose entries 11..15 were vacuumed before they were read: it holds no
    // newest entry for -n 1; a follow from the start prints entries 1..10 and 16..20, one after the cursor of entry
    // 20 (i=14) prints entry 21; then it waits like journalctl -f. Every call's arguments go to calls.txt.
    private Path fakeJournalctl(String id) throws Exception {
        Path bin = Files.createDirectories(dir.resolve("bin"));
        Path first = Files.writeString(dir.resolve("first.export"), export(id, 1, 10) + export(id, 16, 20));
        Path after = Files.writeString(dir.resolve("after.export"), export(id, 21, 21));
        Path script = Files.writeString(bin.resolve("journalctl"), """
                #!/bin/sh
                echo "$*" >> "%s"
                case "$*" in
                  *" -n 1 "*) exit 0 ;;
                  *"--after-cursor=s=%s;i=14 "*|*"--after-cursor=s=%s;i=14") cat "%s" ;;
                  *--after-cursor*) echo "journalctl: unexpected cursor" >&2; exit 1 ;;
                  *) cat "%s" ;;
                esac
                exec sleep 120
                """.formatted(dir.resolve("calls.txt"), id, id, after, first));
        assertTrue(script.toFile().setExecutable(true));
        return bin;
    }

    private static String export(String id, int from, int to) {
        StringBuilder sb = new StringBuilder();
        for (int i = from; i <= to; i++) {
            sb.append("__CURSOR=s=").append(id).append(";i=").append(Integer.toHexString(i))
                    .append(";b=0123456789abcdef0123456789abcdef;m=1;t=1;x=2\n_PID=42\nSYSLOG_IDENTIFIER=app\n")
                    .append("MESSAGE=entry ").append(i).append("\n\n");
        }
        return sb.toString();
    }

    @Test
    void entriesTheJournalLostBeforeTheyWereReadAreOneGapRecordAndARestartResumesAfterTheLastEntry()
            throws Exception {
        String id = "0123456789abcdef0123456789abcdef";
        Path bin = fakeJournalctl(id);
        java.util.Map<String, String> env = java.util.Map.of("PATH", bin + ":" + System.getenv("PATH"));
        ForwarderProcess fwd = rig.closeLater(ForwarderProcess.startWithEnv(env, dir.resolve("fwd-1.err"),
                rig.args(dir.resolve("spool"), "--journal", "--heartbeat", "0s")));
        List<String> want = new ArrayList<>(entries(1, 10));
        want.add("journal-lost seqnum-id=" + id + " from=11 to=15 count=5 (not in the journal when read)");
        want.addAll(entries(16, 20));
        assertEquals(want, Await.whileProgressing(this::storedWithGaps, got -> got.size() >= 16), fwd::stderr);
        assertEquals("gap", rig.records().stream().filter(r -> r.text().startsWith("journal-lost")).findFirst()
                .orElseThrow().type());
        fwd.kill();
        fwd = rig.closeLater(ForwarderProcess.startWithEnv(env, dir.resolve("fwd-2.err"),
                rig.args(dir.resolve("spool"), "--journal", "--heartbeat", "0s")));
        want.add("app[42]: entry 21");
        assertEquals(want, Await.whileProgressing(this::storedWithGaps, got -> got.size() >= 17), fwd::stderr);
        Thread.sleep(1000);
        assertEquals(want, storedWithGaps());
        String calls = Files.readString(dir.resolve("calls.txt"));
        assertTrue(calls.contains("--after-cursor=s=" + id + ";i=14"), calls);
        assertEquals(0, Cli.run(rig.data, "verify").exit());
    }

    private List<String> storedWithGaps() throws Exception {
        return rig.records().stream().filter(r -> List.of("log", "cont", "gap").contains(r.type()))
                .map(HostRecords.Rec::text).toList();
    }
}
