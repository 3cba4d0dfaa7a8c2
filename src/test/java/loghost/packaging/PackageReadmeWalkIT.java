package loghost.packaging;

import static loghost.packaging.PackageMachine.asLoghost;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import loghost.testing.Await;
import loghost.testing.Run;
import org.junit.jupiter.api.Test;

/**
 * Issue 21 item 12: README.md's package sections followed block by block, as root, on this machine with the built
 * .deb: the loghost and the forwarding host are one machine here, the hand steps between them are the README's
 * {@code walk:} markers ({@link ReadmeWalk}), and the only changes to the text are the documented placeholders (the
 * loghost's name and port, the host's address). Every block exits 0, and a line written into the forwarder's FIFO
 * is what {@code loghost cat} shows. systemd does not run in a test container: {@code src/test/packaging/systemctl},
 * first in the walk's PATH, runs each unit's ExecStartPre and ExecStart as its User, as systemd would.
 */
class PackageReadmeWalkIT {

    private static final String LINE = "hello from the README walk";

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** The README's example values and what stands for them on this machine. */
    private static Map<String, String> placeholders(int port) {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("loghost.example.org", "127.0.0.1");
        p.put("192.0.2.10", "127.0.0.1");
        p.put("2222", String.valueOf(port));
        return p;
    }

    private static String substitute(String text, Map<String, String> placeholders) {
        for (Map.Entry<String, String> e : placeholders.entrySet()) {
            text = text.replace(e.getKey(), e.getValue());
        }
        return text;
    }

    @Test
    void rootFollowingTheReadmesPackageSectionsGetsAFifoLineIntoLoghostCat() throws Exception {
        PackageMachine machine = PackageMachine.before();
        List<ReadmeWalk.Step> steps = ReadmeWalk.steps(PackageLayoutTest.read(PackageLayoutTest.README));
        Path dir = Files.createTempDirectory("loghost-walk");
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path bin = Files.createDirectory(dir.resolve("bin"));
        Path state = Files.createDirectory(dir.resolve("state"));
        Path systemctl = Files.copy(Path.of("src/test/packaging/systemctl"), bin.resolve("systemctl"));
        Files.setPosixFilePermissions(systemctl, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path deb = PackageMachine.deb("loghost_*_all.deb");
        Files.createSymbolicLink(dir.resolve(deb.getFileName()), deb);
        int port = freePort();
        Map<String, String> placeholders = placeholders(port);
        Map<String, String> env = new LinkedHashMap<>();
        env.put("PATH", bin + ":" + System.getenv("PATH"));
        env.put("WALK_STATE", state.toString());
        env.put("WALK_ARGS_loghost", "--listen 127.0.0.1:" + port);
        env.put("WALK_READY_loghost", "listening on 127.0.0.1:" + port);
        env.put("WALK_WAIT_SECONDS", String.valueOf(Await.WAIT.toSeconds()));
        List<ReadmeWalk.Block> last = new ArrayList<>();
        int run = 0;
        int skipped = 0;
        int blocks = 0;
        try {
            for (ReadmeWalk.Step step : steps) {
                if (step instanceof ReadmeWalk.Block b) {
                    blocks++;
                    if (b.skip() != null) {
                        skipped++;
                        System.out.println("walk: skipped (" + b.skip() + "): " + b.first());
                    } else if (b.last() != null) {
                        last.add(b);
                    } else {
                        runBlock(b, dir, env, placeholders);
                        run++;
                    }
                } else if (step instanceof ReadmeWalk.Copy c) {
                    Files.copy(dir.resolve(c.from()), dir.resolve(c.to()), StandardCopyOption.REPLACE_EXISTING,
                            StandardCopyOption.COPY_ATTRIBUTES);
                } else if (step instanceof ReadmeWalk.Edit e) {
                    Path file = Path.of(e.file());
                    Files.writeString(file, substitute(Files.readString(file), placeholders));
                }
            }
            assertEquals(0, Run.run(List.of("sh", "-c", "echo '" + LINE + "' > /run/loghost/loghost.fifo"), null,
                    null, 120).exit(), "syslog's part: a line into the forwarder's FIFO");
            String cat = Await.until(() -> "the FIFO's line in loghost cat; forwarder: " + log(state, "loghost-forward")
                    + "\nserve: " + log(state, "loghost"), () -> Run.run(asLoghost("/usr/bin/loghost", "cat",
                    "--host", "web01"), null, null, 60).stdout(), out -> out.contains(LINE));
            assertEquals(LINE + "\n", cat, "the one line the walk sent, stored under the host its key names");
            for (ReadmeWalk.Block b : last) {
                Run.Result r = runBlock(b, dir, env, placeholders);
                run++;
                if (b.text().contains("loghost keys --revoked")) {
                    assertTrue(r.stdout().contains("web01"), r::toString);
                }
            }
            assertEquals(blocks, run + skipped, "every block run or skipped with a reason");
            assertTrue(run >= 6 && skipped <= 1, "the walk runs the package sections, not a skip list: " + run
                    + " run, " + skipped + " skipped");
        } finally {
            stop(state, "loghost-forward");
            stop(state, "loghost");
            machine.restore();
            Files.deleteIfExists(Path.of("/tmp/web01.pub"));
            Run.run("rm", "-rf", dir.toString());
        }
    }

    /** One block through {@code sh -e} in the walk's directory, placeholders replaced; it must exit 0. */
    private static Run.Result runBlock(ReadmeWalk.Block b, Path dir, Map<String, String> env,
            Map<String, String> placeholders) throws Exception {
        String text = substitute(b.text(), placeholders);
        System.out.println("walk: " + b.section() + "\n" + text);
        Run.Result r = Run.run(List.of("sh", "-ec", "cd " + dir + "\n" + text), null, env, 300);
        System.out.println(r);
        assertEquals(0, r.exit(), () -> b.section() + ", the block\n" + text + "fails: " + r);
        return r;
    }

    private static String log(Path state, String unit) {
        try {
            Path log = state.resolve(unit + ".log");
            return Files.exists(log) ? Files.readString(log) : "(not started)";
        } catch (java.io.IOException e) {
            return e.toString();
        }
    }

    /** SIGTERM to a unit the walk started, as systemctl stop would, and its clean exit awaited. */
    private static void stop(Path state, String unit) throws Exception {
        Path pidFile = state.resolve(unit + ".pid");
        if (!Files.exists(pidFile)) {
            return;
        }
        ProcessHandle p = ProcessHandle.of(Long.parseLong(Files.readString(pidFile).strip())).orElse(null);
        if (p == null) {
            return;
        }
        p.destroy();
        if (!Await.within(Await.scaled(Duration.ofSeconds(60)), () -> !p.isAlive())) {
            p.destroyForcibly();
            fail(unit + " did not stop on SIGTERM: " + log(state, unit));
        }
    }
}
