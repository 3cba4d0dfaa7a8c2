package loghost.packaging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import loghost.testing.Await;
import loghost.testing.Run;

/**
 * This machine as the package ITs find and leave it: root with dpkg, the newest built .deb, commands run as the
 * loghost user, and the state a test's install leaves behind (the kept data directory and spool, the user, keys)
 * taken back to what was there before, so that a second run starts as the first did.
 */
final class PackageMachine {

    static final Path DATA = Path.of("/var/lib/loghost");
    static final Path SPOOL = Path.of("/var/spool/loghost");
    static final Path OLD_SPOOL = DATA.resolve("spool");
    static final Path ETC = Path.of("/etc/loghost");

    private final boolean userExisted;
    private final boolean dataExisted;

    private PackageMachine(boolean userExisted, boolean dataExisted) {
        this.userExisted = userExisted;
        this.dataExisted = dataExisted;
    }

    /**
     * Skips unless root with dpkg on a machine with no loghost of its own (no data in /var/lib/loghost, no spool, no
     * forwarding key): an earlier run leaves at most an empty data directory and the user, both kept by design.
     */
    static PackageMachine before() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")) && Files.isExecutable(Path.of("/usr/bin/dpkg")),
                "installing a package needs root and dpkg");
        assumeTrue(!Files.exists(ETC.resolve("id_ed25519")), "this machine has its own /etc/loghost/id_ed25519");
        assumeTrue(!Files.exists(SPOOL), "this machine has its own " + SPOOL);
        boolean data = Files.isDirectory(DATA);
        if (data) {
            try (var list = Files.list(DATA)) {
                assumeTrue(list.findAny().isEmpty(), "this machine has its own data in " + DATA);
            }
        }
        return new PackageMachine(sh("id", "loghost").exit() == 0, data);
    }

    /** The newest package built matching {@code glob} (snapshot versions carry a timestamp, so older ones may lie beside it). */
    static Path deb(String glob) throws Exception {
        Path newest = null;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(Path.of("target"), glob)) {
            for (Path p : ds) {
                if (newest == null || Files.getLastModifiedTime(p).compareTo(Files.getLastModifiedTime(newest)) > 0) {
                    newest = p;
                }
            }
        }
        assertNotNull(newest, "no target/" + glob + ": the package phase builds it");
        return newest.toAbsolutePath();
    }

    /** Runs a command as root, up to two minutes. */
    static Run.Result sh(String... cmd) throws Exception {
        return Run.run(List.of(cmd), null, null, 120);
    }

    /** The command run as the loghost user (setpriv execs it, so signals reach the JVM itself). */
    static List<String> asLoghost(String... cmd) {
        List<String> c = new ArrayList<>(List.of("setpriv", "--reuid=loghost", "--regid=loghost", "--init-groups",
                "--reset-env"));
        c.addAll(List.of(cmd));
        return c;
    }

    /**
     * Purges the package and deletes what purge keeps by design and this test made: the data directory's contents
     * (the directory too if it was not there), the spool, /etc/loghost's keys, /run/loghost, the user if new.
     */
    void restore() throws Exception {
        if (sh("dpkg-query", "-W", "loghost").exit() == 0) {
            Run.Result purge = sh("dpkg", "--purge", "loghost");
            assertEquals(0, purge.exit(), purge::toString);
        }
        List<String> rm = new ArrayList<>(List.of("rm", "-rf", SPOOL.toString(), "/run/loghost",
                ETC.resolve("id_ed25519").toString(), ETC.resolve("id_ed25519.pub").toString(),
                ETC.resolve("known_hosts").toString()));
        if (!dataExisted) {
            rm.add(DATA.toString());
        }
        String emptyData = dataExisted ? " && find " + DATA + " -mindepth 1 -delete" : "";
        Run.Result removed = sh("sh", "-c", String.join(" ", rm) + emptyData + " && if [ -d " + ETC + " ]; then rmdir "
                + ETC + "; fi");
        assertEquals(0, removed.exit(), removed::toString);
        if (!userExisted && sh("id", "loghost").exit() == 0) {
            // userdel refuses a user with a live process: what the test ran as this user it made (a unit's command,
            // its ssh) may still be exiting. Only this test's own user, so no one else's process is touched.
            Await.until(() -> "every process of user loghost gone", () -> {
                sh("pkill", "-KILL", "-u", "loghost");
                return sh("pgrep", "-u", "loghost").exit();
            }, exit -> exit == 1);
            Run.Result userdel = sh("userdel", "loghost");
            assertEquals(0, userdel.exit(), userdel::toString);
            if (sh("getent", "group", "loghost").exit() == 0) {
                assertEquals(0, sh("groupdel", "loghost").exit(), "groupdel loghost");
            }
        }
    }
}
