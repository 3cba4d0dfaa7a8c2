package loghost.ssh;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import loghost.testing.Cli;
import loghost.testing.Run;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** serve refuses a data directory that others can read or that belongs to someone else, saying what to fix. */
class DataDirectoryTest {

    @TempDir
    Path dir;

    @Test
    void worldReadableDataDirectoryIsRefused() throws Exception {
        Path data = dir.resolve("data");
        Files.createDirectory(data, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
        Files.setPosixFilePermissions(data, PosixFilePermissions.fromString("rwxr-xr-x"));
        Run.Result r = Cli.run(data, "serve", "--listen", "127.0.0.1:0");
        assertEquals(1, r.exit(), r::toString);
        assertEquals("loghost: error: data directory " + data + " has mode rwxr-xr-x (group or others can reach the "
                + "logs); fix with: chmod 700 " + data + "\n", r.stderr());
    }

    @Test
    void dataDirectoryOwnedBySomeoneElseIsRefused() throws Exception {
        Path data = dir.resolve("data");
        Files.createDirectory(data, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Run.Result chown = Run.run("chown", "nobody", data.toString());
        assertEquals(0, chown.exit(), chown::toString);
        String me = System.getProperty("user.name");
        Run.Result r = Cli.run(data, "serve", "--listen", "127.0.0.1:0");
        assertEquals(1, r.exit(), r::toString);
        assertEquals("loghost: error: data directory " + data + " is owned by nobody, but loghost runs as " + me
                + "; fix with: chown -R " + me + " " + data + "\n", r.stderr());
    }

    @Test
    void hostKeyReadableByOthersIsRefused() throws Exception {
        Path data = dir.resolve("data");
        Files.createDirectory(data, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Run.Result r = Run.run(java.util.List.of("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f",
                data.resolve("ssh_host_ed25519_key").toString()), null, null, 30);
        assertEquals(0, r.exit(), r::toString);
        Files.setPosixFilePermissions(data.resolve("ssh_host_ed25519_key"), PosixFilePermissions.fromString("rw-r--r--"));
        r = Cli.run(data, "serve", "--listen", "127.0.0.1:0");
        assertEquals(1, r.exit(), r::toString);
        assertEquals("loghost: error: host key " + data.resolve("ssh_host_ed25519_key") + " is accessible by group or "
                + "others; fix with: chmod 600 " + data.resolve("ssh_host_ed25519_key") + "\n", r.stderr());
    }

    @Test
    void openHostsDirectoryIsRefusedToo() throws Exception {
        Path data = dir.resolve("data");
        Files.createDirectories(data.resolve("hosts"));
        Files.setPosixFilePermissions(data, PosixFilePermissions.fromString("rwx------"));
        Files.setPosixFilePermissions(data.resolve("hosts"), PosixFilePermissions.fromString("rwxrwxrwx"));
        Run.Result r = Cli.run(data, "serve", "--listen", "127.0.0.1:0");
        assertEquals(1, r.exit(), r::toString);
        assertEquals("loghost: error: hosts directory " + data.resolve("hosts") + " has mode rwxrwxrwx (group or "
                + "others can reach the logs); fix with: chmod 700 " + data.resolve("hosts") + "\n", r.stderr());
    }
}
