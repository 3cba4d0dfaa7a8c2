package loghost.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import loghost.testing.Cli;
import loghost.testing.KeyGen;
import loghost.testing.Run;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The hints a sysadmin follows when a file belongs to the wrong user: root running a command on the loghost user's
 * store is told to run it as that user (never to chown the store to root, which stops the next packaged serve), and a
 * forwarder whose key it cannot read stops with one line naming the key and the chown.
 */
class OwnershipHintsTest {

    private static final boolean ROOT = "root".equals(System.getProperty("user.name"));

    @TempDir
    Path dir;

    /** A store that belongs to {@code nobody} with one enrolled key, as the packaged store belongs to loghost. */
    private Path storeOfNobody() throws Exception {
        Path data = dir.resolve("data");
        Path key = KeyGen.generate(dir, "web01", "ed25519");
        Run.Result enroll = Cli.main("enroll", "--data", data.toString(), "web01", KeyGen.pub(key).toString());
        assertEquals(0, enroll.exit(), enroll::toString);
        Run.Result chown = Run.run("chown", "-R", "nobody", data.toString());
        assertEquals(0, chown.exit(), chown::toString);
        return data;
    }

    @Test
    void keysAndEnrollRunAsRootOnTheLoghostUsersStoreSayRunAsThatUser() throws Exception {
        assumeTrue(ROOT, "needs root to give the store to another user (CI runs as root)");
        Path data = storeOfNobody();
        Path key = KeyGen.generate(dir, "web02", "ed25519");
        for (Run.Result r : List.of(Cli.main("keys", "--data", data.toString()),
                Cli.main("enroll", "--data", data.toString(), "web02", KeyGen.pub(key).toString()),
                Cli.main("revoke", "--data", data.toString(), "web01"))) {
            assertEquals(1, r.exit(), r::toString);
            assertTrue(r.stderr().contains("is owned by nobody, but loghost runs as root; run loghost as that user, "
                    + "e.g.: runuser -u nobody -- loghost ..."), r::toString);
            assertFalse(r.stderr().contains("chown"), r::toString);
        }
        assertEquals("nobody", Files.getOwner(data.resolve("enrolled_keys")).getName(), "nothing was chowned");
    }

    @Test
    void aStoreThisUserCannotEnterSaysRunAsTheLoghostUserWithoutSudo() throws Exception {
        assumeTrue(ROOT, "needs root to give the store to another user (CI runs as root)");
        Path data = storeOfNobody();
        // Root without the capabilities that bypass file modes: any user but the store's owner.
        Run.Result r = Run.run(List.of("setpriv", "--bounding-set", "-dac_override,-dac_read_search",
                ProcessHandle.current().info().command().orElse("java"), "-cp", System.getProperty("java.class.path"),
                "loghost.cli.Main", "keys", "--data", data.toString()), null, null, 120);
        assertEquals(1, r.exit(), r::toString);
        assertEquals("loghost: error: data directory " + data + " cannot be read by this user (run as the loghost "
                + "user; as root, with no sudo needed: runuser -u loghost -- loghost ...)\n", r.stderr());
    }

    @Test
    void forwarderWithAKeyItCannotReadStopsWithOneLineNamingTheKeyAndTheChown() throws Exception {
        Path key = KeyGen.generate(dir, "web01", "ed25519");
        List<String> cmd = new ArrayList<>();
        String me = System.getProperty("user.name");
        String owner;
        if (ROOT) {
            // Root without the capabilities that bypass file modes reads as any other user: the packaged forwarder
            // (User=loghost) meeting the key root made.
            assertEquals(0, Run.run("chown", "nobody", key.toString()).exit());
            cmd.addAll(List.of("setpriv", "--bounding-set", "-dac_override,-dac_read_search"));
            owner = "nobody";
        } else {
            Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("---------"));
            owner = me;
        }
        String mode = PosixFilePermissions.toString(Files.getPosixFilePermissions(key));
        cmd.addAll(List.of(ProcessHandle.current().info().command().orElse("java"), "-cp",
                System.getProperty("java.class.path"), "loghost.cli.Main", "forward", "--to", "127.0.0.1:9",
                "--key", key.toString(), "--known-hosts", dir.resolve("known_hosts").toString(), "--spool",
                dir.resolve("spool").toString(), "--stdin"));
        Run.Result r = Run.run(cmd, null, null, 120);
        assertEquals(1, r.exit(), r::toString);
        assertEquals("loghost: error: private key " + key + " cannot be read by " + me + ", who runs loghost (owner "
                + owner + ", mode " + mode + "); fix with: chown " + me + " " + key + "\n", r.stderr());
    }
}
