package loghost.ssh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import loghost.testing.CapturedLog;
import loghost.testing.HostRecords;
import loghost.testing.KeyGen;
import loghost.testing.Run;
import loghost.testing.TestServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A key enrolled with from="..." works only from matching source addresses (127.0.0.2 vs 127.0.0.1). */
class SourceAddressTest {

    @TempDir
    Path dir;

    @Test
    void keyRestrictedToOneAddressIsRefusedFromAnother() throws Exception {
        try (TestServer server = new TestServer(dir, ""); CapturedLog log = new CapturedLog()) {
            Path key = KeyGen.generate(dir, "k", "ed25519");
            Run.Result e = server.cli("enroll", "--from", "127.0.0.2", "web01", KeyGen.pub(key).toString());
            assertEquals(0, e.exit(), e::toString);
            Path in = dir.resolve("in");
            Files.writeString(in, "from the right address\n");

            Run.Result wrong = server.ssh(key, in, "-b", "127.0.0.1", "-T", "log@127.0.0.1", "append-log");
            assertEquals(255, wrong.exit(), wrong::toString);
            assertTrue(wrong.stderr().contains("Permission denied (publickey)"), wrong::toString);
            log.awaitLine("refused reason=source-not-allowed", "source=127.0.0.1:",
                    "enrolled-host=web01", "from=\"127.0.0.2\"");

            Run.Result right = server.ssh(key, in, "-b", "127.0.0.2", "-T", "log@127.0.0.1", "append-log");
            assertEquals(0, right.exit(), right::toString);
            assertEquals(List.of("from the right address"), HostRecords.read(server.data(), "web01").stream()
                    .map(HostRecords.Rec::text).toList());
        }
    }

    @Test
    void negatedAndCidrPatternsFollowOpenSshRules() throws Exception {
        try (TestServer server = new TestServer(dir, "")) {
            Path key = KeyGen.generate(dir, "k", "ed25519");
            // All of 127.0.0.0/8 except 127.0.0.3.
            assertEquals(0, server.cli("enroll", "--from", "!127.0.0.3,127.0.0.0/8", "web01",
                    KeyGen.pub(key).toString()).exit());
            Path in = dir.resolve("in");
            Files.writeString(in, "x\n");
            assertEquals(0, server.ssh(key, in, "-b", "127.0.0.2", "-T", "log@127.0.0.1", "append-log").exit());
            assertEquals(255, server.ssh(key, in, "-b", "127.0.0.3", "-T", "log@127.0.0.1", "append-log").exit());
        }
    }
}
