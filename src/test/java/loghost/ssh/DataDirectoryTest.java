package loghost.ssh;

import static org.junit.jupiter.api.Assertions.assertEquals;

import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import loghost.testing.Cli;
import loghost.testing.HostRecords;
import loghost.testing.KeyGen;
import loghost.testing.Run;
import loghost.testing.TestServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * serve refuses a data directory that others can read, that belongs to someone else, or that holds a symbolic
 * link or a loose mode anywhere inside, saying what to fix.
 */
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
        // Root is told to run loghost as the store's owner: chown-ing it to root would stop the packaged serve.
        String fix = "root".equals(me) ? "run loghost as that user, e.g.: runuser -u nobody -- loghost ..."
                : "fix with: chown -R " + me + " " + data;
        assertEquals("loghost: error: data directory " + data + " is owned by nobody, but loghost runs as " + me
                + "; " + fix + "\n", r.stderr());
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
        // Found by the walk over the whole data directory (in name order: the private key before its .pub).
        assertEquals("loghost: error: host key file " + data.resolve("ssh_host_ed25519_key") + " has mode rw-r--r-- "
                + "(group or others can reach it); fix with: chmod 600 " + data.resolve("ssh_host_ed25519_key") + "\n",
                r.stderr());
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

    /** A data directory as a server leaves it: host key, enrolled_keys, hosts/web01 with a day file, streams/. */
    private Path usedDataDirectory() throws Exception {
        try (TestServer server = new TestServer(dir, "")) {
            Path key = KeyGen.generate(dir, "web01", "ed25519");
            server.enroll("web01", key);
            Path in = dir.resolve("in");
            Files.writeString(in, "one line\n");
            assertEquals(0, server.append(key, in).exit());
            return server.data();
        }
    }

    private static Run.Result serve(Path data) {
        // Were the check missing, serve would run: fail after a while rather than hang.
        return assertTimeoutPreemptively(Duration.ofSeconds(60), () -> Cli.run(data, "serve", "--listen",
                "127.0.0.1:0"), "serve started instead of refusing");
    }

    @Test
    void symlinkedHostDirectoryIsRefused() throws Exception {
        Path data = usedDataDirectory();
        Path host = data.resolve("hosts/web01");
        Path elsewhere = dir.resolve("elsewhere");
        Files.move(host, elsewhere);
        Files.createSymbolicLink(host, elsewhere);
        Run.Result r = serve(data);
        assertEquals(1, r.exit(), r::toString);
        assertEquals("loghost: error: host directory " + host + " is a symbolic link; loghost does not follow "
                + "symbolic links in its data directory: put the real directory there (or mount a filesystem there)\n",
                r.stderr());
    }

    @Test
    void symlinkedDayFileIsRefused() throws Exception {
        Path data = usedDataDirectory();
        Path day = HostRecords.files(data, "web01").get(0);
        Path elsewhere = dir.resolve("elsewhere.log");
        Files.move(day, elsewhere);
        Files.createSymbolicLink(day, elsewhere);
        Run.Result r = serve(data);
        assertEquals(1, r.exit(), r::toString);
        assertEquals("loghost: error: day file " + day + " is a symbolic link; loghost does not follow symbolic "
                + "links in its data directory: put the real file there (or mount a filesystem there)\n", r.stderr());
    }

    @ParameterizedTest
    @CsvSource({
        "hosts/web01, rwxrwxrwx, host directory, (group or others can reach the logs); fix with: chmod 700",
        "streams, rwxrwxrwx, streams directory, (group or others can reach the logs); fix with: chmod 700",
        "enrolled_keys, rw-rw-rw-, enrolled keys file, (group or others can reach it); fix with: chmod 600",
        "ssh_host_ed25519_key.pub, rw-r--r--, host key file, (group or others can reach it); fix with: chmod 600"})
    void looseModesAnywhereInsideAreRefused(String entry, String mode, String what, String fix) throws Exception {
        Path data = usedDataDirectory();
        Path p = data.resolve(entry);
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(mode));
        Run.Result r = serve(data);
        assertEquals(1, r.exit(), r::toString);
        assertEquals("loghost: error: " + what + " " + p + " has mode " + mode + " " + fix + " " + p + "\n",
                r.stderr());
    }

    @Test
    void dayFileOwnedBySomeoneElseIsRefused() throws Exception {
        Path data = usedDataDirectory();
        Path day = HostRecords.files(data, "web01").get(0);
        Run.Result chown = Run.run("chown", "nobody", day.toString());
        assertEquals(0, chown.exit(), chown::toString);
        String me = System.getProperty("user.name");
        Run.Result r = serve(data);
        assertEquals(1, r.exit(), r::toString);
        assertEquals("loghost: error: day file " + day + " is owned by nobody, but loghost runs as " + me
                + "; fix with: chown " + me + " " + day + "\n", r.stderr());
    }
}
