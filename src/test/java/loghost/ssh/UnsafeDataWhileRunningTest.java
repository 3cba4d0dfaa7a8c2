package loghost.ssh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import loghost.testing.CapturedLog;
import loghost.testing.HostRecords;
import loghost.testing.KeyGen;
import loghost.testing.Run;
import loghost.testing.TestServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What changes under a running server's data directory: a symbolic link or a loose mode is refused, not used. */
class UnsafeDataWhileRunningTest {

    @TempDir
    Path dir;

    @Test
    void aHostDirectorySymlinkedWhileRunningIsAStorageErrorNotAWriteThroughIt() throws Exception {
        try (TestServer server = new TestServer(dir, ""); CapturedLog log = new CapturedLog()) {
            Path key = KeyGen.generate(dir, "web02", "ed25519");
            server.enroll("web02", key);
            Path elsewhere = Files.createDirectory(dir.resolve("elsewhere"),
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            Path host = server.data().resolve("hosts/web02");
            Files.createSymbolicLink(host, elsewhere);

            Path in = dir.resolve("in");
            Files.writeString(in, "must not land outside the store\n");
            Run.Result r = server.append(key, in);
            assertEquals(74, r.exit(), r::toString);
            assertEquals("loghost: error: the loghost could not store your lines\n", r.stderr());
            try (var s = Files.list(elsewhere)) {
                assertEquals(0, s.count(), "nothing written through the link");
            }
            log.awaitLine("storage-error host=web02",
                    "host directory " + host + " is a symbolic link");
            awaitAudit(server, "storage-error host=web02 ", "is a symbolic link");
        }
    }

    @Test
    void anEnrolledKeysFileOthersCanWriteIsNotTrusted() throws Exception {
        try (TestServer server = new TestServer(dir, ""); CapturedLog log = new CapturedLog()) {
            Path good = KeyGen.generate(dir, "good", "ed25519");
            server.enroll("web01", good);
            Path in = dir.resolve("in");
            Files.writeString(in, "x\n");
            assertEquals(0, server.append(good, in).exit());

            // Someone opens the file to everyone, and someone else adds a key of their own to it.
            Path file = server.data().resolve("enrolled_keys");
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-rw-rw-"));
            Path intruder = KeyGen.generate(dir, "intruder", "ed25519");
            Files.writeString(file, "host=\"web02\" " + Files.readString(KeyGen.pub(intruder)),
                    StandardOpenOption.APPEND);

            log.awaitLine("keys-invalid", "enrolled keys file " + file
                    + " has mode rw-rw-rw-");
            assertEquals(255, server.append(intruder, in).exit(), "the added key is refused");
            assertEquals(255, server.append(good, in).exit(), "fail closed: nobody is admitted until it is fixed");
            assertTrue(HostRecords.files(server.data(), "web02").isEmpty());
        }
    }

    private static void awaitAudit(TestServer server, String prefix, String fragment) throws Exception {
        HostRecords.awaitAudit(server.data(), t -> t.startsWith(prefix) && t.contains(fragment));
    }
}
