package loghost.pull;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import loghost.testing.KeyGen;
import loghost.testing.Run;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's pull-mode user steps, run verbatim as root, against a real sshd with Debian's defaults that matter
 * here (UsePAM no, StrictModes yes, AuthorizedKeysFile .ssh/authorized_keys): without {@code usermod -p '*'} the
 * account adduser --system makes is locked and refused; with every step it runs the forced command.
 */
class PullUserReadmeTest {

    private static final String USER = "loghost-pull";

    @TempDir
    Path dir;

    private static List<String> steps() throws IOException {
        Matcher m = Pattern.compile("<!-- test: pull-user -->\n```sh\n(.*?)```", Pattern.DOTALL)
                .matcher(Files.readString(Path.of("README.md")));
        assertTrue(m.find(), "README.md has no pull-user block");
        return m.group(1).lines().map(l -> l.replaceAll("\\s+# .*$", "").strip()).filter(l -> !l.isEmpty()).toList();
    }

    private static Run.Result sh(String cmd) throws Exception {
        return Run.run(List.of("sh", "-c", cmd), null, null, 60);
    }

    @Test
    void readmeStepsMakeAUserStockSshdAcceptsAndOnlyTheUnlockStepMakesItSo() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")),
                "creating a system user needs root (CI runs as root)");
        assumeTrue(Files.isExecutable(Path.of("/usr/sbin/adduser")) && Files.isExecutable(Path.of("/usr/sbin/sshd")),
                "adduser and sshd: .ci/run installs openssh-server");
        assumeTrue(sh("getent passwd " + USER).exit() != 0, "this machine has its own " + USER + ": left alone");
        List<String> steps = steps();
        String unlock = "usermod -p '*' " + USER;
        assertTrue(steps.contains(unlock), steps::toString);
        try {
            for (String step : steps) {
                if (!step.equals(unlock)) {
                    Run.Result r = sh(step);
                    assertEquals(0, r.exit(), () -> step + ": " + r);
                }
            }
            Path home = Path.of(sh("getent passwd " + USER + " | cut -d: -f6").stdout().strip());
            Path key = KeyGen.generate(dir, "loghost_pull", "ed25519");
            Path auth = home.resolve(".ssh/authorized_keys");
            Files.writeString(auth, "restrict,from=\"127.0.0.1\",command=\"echo pulled\" "
                    + Files.readString(KeyGen.pub(key)).strip() + "\n");
            assertEquals(0, sh("chown " + USER + ":" + USER + " " + auth + " && chmod 600 " + auth).exit());
            try (Sshd sshd = new Sshd(dir)) {
                Run.Result locked = sshd.login(key);
                assertNotEquals(0, locked.exit(), locked::toString);
                assertTrue(sshd.log().contains("not allowed because account is locked"), sshd::log);
                assertEquals(0, sh(unlock).exit());
                Run.Result ok = sshd.login(key);
                assertEquals(0, ok.exit(), () -> ok + "\nsshd: " + sshd.log());
                assertEquals("pulled\n", ok.stdout());
            }
        } finally {
            sh("userdel -r " + USER + " 2>/dev/null; getent group " + USER + " >/dev/null && groupdel " + USER);
        }
    }

    /** A private sshd on 127.0.0.1 with the stock settings this test is about. */
    private static final class Sshd implements AutoCloseable {
        private final Path log;
        private final int port;
        private final Process process;

        Sshd(Path dir) throws Exception {
            Path hostKey = dir.resolve("ssh_host_ed25519_key");
            assertEquals(0, Run.run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", hostKey.toString()).exit());
            try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
                port = s.getLocalPort();
            }
            Path config = Files.writeString(dir.resolve("sshd_config"), String.join("\n", "Port " + port,
                    "ListenAddress 127.0.0.1", "HostKey " + hostKey, "PidFile " + dir.resolve("sshd.pid"),
                    "UsePAM no", "PasswordAuthentication no", "KbdInteractiveAuthentication no", "LogLevel VERBOSE",
                    ""));
            log = dir.resolve("sshd.log");
            process = new ProcessBuilder("/usr/sbin/sshd", "-D", "-e", "-f", config.toString())
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (true) {
                try (Socket s = new Socket()) {
                    s.connect(new InetSocketAddress("127.0.0.1", port), 1000);
                    return;
                } catch (IOException e) {
                    if (!process.isAlive() || System.nanoTime() > deadline) {
                        throw new IllegalStateException("sshd did not start: " + log(), e);
                    }
                    Thread.sleep(50);
                }
            }
        }

        Run.Result login(Path key) throws Exception {
            return Run.run(List.of("ssh", "-T", "-p", String.valueOf(port), "-i", key.toString(), "-o",
                    "IdentitiesOnly=yes", "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=no", "-o",
                    "UserKnownHostsFile=/dev/null", USER + "@127.0.0.1", "read", "/var/log/auth.log"), null, null, 60);
        }

        String log() {
            try {
                return Files.readString(log);
            } catch (IOException e) {
                return "(unreadable: " + e + ")";
            }
        }

        @Override
        public void close() throws InterruptedException {
            process.destroy();
            process.waitFor(30, TimeUnit.SECONDS);
        }
    }
}
