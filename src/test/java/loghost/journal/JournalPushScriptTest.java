package loghost.journal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import loghost.testing.Await;
import loghost.testing.Cli;
import loghost.testing.Run;
import loghost.testing.ServerProcess;
import loghost.testing.HostRecords;
import loghost.testing.KeyGen;
import loghost.testing.TestServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shipped host script, src/host/loghost-push-journal, as the unit runs it: a real journal (written by
 * systemd-journal-remote, read by the installed journalctl with {@code --directory}), the real ssh client, the loghost
 * on 127.0.0.1. Its ssh client killed, the loghost stopped while the journal grows and the script killed: every entry
 * stored once, in order.
 */
class JournalPushScriptTest {

    private static final Path SCRIPT = Path.of("src/host/loghost-push-journal");

    @TempDir
    Path dir;
    private final List<Process> scripts = new ArrayList<>();

    @AfterEach
    void killScripts() {
        scripts.forEach(JournalPushScriptTest::killTree);
    }

    // As systemd stops a unit (its whole control group): the script, its journalctl and its ssh.
    private static void killTree(Process p) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
    }

    private Process start(TestServer server, Path key, Path journal) throws Exception {
        return start(server.port(), key, journal);
    }

    private Process start(int port, Path key, Path journal) throws Exception {
        ProcessBuilder pb = new ProcessBuilder("sh", SCRIPT.toAbsolutePath().toString());
        pb.environment().putAll(Map.of("LOGHOST", "log@127.0.0.1", "LOGHOST_PORT", String.valueOf(port),
                "LOGHOST_KEY", key.toString(), "LOGHOST_KNOWN_HOSTS", dir.resolve("known_hosts").toString(),
                "LOGHOST_SSH_OPTS", "-F /dev/null -o IdentityAgent=none -o LogLevel=ERROR -o ConnectTimeout=10",
                "JOURNALCTL_ARGS", "--directory=" + journal, "RETRY_SECONDS", "1"));
        pb.redirectInput(new File("/dev/null"));
        pb.redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("script.out").toFile()));
        pb.redirectError(ProcessBuilder.Redirect.appendTo(dir.resolve("script.err").toFile()));
        Process p = pb.start();
        scripts.add(p);
        return p;
    }

    private List<Long> awaitStored(TestServer server, int n) throws Exception {
        return awaitStored(server.data(), n);
    }

    private List<Long> awaitStored(Path data, int n) throws Exception {
        return Await.until(() -> n + " entries stored; script stderr: " + stderr() + "; processes: " + processes(),
                () -> seqnums(data),
                s -> s.size() >= n);
    }

    // The scripts' process trees, for a failure message: which part of a round still runs.
    private String processes() {
        StringBuilder sb = new StringBuilder();
        for (Process p : scripts) {
            p.descendants().forEach(h -> sb.append('\n').append(h.pid()).append(' ')
                    .append(h.info().commandLine().orElse("?")));
        }
        return sb.toString();
    }

    private String stderr() {
        try {
            return Files.readString(dir.resolve("script.err"));
        } catch (Exception e) {
            return "(none: " + e + ")";
        }
    }

    private static List<Long> seqnums(Path data) throws Exception {
        List<Long> out = new ArrayList<>();
        for (HostRecords.Rec r : JournalPushRig.pushed(data, "web01")) {
            out.add(JournalPushRig.seqnum(r));
        }
        return out;
    }

    @Test
    void everyEntryArrivesOnceInOrderThroughAKilledSshALoghostRestartAndAKilledScript() throws Exception {
        Path journal = Files.createDirectories(dir.resolve("journal"));
        JournalPushRig.write(journal, 1, 20);
        try (TestServer server = new TestServer(dir, "")) {
            Path key = KeyGen.generate(dir, "web01", "ed25519");
            server.enroll("web01", key);
            Process script = start(server, key, journal);
            awaitStored(server, 20);
            JournalPushRig.write(journal, 21, 30); // followed live
            awaitStored(server, 30);

            // The ssh client killed at a measured point (30 stored); the journal grows before the next round.
            ProcessHandle ssh = script.descendants().filter(h -> h.info().commandLine().orElse("")
                    .endsWith("append-log --journal")).findFirst().orElseThrow();
            ssh.destroyForcibly();
            JournalPushRig.write(journal, 31, 40);
            awaitStored(server, 40);

            // The loghost away while the journal grows; the script killed with it and started again.
            server.stop();
            JournalPushRig.write(journal, 41, 50);
            killTree(script);
            server.start();
            start(server, key, journal);
            awaitStored(server, 50);
            JournalPushRig.write(journal, 51, 55);
            List<Long> stored = awaitStored(server, 55);

            List<Long> expected = new ArrayList<>();
            for (long i = 1; i <= 55; i++) {
                expected.add(i);
            }
            assertEquals(expected, stored, "every entry once, in order");
            List<HostRecords.Rec> recs = JournalPushRig.pushed(server.data(), "web01");
            for (HostRecords.Rec r : recs) {
                assertEquals("log", r.type());
                assertEquals("app[42]: entry " + JournalPushRig.seqnum(r), r.text());
            }
            assertEquals(0, server.cli("verify").exit());
        }
    }

    @Test
    void aRotatedJournalIsFollowedIntoItsNewFileAndARestartAfterItRepeatsNothing() throws Exception {
        Path journal = Files.createDirectories(dir.resolve("journal"));
        JournalPushRig.write(journal, 1, 20);
        try (TestServer server = new TestServer(dir, "")) {
            Path key = KeyGen.generate(dir, "web01", "ed25519");
            server.enroll("web01", key);
            Process script = start(server, key, journal);
            awaitTexts(server.data(), 20);
            // Rotated as journald archives a file: renamed, and the next entries go to a new file (a new seqnum
            // id, as systemd-journal-remote starts one per file), while the script follows.
            Files.move(journal.resolve("remote.journal"), journal.resolve("remote@rotated-1.journal"));
            JournalPushRig.write(journal, 21, 30);
            awaitTexts(server.data(), 30);
            // Killed after the rotation at a measured point (30 stored) and started again: the newest seqnum id
            // has a position now; nothing of the older file is stored again.
            killTree(script);
            JournalPushRig.write(journal, 31, 35);
            start(server, key, journal);
            List<String> texts = awaitTexts(server.data(), 35);
            List<String> expected = new ArrayList<>();
            for (int i = 1; i <= 35; i++) {
                expected.add("app[42]: entry " + i);
            }
            assertEquals(expected, texts, "every entry once, in order, across the rotation");
            java.util.Set<String> ids = new java.util.TreeSet<>();
            for (HostRecords.Rec r : JournalPushRig.pushed(server.data(), "web01")) {
                ids.add(r.meta().replaceAll(".*,c=j\\.([0-9a-f]{32}):.*", "$1"));
            }
            assertEquals(2, ids.size(), "the rotation made a second journal stream: " + ids);
            assertEquals(0, server.cli("verify").exit());
        }
    }

    private List<String> awaitTexts(Path data, int n) throws Exception {
        return Await.until(() -> n + " entries stored; script stderr: " + stderr() + "; processes: " + processes(),
                () -> {
                    List<String> out = new ArrayList<>();
                    for (HostRecords.Rec r : JournalPushRig.pushed(data, "web01")) {
                        out.add(r.text());
                    }
                    return out;
                },
                s -> s.size() >= n);
    }

    @Test
    void aLoghostKilledWithSigkillWhileEntriesArriveLosesAndDoublesNone() throws Exception {
        Path journal = Files.createDirectories(dir.resolve("journal"));
        JournalPushRig.write(journal, 1, 1000);
        Path data = dir.resolve("data");
        Path known = dir.resolve("known_hosts");
        ServerProcess server = ServerProcess.start(data, dir.resolve("server.err"), known);
        int port = server.port();
        try {
            Path key = KeyGen.generate(dir, "web01", "ed25519");
            assertEquals(0, Cli.run(data, "enroll", "web01", KeyGen.pub(key).toString()).exit());
            start(port, key, journal); // the same script throughout: it reconnects by itself
            awaitStored(data, 1000);
            // Killed at a measured point, 1000 stored, as 1000 more reach the journal (and journalctl -f sends them).
            JournalPushRig.write(journal, 1001, 2000);
            server.close();
            JournalPushRig.write(journal, 2001, 2500); // the loghost is away meanwhile
            server = ServerProcess.start(data, dir.resolve("server.err"), known, port);
            List<Long> stored = awaitStored(data, 2500);
            List<Long> expected = new ArrayList<>();
            for (long i = 1; i <= 2500; i++) {
                expected.add(i);
            }
            assertEquals(expected, stored, "every entry once, in order");
            Run.Result v = Cli.run(data, "verify", "--host", "web01");
            assertEquals(0, v.exit(), v::toString);
        } finally {
            server.close();
        }
    }
}
