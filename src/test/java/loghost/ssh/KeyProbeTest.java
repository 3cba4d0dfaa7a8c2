package loghost.ssh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import loghost.testing.Await;
import loghost.testing.HostRecords;
import loghost.testing.KeyGen;
import loghost.testing.Run;
import loghost.testing.TestServer;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Asking whether a public key is enrolled (PK_OK) without logging in with it is audited; a login is not. */
class KeyProbeTest {

    @TempDir
    Path dir;

    private static List<String> probes(TestServer server) throws Exception {
        return HostRecords.read(server.data(), "_loghost").stream().map(HostRecords.Rec::text)
                .filter(t -> t.startsWith("refused reason=key-probe ")).toList();
    }

    private static String fingerprint(Path key) throws Exception {
        String line = Files.readString(KeyGen.pub(key)).strip();
        return KeyUtils.getFingerPrint(PublicKeyEntry.parsePublicKeyEntry(line).resolvePublicKey(null,
                java.util.Map.of(), null));
    }

    @Test
    void aClientHoldingOnlyThePublicKeyIsAuditedOnceAndANormalLoginNotAtAll() throws Exception {
        try (TestServer server = new TestServer(dir, "")) {
            Path key = KeyGen.generate(dir, "web01", "ed25519");
            server.enroll("web01", key);

            // A normal login: the real ssh client asks about its key, then signs with it.
            Path lines = dir.resolve("lines.txt");
            Files.writeString(lines, "a line\n");
            Run.Result login = server.append(key, lines);
            assertEquals(0, login.exit(), login::toString);

            // Someone with only the public half: ssh asks about it, is told it is enrolled, cannot sign.
            Path only = Files.createDirectories(dir.resolve("pub-only")).resolve("stolen.pub");
            Files.copy(KeyGen.pub(key), only);
            Run.Result probe = server.sshAtLogLevel(only, "DEBUG1", "-T", "log@127.0.0.1", "append-log");
            assertNotEquals(0, probe.exit(), probe::toString);
            assertTrue(probe.stderr().contains("Server accepts key"), probe::toString);

            String fp = fingerprint(key);
            List<String> found = Await.whileProgressing(() -> probes(server), f -> !f.isEmpty());
            assertEquals(1, found.size(), found::toString);
            assertTrue(found.get(0).matches("refused reason=key-probe source=127\\.0\\.0\\.1:\\d+ host=web01 key="
                    + java.util.regex.Pattern.quote(fp) + " enrolled-host=web01"), found::toString);

            // A second normal login after it: still the one record (the first login's end was long handled).
            assertEquals(0, server.append(key, lines).exit());
            server.stop();
            assertEquals(1, probes(server).size(), () -> {
                try {
                    return probes(server).toString();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
        }
    }
}
