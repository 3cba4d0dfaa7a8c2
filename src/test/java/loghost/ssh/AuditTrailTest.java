package loghost.ssh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.PublicKey;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import loghost.testing.CapturedLog;
import loghost.testing.HostRecords;
import loghost.testing.KeyGen;
import loghost.testing.Run;
import loghost.testing.TestServer;
import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.keyverifier.RequiredServerKeyVerifier;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.NamedResource;
import org.apache.sshd.common.SshConstants;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.apache.sshd.common.util.buffer.Buffer;
import org.apache.sshd.common.util.security.SecurityUtils;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Security events land in the _loghost chain, which verify covers like any host's log. */
class AuditTrailTest {

    @TempDir
    Path dir;

    private static List<HostRecords.Rec> audit(TestServer server) throws Exception {
        return HostRecords.read(server.data(), "_loghost");
    }

    private static HostRecords.Rec awaitAudit(TestServer server, Predicate<String> match) throws Exception {
        return HostRecords.awaitAudit(server.data(), match);
    }

    @Test
    void refusalsKeyChangesAndHostKeyChangesAreAuditedAndVerified() throws Exception {
        try (TestServer server = new TestServer(dir, ""); CapturedLog log = new CapturedLog()) {
            HostRecords.Rec start = awaitAudit(server, t -> t.startsWith("server-start host-key=SHA256:"));
            assertEquals("audit", start.type());
            assertEquals("-", start.meta());
            awaitAudit(server, t -> t.startsWith("host-key-generated host-key=SHA256:"));

            Path key = KeyGen.generate(dir, "k", "ed25519");
            String fp = KeyGen.fingerprint(KeyGen.pub(key));
            server.enroll("web01", key);
            awaitAudit(server, t -> t.equals("key-enrolled host=web01 key=" + fp + " type=ssh-ed25519"));

            assertEquals(77, server.ssh(key, null, "-T", "log@127.0.0.1").exit());
            awaitAudit(server, t -> t.matches("refused reason=shell-refused source=127\\.0\\.0\\.1:\\d+ host=web01"));
            Path stranger = KeyGen.generate(dir, "stranger", "ed25519");
            assertEquals(255, server.append(stranger, null).exit());
            String strangerFp = KeyGen.fingerprint(KeyGen.pub(stranger));
            awaitAudit(server, t -> t.startsWith("refused reason=no-matching-key ") && t.contains("key=" + strangerFp));

            Path in = dir.resolve("in");
            Files.writeString(in, "a\nb\n");
            assertEquals(0, server.append(key, in).exit());
            awaitAudit(server, t -> t.startsWith("session-start host=web01 source=127.0.0.1:"));
            awaitAudit(server, t -> t.startsWith("session-end host=web01 ") && t.contains(" records=2 last-seq=2"));

            assertEquals(0, server.cli("revoke", "web01").exit());
            awaitAudit(server, t -> t.equals("key-revoked host=web01 key=" + fp));

            // A replaced host key is noticed at the next start.
            server.stop();
            Files.delete(server.data().resolve("ssh_host_ed25519_key"));
            Files.delete(server.data().resolve("ssh_host_ed25519_key.pub"));
            server.start();
            awaitAudit(server, t -> t.matches("host-key-changed old=SHA256:\\S+ new=SHA256:\\S+"));
            awaitAudit(server, t -> t.equals("server-stop"));

            Run.Result v = server.cli("verify", "--host", "_loghost");
            assertEquals(0, v.exit(), v::toString);
            // The operator's log never carries key material, only fingerprints.
            assertTrue(log.lines().stream().noneMatch(l -> l.contains("AAAAC3NzaC1lZDI1NTE5")), "key material logged");
        }
    }

    @Test
    void editingTheAuditTrailIsCaughtByVerify() throws Exception {
        try (TestServer server = new TestServer(dir, "")) {
            Path key = KeyGen.generate(dir, "k", "ed25519");
            server.enroll("web01", key);
            assertEquals(77, server.ssh(key, null, "-T", "log@127.0.0.1").exit());
            awaitAudit(server, t -> t.startsWith("refused reason=shell-refused"));
            server.stop();
            Path file = HostRecords.files(server.data(), "_loghost").get(0);
            String text = Files.readString(file, StandardCharsets.UTF_8);
            Files.writeString(file, text.replace("reason=shell-refused", "reason=nothing-here"), StandardCharsets.UTF_8);
            Run.Result v = server.cli("verify");
            assertEquals(1, v.exit(), v::toString);
            assertTrue(v.stdout().startsWith("verify: FAIL: hosts/_loghost/" + file.getFileName() + ":"), v::toString);
        }
    }

    @Test
    void unknownGlobalRequestsAreRefusedAndLogged() throws Exception {
        try (TestServer server = new TestServer(dir, ""); CapturedLog log = new CapturedLog()) {
            Path key = KeyGen.generate(dir, "k", "ed25519");
            server.enroll("web01", key);
            KeyPair pair;
            try (InputStream in = Files.newInputStream(key)) {
                pair = SecurityUtils.loadKeyPairIdentities(null, NamedResource.ofName(key.toString()), in, null)
                        .iterator().next();
            }
            String hostPub = Files.readString(server.data().resolve("ssh_host_ed25519_key.pub")).strip();
            PublicKey hostKey = PublicKeyEntry.parsePublicKeyEntry(hostPub).resolvePublicKey(null, java.util.Map.of(),
                    null);
            // MINA's own client: OpenSSH's cannot send an arbitrary global request.
            try (SshClient client = SshClient.setUpDefaultClient()) {
                client.setServerKeyVerifier(new RequiredServerKeyVerifier(hostKey));
                client.start();
                try (ClientSession session = client.connect("log", "127.0.0.1", server.port())
                        .verify(Duration.ofSeconds(10)).getSession()) {
                    session.addPublicKeyIdentity(pair);
                    session.auth().verify(Duration.ofSeconds(10));
                    Buffer request = session.createBuffer(SshConstants.SSH_MSG_GLOBAL_REQUEST);
                    request.putString("shell-please@example.com");
                    request.putBoolean(true);
                    Buffer reply = session.request("shell-please@example.com", request, 10, TimeUnit.SECONDS);
                    assertNull(reply, "unknown global request must fail");
                }
            }
            log.awaitLine("refused reason=global-request-refused", "request=\"shell-please@example.com\"");
        }
    }
}
