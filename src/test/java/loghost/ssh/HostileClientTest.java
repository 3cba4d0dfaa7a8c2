package loghost.ssh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import loghost.testing.Await;
import loghost.testing.CapturedLog;
import loghost.testing.HostRecords;
import loghost.testing.KeyGen;
import loghost.testing.MinaClient;
import loghost.testing.Run;
import loghost.testing.TestServer;
import org.apache.sshd.client.channel.ChannelExec;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.SshConstants;
import org.apache.sshd.common.kex.KexState;
import org.apache.sshd.common.util.buffer.Buffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a scripted client sends and the stock ssh does not: each refusal is logged and audited, and holds. */
class HostileClientTest {

    private static final Duration WAIT = Await.WAIT;

    @TempDir
    Path dir;

    private static void awaitAudit(TestServer server, Predicate<String> match) throws Exception {
        HostRecords.awaitAudit(server.data(), match);
    }

    private static boolean awaitClosed(ClientSession session) {
        session.waitFor(EnumSet.of(ClientSession.ClientSessionEvent.CLOSED), WAIT);
        return session.isClosed();
    }

    private static void channelRequest(ClientSession session, ChannelExec ch, String type, String... args)
            throws IOException {
        Buffer b = session.createBuffer(SshConstants.SSH_MSG_CHANNEL_REQUEST);
        b.putUInt(ch.getRecipient());
        b.putString(type);
        b.putBoolean(true);
        for (String a : args) {
            b.putString(a);
        }
        session.writePacket(b);
    }

    private TestServer serverWithKey(String hocon, Path key) throws Exception {
        TestServer server = new TestServer(dir, hocon);
        server.enroll("web01", key);
        return server;
    }

    @Test
    void signalUnknownRequestsAndASecondExecOnARunningChannelAreRefusedAndAudited() throws Exception {
        Path key = KeyGen.generate(dir, "k", "ed25519");
        try (TestServer server = serverWithKey("", key); CapturedLog log = new CapturedLog();
                MinaClient client = new MinaClient(server.data())) {
            ClientSession session = client.login(server.port(), key);
            ChannelExec ch = MinaClient.exec(session, "append-log");
            MinaClient.writeLine(ch, "one");
            channelRequest(session, ch, "signal", "KILL");
            channelRequest(session, ch, "shell-please@example.com");
            channelRequest(session, ch, "exec", "append-log");
            channelRequest(session, ch, "shell");
            MinaClient.writeLine(ch, "two");
            ch.getInvertedIn().close();
            assertEquals(0, MinaClient.awaitExit(ch, WAIT), "the running command is unaffected");
            assertEquals(List.of("one", "two"), HostRecords.read(server.data(), "web01").stream()
                    .map(HostRecords.Rec::text).toList());
            awaitAudit(server, t -> t.startsWith("refused reason=signal-refused ") && t.contains("signal=\"KILL\""));
            awaitAudit(server, t -> t.startsWith("refused reason=channel-request-refused ")
                    && t.contains("request=\"shell-please@example.com\""));
            awaitAudit(server, t -> t.startsWith("refused reason=second-command-refused ")
                    && t.contains("request=exec"));
            awaitAudit(server, t -> t.startsWith("refused reason=second-command-refused ")
                    && t.contains("request=shell"));
            log.awaitLine("refused reason=signal-refused", "host=web01");
        }
    }

    @Test
    void emptyAndOneByteDataPacketsAreStoredInOrder() throws Exception {
        Path key = KeyGen.generate(dir, "k", "ed25519");
        try (TestServer server = serverWithKey("", key); MinaClient client = new MinaClient(server.data())) {
            ClientSession session = client.login(server.port(), key);
            ChannelExec ch = MinaClient.exec(session, "append-log");
            // Each byte in a packet of its own, each after an empty packet: stock ssh never sends either, and the
            // server queues the small ones together and the empty ones not at all.
            List<String> sent = new ArrayList<>();
            for (int i = 1; i <= 300; i++) {
                String line = "line " + i + " sent a byte at a time";
                sent.add(line);
                for (byte b : (line + "\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII)) {
                    session.writePacket(data(session, ch, new byte[0]));
                    session.writePacket(data(session, ch, new byte[] {b}));
                }
            }
            ch.getInvertedIn().close();
            assertEquals(0, MinaClient.awaitExit(ch, WAIT));
            assertEquals(sent, HostRecords.read(server.data(), "web01").stream().map(HostRecords.Rec::text)
                    .toList());
        }
    }

    @Test
    void extendedDataFromTheClientIsRefusedOnceAndTheSessionGoesOn() throws Exception {
        Path key = KeyGen.generate(dir, "k", "ed25519");
        try (TestServer server = serverWithKey("", key); MinaClient client = new MinaClient(server.data())) {
            ClientSession session = client.login(server.port(), key);
            ChannelExec ch = MinaClient.exec(session, "append-log");
            MinaClient.writeLine(ch, "before");
            for (int i = 0; i < 3; i++) {
                Buffer b = session.createBuffer(SshConstants.SSH_MSG_CHANNEL_EXTENDED_DATA, 64);
                b.putUInt(ch.getRecipient());
                b.putUInt(SshConstants.SSH_EXTENDED_DATA_STDERR);
                b.putBytes("not a log line\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                session.writePacket(b);
            }
            MinaClient.writeLine(ch, "after");
            ch.getInvertedIn().close();
            assertEquals(0, MinaClient.awaitExit(ch, WAIT), "the connection and its command go on");
            assertEquals(List.of("before", "after"), HostRecords.read(server.data(), "web01").stream()
                    .map(HostRecords.Rec::text).toList());
            awaitAudit(server, t -> t.startsWith("refused reason=extended-data-refused ")
                    && t.contains(" host=web01 bytes=15"));
            assertEquals(1, HostRecords.read(server.data(), "_loghost").stream()
                    .filter(r -> r.text().startsWith("refused reason=extended-data-refused ")).count(),
                    "one record per channel");
        }
    }

    @Test
    void dataBeforeAnyCommandClosesThatChannelWithARecordAndTheConnectionGoesOn() throws Exception {
        Path key = KeyGen.generate(dir, "k", "ed25519");
        try (TestServer server = serverWithKey("", key); MinaClient client = new MinaClient(server.data())) {
            ClientSession session = client.login(server.port(), key);
            org.apache.sshd.client.channel.ChannelSession bare = new org.apache.sshd.client.channel.ChannelSession();
            session.getService(org.apache.sshd.common.session.ConnectionService.class).registerChannel(bare);
            bare.open().verify(WAIT);
            for (int i = 0; i < 3; i++) {
                session.writePacket(data(session, bare, "sent before any exec\n".getBytes(
                        java.nio.charset.StandardCharsets.US_ASCII)));
            }
            // CLOSED is signalled when the channel is unregistered, a moment before isClosed() turns true.
            assertTrue(bare.waitFor(EnumSet.of(org.apache.sshd.client.channel.ClientChannelEvent.CLOSED), WAIT)
                    .contains(org.apache.sshd.client.channel.ClientChannelEvent.CLOSED), "closed by the server");
            awaitAudit(server, t -> t.startsWith("refused reason=data-before-command ")
                    && t.contains(" host=web01 bytes=21"));

            ChannelExec ch = MinaClient.exec(session, "append-log");
            MinaClient.writeLine(ch, "on the same connection");
            ch.getInvertedIn().close();
            assertEquals(0, MinaClient.awaitExit(ch, WAIT));
            assertEquals(List.of("on the same connection"), HostRecords.read(server.data(), "web01").stream()
                    .map(HostRecords.Rec::text).toList());
            assertEquals(1, HostRecords.read(server.data(), "_loghost").stream()
                    .filter(r -> r.text().startsWith("refused reason=data-before-command ")).count());
        }
    }

    private static Buffer data(ClientSession session, org.apache.sshd.common.channel.Channel ch, byte[] bytes) {
        Buffer b = session.createBuffer(SshConstants.SSH_MSG_CHANNEL_DATA, bytes.length + 16);
        b.putUInt(ch.getRecipient());
        b.putBytes(bytes);
        return b;
    }

    @Test
    void unknownChannelTypeIsRefusedAndAudited() throws Exception {
        Path key = KeyGen.generate(dir, "k", "ed25519");
        try (TestServer server = serverWithKey("", key); MinaClient client = new MinaClient(server.data())) {
            ClientSession session = client.login(server.port(), key);
            Buffer b = session.createBuffer(SshConstants.SSH_MSG_CHANNEL_OPEN);
            b.putString("bogus\n@example.com");
            b.putUInt(4711);
            b.putUInt(1 << 20);
            b.putUInt(32768);
            session.writePacket(b);
            awaitAudit(server, t -> t.startsWith("refused reason=channel-refused ")
                    && t.contains("type=\"bogus\\u000a@example.com\""));
        }
    }

    @Test
    void maxAuthRequestsHoldsPerConnectionAcrossRepeatedServiceRequests() throws Exception {
        Path key = KeyGen.generate(dir, "k", "ed25519");
        try (TestServer server = serverWithKey("", key); MinaClient client = new MinaClient(server.data())) {
            ClientSession session = client.connect(server.port());
            session.waitFor(EnumSet.of(ClientSession.ClientSessionEvent.WAIT_AUTH), WAIT);
            for (int i = 0; i < 25 && session.isOpen(); i++) {
                Buffer service = session.createBuffer(SshConstants.SSH_MSG_SERVICE_REQUEST);
                service.putString("ssh-userauth");
                session.writePacket(service);
                Buffer none = session.createBuffer(SshConstants.SSH_MSG_USERAUTH_REQUEST);
                none.putString("log");
                none.putString("ssh-connection");
                none.putString("none");
                session.writePacket(none);
            }
            assertTrue(awaitClosed(session), "25 authentication attempts on one connection, still connected");
            awaitAudit(server, t -> t.startsWith("refused reason=too-many-auth-requests ") && t.contains("limit=10"));
        }
    }

    @Test
    void tooManyAuthRequestsIsAudited() throws Exception {
        Path key = KeyGen.generate(dir, "k", "ed25519");
        try (TestServer server = serverWithKey("", key); MinaClient client = new MinaClient(server.data())) {
            ClientSession session = client.connect(server.port());
            session.waitFor(EnumSet.of(ClientSession.ClientSessionEvent.WAIT_AUTH), WAIT);
            for (int i = 0; i < 20 && session.isOpen(); i++) {
                Buffer none = session.createBuffer(SshConstants.SSH_MSG_USERAUTH_REQUEST);
                none.putString("log");
                none.putString("ssh-connection");
                none.putString("none");
                session.writePacket(none);
            }
            assertTrue(awaitClosed(session));
            awaitAudit(server, t -> t.startsWith("refused reason=too-many-auth-requests "));
        }
    }

    @Test
    void keyExchangesBeforeAuthenticationAreBounded() throws Exception {
        Path key = KeyGen.generate(dir, "k", "ed25519");
        try (TestServer server = serverWithKey("", key); MinaClient client = new MinaClient(server.data())) {
            ClientSession session = client.connect(server.port());
            // After the first key exchange, ready to authenticate; instead it asks for new keys again and again.
            session.waitFor(EnumSet.of(ClientSession.ClientSessionEvent.WAIT_AUTH), WAIT);
            for (int i = 0; i < 20 && session.isOpen(); i++) {
                Await.until(() -> "key exchange done or the connection closed",
                        () -> session.getKexState() == KexState.DONE || !session.isOpen());
                try {
                    session.reExchangeKeys().verify(WAIT);
                } catch (IOException | RuntimeException e) {
                    // Refused and closed: the loop condition ends it.
                }
            }
            assertTrue(awaitClosed(session), "20 key exchanges before authentication, still connected");
            awaitAudit(server, t -> t.startsWith("refused reason=too-many-key-exchanges "));
        }
    }

    @Test
    void failedKeyExchangeNegotiationIsAudited() throws Exception {
        Path key = KeyGen.generate(dir, "k", "ed25519");
        try (TestServer server = serverWithKey("", key)) {
            Run.Result r = server.ssh(key, null, "-o", "KexAlgorithms=diffie-hellman-group14-sha1", "-T",
                    "log@127.0.0.1", "append-log");
            assertEquals(255, r.exit(), r::toString);
            awaitAudit(server, t -> t.startsWith("refused reason=kex-failed ") && t.contains("diffie-hellman-group14-sha1"));
        }
    }

    @Test
    void certificateKeysAreRefusedWithAReasonAndThePlainKeyStillWorks() throws Exception {
        Path key = KeyGen.generate(dir, "k", "ed25519");
        Path ca = KeyGen.generate(dir, "ca", "ed25519");
        Run.Result signed = Run.run("ssh-keygen", "-q", "-s", ca.toString(), "-I", "test", "-n", "log",
                KeyGen.pub(key).toString());
        assertEquals(0, signed.exit(), signed::toString);
        Path cert = dir.resolve("k-cert.pub");
        assertTrue(Files.exists(cert));
        try (TestServer server = serverWithKey("", key)) {
            Path in = dir.resolve("in");
            Files.writeString(in, "plain key\n");
            Run.Result r = server.ssh(key, in, "-o", "CertificateFile=" + cert, "-T", "log@127.0.0.1", "append-log");
            assertEquals(0, r.exit(), r::toString);
            awaitAudit(server, t -> t.startsWith("refused reason=certificate-refused ")
                    && t.contains("algorithm=\"ssh-ed25519-cert-v01@openssh.com\""));
        }
    }

    @Test
    void perSourceCapCountsOnlyConnectionsNotYetAuthenticated() throws Exception {
        Path key = KeyGen.generate(dir, "k", "ed25519");
        try (TestServer server = serverWithKey("loghost.ssh { max-connections-per-source = 2,"
                + " max-waiting-per-source = 1 }", key);
                MinaClient client = new MinaClient(server.data())) {
            // Five hosts behind one address (one key here), all logged in at once.
            List<ClientSession> hosts = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                hosts.add(client.login(server.port(), key));
            }
            Thread.sleep(500);
            assertTrue(hosts.stream().allMatch(ClientSession::isOpen), "logged-in connections were closed");
            // Unauthenticated ones from the same address are still capped: two in progress, one waiting its turn,
            // and the fourth closed.
            try (Socket a = new Socket("127.0.0.1", server.port()); Socket b = new Socket("127.0.0.1", server.port());
                    Socket c = new Socket("127.0.0.1", server.port());
                    Socket d = new Socket("127.0.0.1", server.port())) {
                d.setSoTimeout(10_000);
                byte[] buf = new byte[4096];
                int n;
                do {
                    n = d.getInputStream().read(buf);
                } while (n > 0);
                assertEquals(-1, n, "fourth unauthenticated connection from one source must be closed");
            } catch (IOException reset) {
                // closed at once: as expected
            }
            awaitAudit(server, t -> t.startsWith("refused reason=too-many-connections-from-source ")
                    && t.contains("limit=2 waiting=1"));
        }
    }
}
