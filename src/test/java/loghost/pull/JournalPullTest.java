package loghost.pull;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import loghost.config.PullSettings;
import loghost.testing.Cli;
import loghost.testing.HostRecords;
import loghost.testing.Run;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The journal followed through serve-logs ({@code journalctl --directory -f -o export --after-cursor}) on a real sshd,
 * with a real journal file written by systemd-journal-remote (unpacked, not installed, by .ci/run: no journald runs
 * here), resumed by sequence number after killed connections and an sshd restart.
 */
class JournalPullTest {

    /** Where .ci/run unpacks systemd-journal-remote and its libmicrohttpd (matching the installed systemd). */
    static final Path JOURNAL_REMOTE = Path.of("/opt/loghost-test/journal-remote");

    @TempDir
    Path tmp;
    private final List<AutoCloseable> toClose = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
    }

    // Appends entries first..last to the journal file in dir, in journalctl's export format through journal-remote.
    private void write(Path dir, int first, int last) throws Exception {
        loghost.testing.Tools.JOURNAL_REMOTE.assume();
        StringBuilder sb = new StringBuilder();
        long t = System.currentTimeMillis() * 1000;
        for (int i = first; i <= last; i++) {
            sb.append("__REALTIME_TIMESTAMP=").append(t + i).append('\n').append("__MONOTONIC_TIMESTAMP=").append(i)
                    .append('\n').append("_BOOT_ID=0123456789abcdef0123456789abcdef\n").append("_PID=42\n")
                    .append("SYSLOG_IDENTIFIER=app\n").append("MESSAGE=entry ").append(i).append("\n\n");
        }
        Path in = Files.writeString(tmp.resolve("entries-" + first + ".export"), sb, StandardCharsets.US_ASCII);
        Run.Result r = Run.run(List.of(JOURNAL_REMOTE.resolve("lib/systemd/systemd-journal-remote").toString(),
                "--output=" + dir.resolve("remote.journal"), in.toString()), null,
                Map.of("LD_LIBRARY_PATH", JOURNAL_REMOTE.resolve("usr/lib/x86_64-linux-gnu").toString()), 60);
        assertEquals(0, r.exit(), r::toString);
    }

    private static List<String> journalLines(Path data) throws Exception {
        List<String> out = new ArrayList<>();
        for (HostRecords.Rec r : HostRecords.read(data, "web01")) {
            if (r.type().equals("log") && r.meta().contains(",c=pull.j.")) {
                out.add(r.text());
            }
        }
        return out;
    }

    @Test
    void followsTheJournalAndResumesByCursorWithoutLossOrDuplication() throws Exception {
        Path journal = Files.createDirectories(tmp.resolve("journal"));
        write(journal, 1, 5);
        SourceHost host = SourceHost.start(tmp.resolve("source"), List.of("journal " + journal));
        toClose.add(host);
        PullRig rig = new PullRig(tmp.resolve("data"));
        toClose.add(rig);
        PullSettings.Source s = PullRig.source(host, "web01", host.hostKeyLine(), List.of(), List.of());
        s = new PullSettings.Source(s.host(), s.address(), s.port(), s.user(), s.key(), s.knownHost(), List.of(),
                true, List.of(), s.collectInterval(), true);
        PullSource source = rig.source(s);
        Thread t = new Thread(source::runForever, "test-journal-puller");
        t.start();
        try {
            int[] expect = {5, 10, 15};
            for (int round = 0; round < 3; round++) {
                int want = expect[round];
                assertTrue(SourceHost.await(Duration.ofSeconds(120), () -> count(rig) >= want),
                        () -> "round " + want + ": " + count(rig));
                if (round == 1) {
                    host.restart();
                } else {
                    host.killSessions();
                }
                if (round < 2) {
                    write(journal, want + 1, want + 5);
                }
            }
            assertTrue(SourceHost.await(Duration.ofSeconds(60), () -> count(rig) >= 15));
            // Live: entries written while the connection stands arrive through journalctl -f.
            write(journal, 16, 20);
            assertTrue(SourceHost.await(Duration.ofSeconds(60), () -> count(rig) >= 20), () -> "live: " + count(rig));
        } finally {
            source.stop();
            t.join(30_000);
        }
        // More than 10 entries past the stored position while nobody pulls: journalctl -f --after-cursor alone
        // printed 10 of them, then only new entries (the rest were lost before serve-logs added --no-tail).
        write(journal, 21, 40);
        PullSource again = rig.source(s);
        Thread t2 = new Thread(again::runForever, "test-journal-puller-2");
        t2.start();
        try {
            assertTrue(SourceHost.await(Duration.ofSeconds(60), () -> count(rig) >= 40), () -> "resumed: " + count(rig));
        } finally {
            again.stop();
            t2.join(30_000);
        }
        rig.close();
        List<String> expected = new ArrayList<>();
        for (int i = 1; i <= 40; i++) {
            expected.add("app[42]: entry " + i);
        }
        assertEquals(expected, journalLines(rig.data));
        assertEquals(0, Cli.run(rig.data, "verify").exit());
    }

    private static int count(PullRig rig) {
        try {
            return journalLines(rig.data).size();
        } catch (Exception e) {
            return -1;
        }
    }
}
