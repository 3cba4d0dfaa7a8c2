package loghost.ssh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import loghost.testing.Await;
import loghost.testing.HostRecords;
import loghost.testing.KeyGen;
import loghost.testing.MinaClient;
import loghost.testing.TestServer;
import org.apache.sshd.client.session.ClientSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A fleet behind one NAT address reconnecting at once (issue 22): more connections from one address than
 * {@code max-connections-per-source} wait their turn instead of being refused, and unknown keys among them are
 * still refused.
 */
class FleetAdmissionTest {

    private static final int HOSTS = 8;
    private static final int CONNECTIONS_PER_HOST = 6;

    @TempDir
    Path dir;

    @Test
    void enrolledHostsReconnectingAtOnceFromOneAddressAreAllAdmitted() throws Exception {
        try (TestServer server = new TestServer(dir, "loghost.ssh { max-connections-per-source = 2,"
                + " max-waiting-per-source = 64 }"); MinaClient client = new MinaClient(server.data())) {
            List<Path> keys = new ArrayList<>();
            for (int h = 0; h < HOSTS; h++) {
                Path key = KeyGen.generate(dir, "k" + h, "ed25519");
                server.enroll("web" + h, key);
                keys.add(key);
            }
            Path stranger = KeyGen.generate(dir, "stranger", "ed25519");
            ExecutorService pool = Executors.newFixedThreadPool(HOSTS * CONNECTIONS_PER_HOST + 4);
            try {
                // 48 enrolled connections and 4 with an unknown key, all from 127.0.0.1 at once: 24 times the cap.
                List<Future<ClientSession>> logins = new ArrayList<>();
                List<Future<ClientSession>> strangers = new ArrayList<>();
                for (int i = 0; i < HOSTS * CONNECTIONS_PER_HOST; i++) {
                    Path key = keys.get(i % HOSTS);
                    logins.add(pool.submit(() -> loginOrHangUp(client, server.port(), key)));
                    if (i % 12 == 0) {
                        strangers.add(pool.submit(() -> loginOrHangUp(client, server.port(), stranger)));
                    }
                }
                List<ClientSession> admitted = new ArrayList<>();
                for (Future<ClientSession> f : logins) {
                    admitted.add(f.get(Await.WAIT.toMillis() * 2, TimeUnit.MILLISECONDS));
                }
                assertTrue(admitted.stream().allMatch(s -> s.isOpen() && s.isAuthenticated()),
                        "every enrolled connection is logged in");
                for (Future<ClientSession> f : strangers) {
                    assertThrows(java.util.concurrent.ExecutionException.class,
                            () -> f.get(Await.WAIT.toMillis() * 2, TimeUnit.MILLISECONDS), "unknown key logged in");
                }
                HostRecords.awaitAudit(server.data(), t -> t.startsWith("refused reason=no-matching-key "));
                List<String> fromSource = HostRecords.read(server.data(), "_loghost").stream()
                        .map(HostRecords.Rec::text)
                        .filter(t -> t.startsWith("refused reason=too-many-connections-from-source ")).toList();
                assertEquals(List.of(), fromSource);
                for (ClientSession s : admitted) {
                    s.close(true);
                }
            } finally {
                pool.shutdownNow();
            }
        }
    }

    // As ssh does: a client whose key is refused hangs up rather than holding its place until the auth timeout.
    private static ClientSession loginOrHangUp(MinaClient client, int port, Path key) throws Exception {
        ClientSession session = client.connect(port);
        try {
            session.addPublicKeyIdentity(MinaClient.keyPair(key));
            session.auth().verify(Await.WAIT);
            return session;
        } catch (Exception e) {
            session.close(true);
            throw e;
        }
    }
}
