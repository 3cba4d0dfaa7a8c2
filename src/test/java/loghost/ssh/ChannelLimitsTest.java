package loghost.ssh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import loghost.testing.Await;
import loghost.testing.CapturedLog;
import loghost.testing.CommandThreads;
import loghost.testing.HostRecords;
import loghost.testing.KeyGen;
import loghost.testing.MinaClient;
import loghost.testing.TestServer;
import org.apache.sshd.client.channel.ChannelExec;
import org.apache.sshd.client.channel.ChannelSession;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.session.ConnectionService;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One connection cannot hold more channels than the cap, nor run more commands than its host's limit. */
class ChannelLimitsTest {

    @TempDir
    Path dir;

    // The server under test, started from a thread of its own group: every thread it starts (its pools, MINA's I/O
    // threads, any thread a fault would add, named or not) is in that group or below, whatever else this JVM runs.
    private static TestServer startIn(ThreadGroup group, Path dir) throws Exception {
        TestServer[] started = {null};
        Exception[] failed = {null};
        Thread starter = new Thread(group, () -> {
            try {
                started[0] = new TestServer(dir, "");
            } catch (Exception e) {
                failed[0] = e;
            }
        }, "start-server-under-test");
        starter.start();
        starter.join();
        if (failed[0] != null) {
            throw failed[0];
        }
        return started[0];
    }

    private static List<Thread> threadsOf(ThreadGroup group) {
        Thread[] all = new Thread[group.activeCount() + 64];
        int n = group.enumerate(all, true);
        return List.of(java.util.Arrays.copyOf(all, n));
    }

    @Test
    void channelsOverTheCapAreRefusedAndTheConnectionStays() throws Exception {
        ThreadGroup serverGroup = new ThreadGroup("server-under-test");
        try (CapturedLog log = new CapturedLog(); TestServer server = startIn(serverGroup, dir);
                MinaClient client = new MinaClient(server.data())) {
            Path key = KeyGen.generate(dir, "k", "ed25519");
            server.enroll("web01", key);
            ClientSession session = client.login(server.port(), key);
            List<ChannelSession> open = new ArrayList<>();
            int refused = 0;
            java.util.Set<Thread> threadsBefore = new java.util.HashSet<>(threadsOf(serverGroup));
            assertTrue(threadsBefore.stream().anyMatch(t -> t.getName().contains("SshServer")),
                    () -> "the group holds the server's I/O threads: " + threadsBefore);
            for (int i = 0; i < 300; i++) {
                // A bare session channel: opened, then no request at all.
                ChannelSession ch = new ChannelSession();
                session.getService(ConnectionService.class).registerChannel(ch);
                try {
                    ch.open().verify(Duration.ofSeconds(10));
                    open.add(ch);
                } catch (IOException e) {
                    refused++;
                }
            }
            assertEquals(10, open.size(), "channels accepted on one connection");
            assertEquals(290, refused);
            assertTrue(session.isOpen(), "a refused channel must not end the connection");
            // Refused opens cost no thread of the server (a margin for MINA's own I/O threads coming and going).
            java.util.Set<Thread> added = new java.util.HashSet<>(threadsOf(serverGroup));
            added.removeAll(threadsBefore);
            assertTrue(added.size() <= 5, () -> "server threads started meanwhile: " + added);
            assertEquals(List.of(), CommandThreads.inThisJvm(), "no thread works for a bare channel");
            log.awaitLine("refused reason=too-many-channels", "host=web01",
                    "limit=10");
            // A closed channel frees its place.
            open.get(0).close(false).await(10, TimeUnit.SECONDS);
            ChannelExec exec = MinaClient.exec(session, "append-log");
            MinaClient.writeLine(exec, "in a freed channel");
            exec.getInvertedIn().close();
            assertEquals(0, MinaClient.awaitExit(exec, Duration.ofSeconds(15)));
            assertEquals(List.of("in a freed channel"), HostRecords.read(server.data(), "web01").stream()
                    .map(HostRecords.Rec::text).toList());
        }
    }

    @Test
    void loggedInConnectionsOfOneHostAreCappedAndAnotherHostStillLogsIn() throws Exception {
        try (TestServer server = new TestServer(dir, "loghost.ssh.max-connections-per-host = 3");
                CapturedLog log = new CapturedLog(); MinaClient client = new MinaClient(server.data())) {
            Path key = KeyGen.generate(dir, "k", "ed25519");
            server.enroll("web01", key);
            Path other = KeyGen.generate(dir, "other", "ed25519");
            server.enroll("web02", other);
            List<ClientSession> held = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                held.add(client.login(server.port(), key));
            }
            ClientSession fourth = tryLogin(client, server.port(), key);
            if (fourth != null) {
                fourth.waitFor(java.util.EnumSet.of(ClientSession.ClientSessionEvent.CLOSED), Duration.ofSeconds(30));
                assertTrue(fourth.isClosed(), "the connection over the cap is closed");
            }
            log.awaitLine("refused reason=too-many-connections-for-host", "limit=3");
            assertTrue(held.stream().allMatch(ClientSession::isOpen), "the first three stay");
            ChannelExec ch = MinaClient.exec(client.login(server.port(), other), "append-log");
            MinaClient.writeLine(ch, "another host is not held back");
            ch.getInvertedIn().close();
            assertEquals(0, MinaClient.awaitExit(ch, Duration.ofSeconds(15)));
            held.get(0).close();
            Await.until(() -> "a slot freed by a closed connection used again", () -> {
                ClientSession again = tryLogin(client, server.port(), key);
                return again != null && again.isOpen();
            });
        }
    }

    // The refusal may close the connection while the client still waits for authentication to finish.
    private static ClientSession tryLogin(MinaClient client, int port, Path key) throws Exception {
        try {
            return client.login(port, key);
        } catch (org.apache.sshd.common.SshException e) {
            return null;
        }
    }

    @Test
    void perHostSessionLimitCountsEveryChannelOfOneConnection() throws Exception {
        try (TestServer server = new TestServer(dir, "loghost.ssh.max-channels-per-connection = 40");
                CapturedLog log = new CapturedLog(); MinaClient client = new MinaClient(server.data())) {
            Path key = KeyGen.generate(dir, "k", "ed25519");
            server.enroll("web01", key);
            ClientSession session = client.login(server.port(), key);
            List<ChannelExec> channels = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                channels.add(MinaClient.exec(session, "append-log"));
            }
            // 36 are refused with exit 75 at once; 4 keep running (stdin still open).
            long ended = Await.whileProgressing(() -> channels.stream().filter(c -> c.getExitStatus() != null).count(),
                    n -> n >= 36);
            assertEquals(36, ended, "channels refused by the per-host limit");
            assertTrue(channels.stream().filter(c -> c.getExitStatus() != null).allMatch(c -> c.getExitStatus() == 75));
            // No command has a thread of its own, running or refused: sessions share the server's workers.
            assertEquals(List.of(), CommandThreads.inThisJvm(), "threads inside a command");
            log.awaitLine("refused reason=too-many-sessions", "limit=4");
            for (ChannelExec c : channels) {
                if (c.getExitStatus() == null) {
                    MinaClient.writeLine(c, "running");
                    c.getInvertedIn().close();
                    assertEquals(0, MinaClient.awaitExit(c, Duration.ofSeconds(15)));
                }
            }
            assertEquals(4, HostRecords.read(server.data(), "web01").size());
        }
    }
}
