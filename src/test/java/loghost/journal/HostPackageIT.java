package loghost.journal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.util.ArrayList;
import java.util.List;
import loghost.testing.Await;
import loghost.testing.KeyGen;
import loghost.testing.Run;
import loghost.testing.TestServer;
import loghost.testing.Tools;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The built host package (target/loghost-push_VERSION_all.deb) installed with dpkg on this machine: it depends on
 * openssh-client only, makes the user loghost-push in systemd-journal, its units (the journal's, the file template's)
 * pass {@code systemd-analyze verify}, and the installed scripts, run as that user as the units run them, deliver a
 * real journal and a file only group adm reads. Removed and purged after.
 * Runs after {@code package} (failsafe), and only as root, where dpkg can install.
 */
class HostPackageIT {

    @TempDir
    Path tmp;

    private static Path deb() throws Exception {
        Path newest = null;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(Path.of("target"), "loghost-push_*_all.deb")) {
            for (Path p : ds) {
                if (newest == null || Files.getLastModifiedTime(p).compareTo(Files.getLastModifiedTime(newest)) > 0) {
                    newest = p;
                }
            }
        }
        assertNotNull(newest, "no target/loghost-push_*_all.deb: the package phase builds it");
        return newest;
    }

    private static Run.Result run(String... cmd) throws Exception {
        return Run.run(List.of(cmd), null, null, 120);
    }

    @Test
    void installsAndTheInstalledScriptDeliversAJournalAsItsUser() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "dpkg -i needs root");
        Tools.SYSTEMD_ANALYZE.assume();
        Tools.JOURNAL_REMOTE.assume();
        Path deb = deb();
        assertEquals("openssh-client\n", run("dpkg-deb", "-f", deb.toString(), "Depends").stdout());
        boolean userExisted = run("id", "loghost-push").exit() == 0;
        Run.Result installed = run("dpkg", "-i", deb.toString());
        assertEquals(0, installed.exit(), installed::toString);
        try {
            assertTrue(run("id", "-nG", "loghost-push").stdout().contains("systemd-journal"), "user and group");
            verifies("/lib/systemd/system/loghost-push-journal.service", "loghost-push-journal");
            // The file unit is a template: verified as the instance the shipped example configures.
            verifies("/lib/systemd/system/loghost-push-file@syslog.service", "loghost-push-file@");
            assertTrue(Files.isExecutable(Path.of("/usr/bin/loghost-push-file")), "the file script installed");
            assertTrue(Files.isRegularFile(Path.of("/etc/loghost-push/file-syslog.conf")), "its example settings");
            deliversAsTheUnitsUser();
            deliversAFileAsTheUnitsUser();
        } finally {
            // The scripts' children (ssh, tail, journalctl) can outlive the kills above by a moment, or be
            // reparented before them, and userdel refuses a user with a live process (a fresh-clone run failed so:
            // "userdel: user loghost-push is currently used by process N"). Each is killed and gone before the purge.
            Await.until(() -> "every process of user loghost-push gone", () -> {
                run("pkill", "-KILL", "-u", "loghost-push");
                return run("pgrep", "-u", "loghost-push").exit();
            }, exit -> exit == 1);
            assertEquals(0, run("dpkg", "--purge", "loghost-push").exit());
            // Purge keeps a system user (Debian's rule: it may still own files); the one this test made goes, so
            // that a second run on this machine starts as the first did and sees the package make it.
            if (!userExisted) {
                Run.Result userdel = run("userdel", "loghost-push");
                assertEquals(0, userdel.exit(), userdel::toString);
                if (run("getent", "group", "loghost-push").exit() == 0) {
                    assertEquals(0, run("groupdel", "loghost-push").exit(), "groupdel loghost-push");
                }
            }
        }
        if (!userExisted) {
            assertEquals(2, run("getent", "passwd", "loghost-push").exit(), "the user the test's install made is gone");
        }
    }

    // systemd-analyze verify on an installed unit: the only complaint allowed is that a machine with no systemd
    // running (a container) has no sysinit.target.
    private static void verifies(String unit, String name) throws Exception {
        Run.Result verify = run("systemd-analyze", "verify", unit);
        List<String> complaints = verify.stderr().lines().filter(l -> l.contains(name))
                .filter(l -> !l.contains("Unit sysinit.target not found")).toList();
        assertEquals(List.of(), complaints, verify::toString);
    }

    // The installed file script as user loghost-push with group adm (setpriv, as the unit's User= and
    // SupplementaryGroups= would) on a file only root and adm read, as Debian's /var/log/syslog.
    private void deliversAFileAsTheUnitsUser() throws Exception {
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path file = tmp.resolve("app.log");
        StringBuilder text = new StringBuilder();
        for (int i = 1; i <= 12; i++) {
            text.append("app line ").append(i).append('\n');
        }
        Files.writeString(file, text);
        var adm = tmp.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByGroupName("adm");
        Files.getFileAttributeView(file, java.nio.file.attribute.PosixFileAttributeView.class).setGroup(adm);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r-----"));
        try (TestServer server = new TestServer(Files.createDirectories(tmp.resolve("file")), "")) {
            Path key = KeyGen.generate(tmp, "web02", "ed25519");
            server.enroll("web02", key);
            Files.setOwner(key, tmp.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("loghost-push"));
            List<String> cmd = List.of("setpriv", "--reuid=loghost-push", "--regid=loghost-push", "--groups=adm",
                    "--reset-env", "env", "HOME=/nonexistent", "LOGHOST=log@127.0.0.1",
                    "LOGHOST_PORT=" + server.port(), "LOGHOST_KEY=" + key,
                    "LOGHOST_KNOWN_HOSTS=" + tmp.resolve("file/known_hosts"),
                    "LOGHOST_SSH_OPTS=-F /dev/null -o IdentityAgent=none -o LogLevel=ERROR",
                    "LOGHOST_FILE=" + file, "LOGHOST_NAME=app", "RETRY_SECONDS=1", "/usr/bin/loghost-push-file");
            ProcessBuilder pb = new ProcessBuilder(cmd);
            pb.redirectInput(new File("/dev/null"));
            pb.redirectErrorStream(true);
            pb.redirectOutput(tmp.resolve("file-script.log").toFile());
            Process p = pb.start();
            try {
                Await.until(() -> "12 lines; script: " + read(tmp.resolve("file-script.log")),
                        () -> fileLines(server.data()), l -> l.size() >= 12);
                assertEquals(List.of(text.toString().split("\n")), fileLines(server.data()));
            } finally {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
            }
        }
    }

    private static List<String> fileLines(Path data) throws Exception {
        return loghost.testing.HostRecords.read(data, "web02").stream()
                .filter(r -> r.type().equals("log") && r.meta().contains(",c=f.app.")).map(r -> r.text()).toList();
    }

    // The installed script as user loghost-push (setpriv, as systemd's User= would) on a journal only its group reads.
    private void deliversAsTheUnitsUser() throws Exception {
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path journal = Files.createDirectories(tmp.resolve("journal"));
        JournalPushRig.write(journal, 1, 12);
        UserPrincipal root = Files.getOwner(journal);
        var group = tmp.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByGroupName("systemd-journal");
        for (Path p : List.of(journal, journal.resolve("remote.journal"))) {
            Files.getFileAttributeView(p, java.nio.file.attribute.PosixFileAttributeView.class).setGroup(group);
            Files.setOwner(p, root);
        }
        Files.setPosixFilePermissions(journal, PosixFilePermissions.fromString("rwxr-x---"));
        Files.setPosixFilePermissions(journal.resolve("remote.journal"), PosixFilePermissions.fromString("rw-r-----"));
        try (TestServer server = new TestServer(tmp, "")) {
            Path key = KeyGen.generate(tmp, "web01", "ed25519");
            server.enroll("web01", key);
            Files.setOwner(key, tmp.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("loghost-push"));
            List<String> cmd = new ArrayList<>(List.of("setpriv", "--reuid=loghost-push", "--regid=loghost-push",
                    "--init-groups", "--reset-env", "env", "HOME=/nonexistent", "LOGHOST=log@127.0.0.1",
                    "LOGHOST_PORT=" + server.port(), "LOGHOST_KEY=" + key,
                    "LOGHOST_KNOWN_HOSTS=" + tmp.resolve("known_hosts"),
                    "LOGHOST_SSH_OPTS=-F /dev/null -o IdentityAgent=none -o LogLevel=ERROR",
                    "JOURNALCTL_ARGS=--directory=" + journal, "RETRY_SECONDS=1", "/usr/bin/loghost-push-journal"));
            ProcessBuilder pb = new ProcessBuilder(cmd);
            pb.redirectInput(new File("/dev/null"));
            pb.redirectErrorStream(true);
            pb.redirectOutput(tmp.resolve("script.log").toFile());
            Process p = pb.start();
            try {
                Await.until(() -> "12 entries; script: " + read(tmp.resolve("script.log")),
                        () -> JournalPushRig.pushed(server.data(), "web01").size(), n -> n >= 12);
                assertEquals(12, JournalPushRig.pushed(server.data(), "web01").size());
            } finally {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
            }
        }
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (Exception e) {
            return e.toString();
        }
    }
}
