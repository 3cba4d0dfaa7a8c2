package loghost.packaging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import loghost.testing.KeyGen;
import loghost.testing.Run;
import org.junit.jupiter.api.Test;

/**
 * The built .deb, installed with dpkg on this machine as a sysadmin would: the launcher, the loghost user and
 * /var/lib/loghost, serve run as that user, a line pushed with the stock ssh, verify, then remove and purge
 * (which keep the data). Runs after {@code package} (failsafe), and only as root, where dpkg can install.
 */
class DebianPackageIT {

    /** The newest package built (snapshot versions carry a timestamp, so earlier builds may lie beside it). */
    private static Path deb() throws Exception {
        Path newest = null;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(Path.of("target"), "loghost_*_all.deb")) {
            for (Path p : ds) {
                if (newest == null || Files.getLastModifiedTime(p).compareTo(Files.getLastModifiedTime(newest)) > 0) {
                    newest = p;
                }
            }
        }
        assertNotNull(newest, "no target/loghost_*_all.deb: the package phase builds it");
        return newest;
    }

    private static Run.Result sh(String... cmd) throws Exception {
        return Run.run(List.of(cmd), null, null, 120);
    }

    /** The command run as the loghost user (setpriv execs it, so signals reach the JVM itself). */
    private static List<String> asLoghost(String... cmd) {
        List<String> c = new ArrayList<>(List.of("setpriv", "--reuid=loghost", "--regid=loghost", "--init-groups",
                "--reset-env"));
        c.addAll(List.of(cmd));
        return c;
    }

    /**
     * The README's host-key steps ("Enroll a real host"), command by command as root on the installed package;
     * between ssh-keygen and the chown, the forwarder as loghost refuses root's key in one line naming the fix.
     */
    private static Path readmeHostKeySteps() throws Exception {
        Path key = Path.of("/etc/loghost/id_ed25519");
        assumeTrue(!Files.exists(key), "this machine has its own " + key + ": not overwritten");
        for (String cmd : PackageLayoutTest.readmeCommands("package-host-key")) {
            Run.Result r = sh("sh", "-c", cmd);
            assertEquals(0, r.exit(), () -> cmd + ": " + r);
            if (cmd.startsWith("ssh-keygen ")) {
                Run.Result refused = Run.run(asLoghost("/usr/bin/loghost", "forward", "--config",
                        "/etc/loghost/forward.conf", "--stdin"), null, null, 60);
                assertEquals(1, refused.exit(), refused::toString);
                assertTrue(refused.stderr().startsWith("loghost: error: private key " + key + " cannot be read by "
                        + "loghost, who runs loghost (owner root, mode rw-------); fix with: chown loghost " + key),
                        refused::toString);
            }
        }
        assertEquals("loghost", Files.getOwner(key).getName());
        return key;
    }

    @Test
    void installServeAsTheLoghostUserPushVerifyRemoveAndPurgeKeepingTheData() throws Exception {
        PackageMachine machine = PackageMachine.before();
        Path deb = deb();
        // A data directory of the test's own (the machine's /var/lib/loghost is left as it was).
        Path base = Files.createTempDirectory("loghost-pkg");
        Run.Result install = sh("dpkg", "-i", deb.toString());
        assertEquals(0, install.exit(), install::toString);
        try {
            assertTrue(Files.isExecutable(Path.of("/usr/bin/loghost")));
            assertEquals(0, sh("id", "loghost").exit(), "the package creates the loghost user");
            PosixFileAttributes var = Files.readAttributes(Path.of("/var/lib/loghost"), PosixFileAttributes.class,
                    LinkOption.NOFOLLOW_LINKS);
            assertEquals("rwx------", PosixFilePermissions.toString(var.permissions()));
            assertEquals("loghost", var.owner().getName());
            Run.Result units = sh("systemd-analyze", "verify", "/lib/systemd/system/loghost.service",
                    "/lib/systemd/system/loghost-forward.service");
            assertEquals(0, units.exit(), units::toString);
            assertEquals("", units.stdout() + units.stderr(), "systemd-analyze has no complaint");

            assertTrue(Files.readString(Path.of("/usr/share/man/man1/loghost-tail.1")).startsWith(".TH LOGHOST-TAIL 1"));
            Run.Result completion = sh("bash", "-c", "source /usr/share/bash-completion/completions/loghost && "
                    + "complete -p loghost");
            assertEquals(0, completion.exit(), completion::toString);

            // Installed, the commands find /etc/loghost/loghost.conf and so /var/lib/loghost without flags.
            Run.Result status = Run.run(asLoghost("/usr/bin/loghost", "status"), null, null, 60);
            assertTrue(status.stdout().startsWith("status: "), status::toString);
            Run.Result wrongData = Run.run(asLoghost("/usr/bin/loghost", "cat", "--host", "nosuchhost"), null, null, 60);
            assertTrue(wrongData.stderr().contains("no log for host nosuchhost in /var/lib/loghost/hosts"),
                    wrongData::toString);

            // Issue 21 item 2: with /etc/loghost closed to the loghost user, the launcher fell back to ./data and
            // status said "0 hosts", exit 0. A config it cannot read is an error naming it, UNKNOWN for --nagios.
            Path etc = Path.of("/etc/loghost");
            java.util.Set<java.nio.file.attribute.PosixFilePermission> etcMode = Files.getPosixFilePermissions(etc);
            Files.setPosixFilePermissions(etc, PosixFilePermissions.fromString("rwx------"));
            try {
                Run.Result closed = Run.run(asLoghost("/usr/bin/loghost", "status"), null, null, 60);
                assertEquals(1, closed.exit(), closed::toString);
                assertTrue(closed.stderr().startsWith("loghost: error: config file /etc/loghost/loghost.conf cannot "
                        + "be read (permission denied on a directory above it)"), closed::toString);
                Run.Result nagios = Run.run(asLoghost("/usr/bin/loghost", "status", "--nagios"), null, null, 60);
                assertEquals(3, nagios.exit(), nagios::toString);
                assertTrue(nagios.stdout().startsWith("LOGHOST UNKNOWN - config file /etc/loghost/loghost.conf "
                        + "cannot be read"), nagios::toString);
            } finally {
                Files.setPosixFilePermissions(etc, etcMode);
            }
            // The forwarder's spool is the package's, apart from the data directory, and loghost can write it.
            PosixFileAttributes spool = Files.readAttributes(Path.of("/var/spool/loghost"), PosixFileAttributes.class,
                    LinkOption.NOFOLLOW_LINKS);
            assertEquals("rwx------", PosixFilePermissions.toString(spool.permissions()));
            assertEquals("loghost", spool.owner().getName());
            // The README's monitoring line, verbatim: runuser works where sudo is missing, loghost reads the config.
            Run.Result nagios = sh("sh", "-c", PackageLayoutTest.readmeCommands("package-loghost").stream()
                    .filter(c -> c.contains("status --nagios")).findFirst().orElseThrow());
            assertTrue(nagios.stdout().startsWith("LOGHOST ") && !nagios.stdout().startsWith("LOGHOST UNKNOWN"),
                    nagios::toString);
            Path hostKey = readmeHostKeySteps();

            Files.setPosixFilePermissions(base, PosixFilePermissions.fromString("rwx--x--x"));
            Path data = base.resolve("data");
            Files.createDirectory(data, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            assertEquals(0, sh("chown", "loghost:loghost", data.toString()).exit());
            Path key = KeyGen.generate(base, "web01", "ed25519");
            Files.setPosixFilePermissions(KeyGen.pub(key), PosixFilePermissions.fromString("rw-r--r--"));
            Run.Result enroll = Run.run(asLoghost("/usr/bin/loghost", "enroll", "--data", data.toString(), "web01",
                    KeyGen.pub(key).toString()), null, null, 60);
            assertEquals(0, enroll.exit(), enroll::toString);
            Run.Result enrollHost = Run.run(asLoghost("/usr/bin/loghost", "enroll", "--data", data.toString(), "web02",
                    hostKey + ".pub"), null, null, 60);
            assertEquals(0, enrollHost.exit(), enrollHost::toString);

            Process serve = new ProcessBuilder(asLoghost("/usr/bin/loghost", "serve", "--data", data.toString(),
                    "--listen", "127.0.0.1:0")).redirectError(base.resolve("serve.err").toFile()).start();
            int port;
            try (BufferedReader out = new BufferedReader(new InputStreamReader(serve.getInputStream(),
                    StandardCharsets.UTF_8))) {
                String first = out.readLine();
                assertNotNull(first, () -> "serve printed nothing: " + loghost.testing.ServerProcess.read(base.resolve("serve.err")));
                Matcher m = Pattern.compile("listening on 127\\.0\\.0\\.1:(\\d+)").matcher(first);
                assertTrue(m.matches(), first);
                port = Integer.parseInt(m.group(1));
                Path knownHosts = base.resolve("known_hosts");
                Files.writeString(knownHosts, "[127.0.0.1]:" + port + " "
                        + Files.readString(data.resolve("ssh_host_ed25519_key.pub")).strip() + "\n");
                Path in = base.resolve("line.txt");
                Files.writeString(in, "hello from the installed package\n");
                Run.Result push = Run.run(List.of("ssh", "-T", "-p", String.valueOf(port), "-i", key.toString(),
                        "-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes", "-o", "UserKnownHostsFile=" + knownHosts,
                        "-o", "StrictHostKeyChecking=yes", "log@127.0.0.1", "append-log"), in, null, 60);
                assertEquals(0, push.exit(), push::toString);
                // The packaged forwarder's way: as loghost, with forward.conf's key (the README's), into a spool.
                Path fwdSpool = base.resolve("spool");
                Files.createDirectory(fwdSpool);
                assertEquals(0, sh("chown", "loghost:loghost", fwdSpool.toString(), knownHosts.toString()).exit());
                Path in2 = base.resolve("line2.txt");
                Files.writeString(in2, "hello from the README's host key\n");
                Run.Result fwd = Run.run(asLoghost("/usr/bin/loghost", "forward", "--config",
                        "/etc/loghost/forward.conf", "--to", "127.0.0.1:" + port, "--known-hosts", knownHosts.toString(), "--spool",
                        fwdSpool.toString(), "--stdin"), in2, null, 120);
                assertEquals(0, fwd.exit(), fwd::toString);
            } finally {
                serve.destroy();
                assertTrue(serve.waitFor(30, TimeUnit.SECONDS), "serve stops on SIGTERM");
            }
            // The clean stop sealed the line: checked with the verification key the first start wrote.
            Run.Result verify = Run.run(asLoghost("/usr/bin/loghost", "verify", "--data", data.toString(), "--key",
                    data.resolve("seal.pub").toString()), null, null, 60);
            assertEquals(0, verify.exit(), verify::toString);
            assertTrue(verify.stdout().contains("verify: sealed: hosts/web01: until "), verify::toString);
            assertTrue(verify.stdout().lines().reduce((a, b) -> b).orElse("").startsWith("verify: OK: "),
                    verify::toString);
            Run.Result cat = Run.run(asLoghost("/usr/bin/loghost", "cat", "--data", data.toString(), "--host",
                    "web01"), null, null, 60);
            assertEquals("hello from the installed package\n", cat.stdout(), cat::toString);
            Run.Result cat2 = Run.run(asLoghost("/usr/bin/loghost", "cat", "--data", data.toString(), "--host",
                    "web02"), null, null, 60);
            assertEquals("hello from the README's host key\n", cat2.stdout(), cat2::toString);
        } finally {
            Files.deleteIfExists(Path.of("/etc/loghost/id_ed25519"));
            Files.deleteIfExists(Path.of("/etc/loghost/id_ed25519.pub"));
            Run.Result remove = sh("dpkg", "-r", "loghost");
            assertEquals(0, remove.exit(), remove::toString);
        }
        assertFalse(Files.exists(Path.of("/usr/bin/loghost")), "removed");
        assertTrue(Files.exists(Path.of("/etc/loghost/loghost.conf")), "dpkg -r keeps conffiles");
        Run.Result purge = sh("dpkg", "--purge", "loghost");
        assertEquals(0, purge.exit(), purge::toString);
        assertFalse(Files.exists(Path.of("/etc/loghost/loghost.conf")), "purge removes conffiles");
        assertTrue(Files.isDirectory(Path.of("/var/lib/loghost")), "purge never deletes the logs");
        assertFalse(Files.exists(Path.of("/var/spool/loghost")), "purge removes the spool the test left empty");
        assertTrue(purge.stderr().contains("loghost: /var/lib/loghost (the logs, host key and enrolled keys) is kept"),
                purge::toString);
        // What purge keeps by design and this test made (the user, the data directory) goes: a rerun starts clean.
        machine.restore();
        Run.run("rm", "-rf", base.toString());
    }
}
