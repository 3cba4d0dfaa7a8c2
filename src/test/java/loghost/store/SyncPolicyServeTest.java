package loghost.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import loghost.testing.Await;
import loghost.testing.Cli;
import loghost.testing.KeyGen;
import loghost.testing.Run;
import loghost.testing.TracedServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code store.fsync-interval = 0s} means what reference.conf says, "every write", for every chain the server writes,
 * the audit trail included; and idle hosts' day files are still closed. Seen in the system calls themselves.
 */
class SyncPolicyServeTest {

    // 1234 write(12</DATA/hosts/H/2026-12-07.log>, ...) and 1234 fsync(12</DATA/hosts/H/2026-12-07.log>): the
    // start of each call, in the order the calls began.
    private static final Pattern CALL = Pattern.compile(
            "^\\d+\\s+(write|pwrite64|writev|fsync|fdatasync)\\(\\d+<([^>]*/hosts/[^/>]+/\\d{4}-\\d{2}-\\d{2}\\.log)>",
            Pattern.MULTILINE);

    @TempDir
    Path dir;

    @Test
    void withFsyncIntervalZeroEveryAppendOfEveryChainIsSyncedBeforeTheNextAndIdleFilesAreClosed() throws Exception {
        TracedServer.assumeStrace();
        Path data = dir.resolve("data");
        Path conf = dir.resolve("loghost.conf");
        Files.writeString(conf, "loghost.seal.enabled = false\nloghost.store.fsync-interval = 0s\n");
        Path key = KeyGen.generate(dir, "web01", "ed25519");
        assertEquals(0, Cli.run(data, "enroll", "web01", KeyGen.pub(key).toString()).exit());
        Path knownHosts = dir.resolve("known_hosts");
        try (TracedServer server = TracedServer.serve(data, conf, dir.resolve("trace"), dir.resolve("serve.err"),
                knownHosts, List.of("-y", "-e", "trace=write,pwrite64,writev,fsync,fdatasync"))) {
            for (int session = 1; session <= 3; session++) {
                Path lines = dir.resolve("lines" + session);
                Files.writeString(lines, "session " + session + " line 1\nsession " + session + " line 2\n");
                Run.Result r = Run.run(List.of("ssh", "-F", "/dev/null", "-o", "UserKnownHostsFile=" + knownHosts,
                        "-o", "StrictHostKeyChecking=yes", "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes",
                        "-o", "IdentityAgent=none", "-i", key.toString(), "-p", String.valueOf(server.port()), "-T",
                        "log@127.0.0.1", "append-log"), lines, null, 120);
                assertEquals(0, r.exit(), r::toString);
            }
            // A session that stays connected but sends nothing more: its host is idle, and the sweep, which runs
            // once a second even with 0s, closes the day file (it reopens at the next write).
            Path web01 = dayFile(data, "web01");
            long jvm = server.jvmPid();
            Process open = new ProcessBuilder(List.of("ssh", "-F", "/dev/null", "-o", "UserKnownHostsFile="
                    + knownHosts, "-o", "StrictHostKeyChecking=yes", "-o", "BatchMode=yes", "-o",
                    "IdentitiesOnly=yes", "-o", "IdentityAgent=none", "-i", key.toString(), "-p",
                    String.valueOf(server.port()), "-T", "log@127.0.0.1", "append-log"))
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(dir.resolve("ssh.err").toFile())
                    .start();
            open.getOutputStream().write("held open\n".getBytes(StandardCharsets.US_ASCII));
            open.getOutputStream().flush();
            Await.until(() -> "the line stored", () -> Files.readString(web01, StandardCharsets.ISO_8859_1)
                    .contains(" held open\n"));
            Await.until(() -> "the idle host's day file closed by the sweep: " + web01, () -> !isOpen(jvm, web01));
            assertTrue(open.isAlive(), "while its session is still connected");
            open.getOutputStream().close();
            assertEquals(0, open.waitFor(), () -> loghost.testing.ServerProcess.read(dir.resolve("ssh.err")));
            server.stop();

            Map<String, List<String>> perFile = new HashMap<>();
            Matcher m = CALL.matcher(Files.readString(server.trace(), StandardCharsets.ISO_8859_1));
            while (m.find()) {
                perFile.computeIfAbsent(m.group(2), f -> new ArrayList<>()).add(m.group(1).endsWith("sync") ? "S" : "W");
            }
            String audit = dayFile(data, "_loghost").toString();
            assertTrue(perFile.containsKey(audit), () -> "the audit trail's writes are traced: " + perFile.keySet());
            assertTrue(perFile.containsKey(web01.toString()), () -> "web01's writes are traced: " + perFile.keySet());
            for (var e : perFile.entrySet()) {
                String calls = String.join("", e.getValue());
                assertTrue(calls.contains("W"), e.getKey() + ": " + calls);
                // Each append is one write call here (a few short lines, far below the 64 KiB buffer): every write
                // is followed by an fsync of the same file before the next write to it.
                assertFalse(calls.contains("WW"), e.getKey() + " has a write not synced before the next: " + calls);
                assertFalse(calls.endsWith("W"), e.getKey() + " ends with an unsynced write: " + calls);
            }
        }
    }

    private static Path dayFile(Path data, String host) throws IOException {
        try (Stream<Path> s = Files.list(data.resolve("hosts").resolve(host))) {
            List<Path> days = s.filter(p -> p.getFileName().toString().endsWith(".log")).sorted().toList();
            assertEquals(1, days.size(), days::toString);
            return days.get(0).toAbsolutePath();
        }
    }

    private static boolean isOpen(long pid, Path file) throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc/" + pid + "/fd"))) {
            return fds.anyMatch(fd -> {
                try {
                    return Files.readSymbolicLink(fd).equals(file);
                } catch (IOException e) {
                    return false; // closed between the listing and the read: not open
                }
            });
        }
    }
}
