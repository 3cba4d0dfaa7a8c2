package loghost.packaging;

import static loghost.packaging.PackageMachine.OLD_SPOOL;
import static loghost.packaging.PackageMachine.SPOOL;
import static loghost.packaging.PackageMachine.asLoghost;
import static loghost.packaging.PackageMachine.sh;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import loghost.testing.Await;
import loghost.testing.KeyGen;
import loghost.testing.Run;
import loghost.testing.ServerProcess;
import org.junit.jupiter.api.Test;

/**
 * Issue 21 item 14: the postinst moves an earlier build's spool, /var/lib/loghost/spool, to /var/spool/loghost on
 * an upgrade (here: the .deb installed again over itself), with its bytes, owners and modes, and the forwarder on
 * the moved spool delivers what was waiting in it as the same stream. Run again, the postinst changes nothing; with
 * a spool in both places it deletes neither.
 */
class SpoolMigrationIT {

    private static final String WAITING = "spooled before the upgrade";
    private static final String AFTER = "sent after the upgrade";

    /** Every file under {@code dir} (the directory too): owner, group, mode and SHA-256 of its bytes. */
    private static Map<String, String> tree(Path dir) throws Exception {
        Map<String, String> out = new TreeMap<>();
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.toList()) {
                PosixFileAttributes a = Files.readAttributes(p, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                String bytes = a.isRegularFile()
                        ? HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p)))
                        : a.isDirectory() ? "dir" : "other";
                out.put(dir.relativize(p).toString(), a.owner().getName() + ":" + a.group().getName() + " "
                        + PosixFilePermissions.toString(a.permissions()) + " " + bytes);
            }
        }
        return out;
    }

    private static List<String> forward(Path base, int port, Path spool) {
        return asLoghost("/usr/bin/loghost", "forward", "--to", "127.0.0.1:" + port, "--key",
                base.resolve("web01").toString(), "--known-hosts", base.resolve("known_hosts").toString(), "--spool",
                spool.toString(), "--stdin");
    }

    @Test
    void upgradeMovesTheOldSpoolWhoseWaitingLineIsThenDeliveredAndARerunChangesNothing() throws Exception {
        PackageMachine machine = PackageMachine.before();
        Path deb = PackageMachine.deb("loghost_*_all.deb");
        Path base = Files.createTempDirectory("loghost-spool-move");
        Process serve = null;
        try {
            Run.Result install = sh("dpkg", "-i", deb.toString());
            assertEquals(0, install.exit(), install::toString);
            Files.setPosixFilePermissions(base, PosixFilePermissions.fromString("rwx--x--x"));
            Path key = KeyGen.generate(base, "web01", "ed25519");
            Files.setPosixFilePermissions(KeyGen.pub(key), PosixFilePermissions.fromString("rw-r--r--"));
            assertEquals(0, sh("chown", "loghost:loghost", key.toString()).exit());
            // One port for both forwarders: the spool's destination is the loghost's address, and it is the same.
            int port;
            try (ServerSocket s = new ServerSocket(0)) {
                port = s.getLocalPort();
            }
            Map<String, String> before = earlierBuildsSpool(base, port);

            // The upgrade; the fresh install left an empty /var/spool/loghost, which gives way.
            Run.Result upgrade = sh("dpkg", "-i", deb.toString());
            assertEquals(0, upgrade.exit(), upgrade::toString);
            assertFalse(Files.exists(OLD_SPOOL), "moved, not copied");
            assertEquals(before, tree(SPOOL), "the spool moved with its bytes, owners and modes");
            String version = sh("dpkg-query", "-W", "-f", "${Version}", "loghost").stdout();
            Run.Result again = sh("/var/lib/dpkg/info/loghost.postinst", "configure", version);
            assertEquals(0, again.exit(), again::toString);
            assertEquals(before, tree(SPOOL), "a second run changes nothing");
            assertEquals("", again.stdout() + again.stderr(), again::toString);

            // A spool in both places: neither is deleted nor merged, and the postinst says so.
            assertEquals(0, sh("install", "-d", "-m", "0700", "-o", "loghost", "-g", "loghost",
                    OLD_SPOOL.toString()).exit());
            Files.writeString(OLD_SPOOL.resolve("stray"), "unsent\n");
            Map<String, String> stray = tree(OLD_SPOOL);
            Run.Result both = sh("/var/lib/dpkg/info/loghost.postinst", "configure", version);
            assertEquals(0, both.exit(), both::toString);
            assertTrue(both.stderr().startsWith("loghost: /var/lib/loghost/spool (an earlier build's spool) is kept "
                    + "beside /var/spool/loghost"), both::toString);
            assertEquals(stray, tree(OLD_SPOOL));
            assertEquals(before, tree(SPOOL));
            assertEquals(0, sh("rm", "-r", OLD_SPOOL.toString()).exit());

            serve = serve(base, port);
            awaitListening(serve, base, port);
            Files.writeString(base.resolve("after.txt"), AFTER + "\n");
            Run.Result resumed = Run.run(forward(base, port, SPOOL), base.resolve("after.txt"), null, 180);
            assertEquals(0, resumed.exit(), resumed::toString);
            assertFalse(resumed.stderr().contains("stream-created"), "the moved spool keeps its stream: " + resumed);
            Run.Result cat = Run.run(asLoghost("/usr/bin/loghost", "cat", "--data", base.resolve("data").toString(),
                    "--host", "web01"), null, null, 60);
            assertEquals(WAITING + "\n" + AFTER + "\n", cat.stdout(), cat::toString);
        } finally {
            if (serve != null) {
                serve.destroy();
                assertTrue(serve.waitFor(60, TimeUnit.SECONDS), "serve stops on SIGTERM");
            }
            machine.restore();
            Run.run("rm", "-rf", base.toString());
        }
    }

    /**
     * An earlier build's layout: /var/lib/loghost/spool, written by a forwarder that could not reach its loghost
     * (nothing listens on {@code port} yet; one line waiting in a segment) and stopped as systemctl stop stops it, leaving its stream id and spool-state.
     */
    private static Map<String, String> earlierBuildsSpool(Path base, int port) throws Exception {
        assertEquals(0, sh("install", "-d", "-m", "0700", "-o", "loghost", "-g", "loghost", OLD_SPOOL.toString())
                .exit());
        Files.writeString(base.resolve("waiting.txt"), WAITING + "\n");
        ProcessBuilder pb = new ProcessBuilder(forward(base, port, OLD_SPOOL));
        pb.redirectInput(base.resolve("waiting.txt").toFile());
        pb.redirectErrorStream(true);
        pb.redirectOutput(base.resolve("old-forward.log").toFile());
        Process old = pb.start();
        try {
            Await.until(() -> "the line in a segment of " + OLD_SPOOL + ": " + ServerProcess.read(
                    base.resolve("old-forward.log")), () -> segmentsHold(WAITING));
        } finally {
            old.destroy();
            assertTrue(old.waitFor(60, TimeUnit.SECONDS), "forward stops on SIGTERM");
        }
        Map<String, String> tree = tree(OLD_SPOOL);
        assertTrue(tree.keySet().containsAll(List.of("spool-state", "stream-id")), tree::toString);
        assertTrue(tree.keySet().stream().anyMatch(n -> n.endsWith(".seg")), tree::toString);
        return tree;
    }

    private static boolean segmentsHold(String line) throws Exception {
        try (Stream<Path> files = Files.list(OLD_SPOOL)) {
            for (Path seg : files.filter(p -> p.toString().endsWith(".seg")).toList()) {
                if (new String(Files.readAllBytes(seg), StandardCharsets.ISO_8859_1).contains(line)) {
                    return true;
                }
            }
        }
        return false;
    }

    /** serve as loghost on a data directory of the test's own, web01's key enrolled. */
    private static Process serve(Path base, int port) throws Exception {
        Path data = base.resolve("data");
        Files.createDirectory(data, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        assertEquals(0, sh("chown", "loghost:loghost", data.toString()).exit());
        Run.Result enroll = Run.run(asLoghost("/usr/bin/loghost", "enroll", "--data", data.toString(), "web01",
                KeyGen.pub(base.resolve("web01")).toString()), null, null, 60);
        assertEquals(0, enroll.exit(), enroll::toString);
        return new ProcessBuilder(asLoghost("/usr/bin/loghost", "serve", "--data", data.toString(), "--listen",
                "127.0.0.1:" + port)).redirectError(base.resolve("serve.err").toFile()).start();
    }

    /** Waits for serve to listen on {@code port}; known_hosts for it from its host key, readable by loghost. */
    private static void awaitListening(Process serve, Path base, int port) throws Exception {
        BufferedReader out = new BufferedReader(new InputStreamReader(serve.getInputStream(), StandardCharsets.UTF_8));
        String first = out.readLine();
        assertNotNull(first, () -> "serve printed nothing: " + ServerProcess.read(base.resolve("serve.err")));
        assertEquals("listening on 127.0.0.1:" + port, first);
        Files.writeString(base.resolve("known_hosts"), "[127.0.0.1]:" + port + " "
                + Files.readString(base.resolve("data/ssh_host_ed25519_key.pub")).strip() + "\n");
        Files.setPosixFilePermissions(base.resolve("known_hosts"), PosixFilePermissions.fromString("rw-r--r--"));
    }
}
