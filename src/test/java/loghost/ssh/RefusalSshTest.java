package loghost.ssh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import loghost.testing.Await;
import loghost.testing.CommandThreads;
import loghost.testing.CapturedLog;
import loghost.testing.HostRecords;
import loghost.testing.KeyGen;
import loghost.testing.Run;
import loghost.testing.TestServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** An enrolled key can do one thing; every other SSH request is refused with a reason, using the real client. */
class RefusalSshTest {


    @TempDir
    Path dir;

    private TestServer server;
    private CapturedLog log;
    private Path key;
    private final List<Process> background = new ArrayList<>();

    @BeforeEach
    void serverWithOneEnrolledHost() throws Exception {
        server = new TestServer(dir, "");
        log = new CapturedLog();
        key = KeyGen.generate(dir, "web01", "ed25519");
        server.enroll("web01", key);
    }

    @AfterEach
    void nothingIsLeftBehind() throws Exception {
        for (Process p : background) {
            p.destroyForcibly();
            p.waitFor(5, TimeUnit.SECONDS);
        }
        // No command thread outlives its session (by what threads run, not by names no thread has any more)...
        CommandThreads.awaitNoneInThisJvm();
        // ...and no file appears but the server's own.
        try (var files = Files.walk(server.data())) {
            List<String> unexpected = files.map(p -> server.data().relativize(p).toString())
                    .filter(p -> !p.isEmpty() && !p.matches("enrolled_keys(\\.lock)?|ssh_host_ed25519_key(\\.pub|\\.seen)?"
                            + "|streams|hosts|hosts/_loghost(/\\d{4}-\\d\\d-\\d\\d\\.log)?|hosts/web01(/\\d{4}-\\d\\d-\\d\\d\\.log)?"))
                    .toList();
            assertEquals(List.of(), unexpected, "files left behind");
        }
        log.close();
        server.close();
    }

    private void assertNothingStored() throws IOException {
        assertEquals(List.of(), HostRecords.read(server.data(), "web01"), "a refused request stored something");
    }

    private Process start(List<String> cmd, Map<String, String> env) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().putAll(env);
        Process p = pb.start();
        background.add(p);
        return p;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static void awaitListening(int port) throws Exception {
        Await.until(() -> "ssh listening on " + port, () -> {
            try (Socket s = new Socket("127.0.0.1", port)) {
                return true;
            } catch (IOException notYet) {
                return false;
            }
        });
    }

    @Test
    void shellIsRefusedWithOneLineAndExit77() throws Exception {
        Run.Result r = server.ssh(key, null, "-T", "log@127.0.0.1");
        assertEquals(77, r.exit(), r::toString);
        assertEquals("loghost: refused: no shell here; the only command is append-log\n", r.stderr());
        log.awaitLine("refused reason=shell-refused", "host=web01");
        assertNothingStored();
    }

    @Test
    void ptyIsRefusedAndGivesNoShell() throws Exception {
        Run.Result r = server.ssh(key, null, "-tt", "log@127.0.0.1");
        assertNotEquals(0, r.exit(), r::toString);
        assertTrue(r.stderr().contains("PTY allocation request failed"), r::toString);
        log.awaitLine("refused reason=pty-refused");
        log.awaitLine("refused reason=shell-refused");
        r = server.ssh(key, null, "-tt", "log@127.0.0.1", "append-log");
        assertTrue(r.stderr().contains("PTY allocation request failed"), r::toString);
        assertNothingStored();
    }

    @ParameterizedTest
    @ValueSource(strings = {"id", "sh -c id", "append-log; id", "append-log && id", "append-log `id`",
        "append-log $(id)", "append-log\nid", "append-log | id", "append-log ", " append-log", "APPEND-LOG",
        "append-log web02", "/bin/sh", "internal-sftp", "scp -t /tmp"})
    void anyOtherCommandIsRefused(String command) throws Exception {
        Run.Result r = server.ssh(key, null, "-T", "log@127.0.0.1", command);
        assertEquals(77, r.exit(), r::toString);
        assertEquals("loghost: refused: the only command here is append-log\n", r.stderr());
        log.awaitLine("refused reason=command-refused");
        assertNothingStored();
    }

    @Test
    void sftpSubsystemIsRefused() throws Exception {
        Run.Result r = server.ssh(key, null, "-T", "-s", "log@127.0.0.1", "sftp");
        assertNotEquals(0, r.exit(), r::toString);
        assertTrue(r.stderr().contains("subsystem request failed"), r::toString);
        log.awaitLine("refused reason=subsystem-refused", "name=\"sftp\"");
        assertNothingStored();
    }

    private List<String> scp(String... args) {
        List<String> cmd = new ArrayList<>(List.of("scp", "-F", "/dev/null", "-o", "UserKnownHostsFile="
                + dir.resolve("known_hosts"), "-o", "StrictHostKeyChecking=yes", "-o", "BatchMode=yes",
                "-o", "IdentitiesOnly=yes", "-o", "IdentityAgent=none", "-i", key.toString(),
                "-P", String.valueOf(server.port())));
        cmd.addAll(List.of(args));
        return cmd;
    }

    @Test
    void scpInBothDirectionsAndBothProtocolsIsRefused() throws Exception {
        Path local = dir.resolve("local.txt");
        Files.writeString(local, "payload\n");
        Path fetched = dir.resolve("fetched");
        // -O: the classic protocol, an exec of "scp -t" / "scp -f"; default: the SFTP subsystem.
        for (List<String> cmd : List.of(scp("-O", local.toString(), "log@127.0.0.1:/tmp/up"),
                scp(local.toString(), "log@127.0.0.1:/tmp/up"),
                scp("-O", "log@127.0.0.1:/etc/hostname", fetched.toString()),
                scp("log@127.0.0.1:/etc/hostname", fetched.toString()))) {
            Run.Result r = Run.run(cmd, null, Map.of(), 60);
            assertNotEquals(0, r.exit(), () -> cmd + "\n" + r);
        }
        assertFalse(Files.exists(fetched));
        log.awaitLine("refused reason=command-refused", "command=\"scp -t /tmp/up\"");
        log.awaitLine("refused reason=command-refused", "command=\"scp -f /etc/hostname\"");
        log.awaitLine("refused reason=subsystem-refused", "name=\"sftp\"");
        assertNothingStored();
    }

    @Test
    void stdioForwardingIsRefused() throws Exception {
        Run.Result r = server.ssh(key, null, "-W", "127.0.0.1:9", "log@127.0.0.1");
        assertEquals(255, r.exit(), r::toString);
        assertTrue(r.stderr().contains("stdio forwarding failed"), r::toString);
        log.awaitLine("refused reason=channel-refused", "type=direct-tcpip");
    }

    @Test
    void remoteForwardingIsRefused() throws Exception {
        Run.Result r = server.ssh(key, null, "-N", "-o", "ExitOnForwardFailure=yes", "-R", "127.0.0.1:0:127.0.0.1:9",
                "log@127.0.0.1");
        assertEquals(255, r.exit(), r::toString);
        assertTrue(r.stderr().contains("remote port forwarding failed"), r::toString);
        log.awaitLine("refused reason=remote-forwarding-refused");
    }

    @Test
    void localForwardingIsRefused() throws Exception {
        int port = freePort();
        start(server.sshCommand(key, "-N", "-L", "127.0.0.1:" + port + ":127.0.0.1:9", "log@127.0.0.1"), Map.of());
        awaitListening(port);
        log.awaitLine("refused reason=channel-refused", "type=direct-tcpip");
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(10_000);
            InputStream in = s.getInputStream();
            assertEquals(-1, in.read(), "forwarded connection must be closed");
        }
    }

    @Test
    void dynamicForwardingIsRefused() throws Exception {
        int port = freePort();
        start(server.sshCommand(key, "-N", "-D", "127.0.0.1:" + port, "log@127.0.0.1"), Map.of());
        awaitListening(port);
        Socket viaSocks = new Socket(new Proxy(Proxy.Type.SOCKS, new InetSocketAddress("127.0.0.1", port)));
        assertThrows(IOException.class, () -> viaSocks.connect(new InetSocketAddress("127.0.0.1", 9), 10_000));
        viaSocks.close();
        log.awaitLine("refused reason=channel-refused", "type=direct-tcpip");
    }

    @Test
    void streamLocalForwardingIsRefused() throws Exception {
        Path sock = dir.resolve("fwd.sock");
        start(server.sshCommand(key, "-N", "-L", sock + ":/run/some.sock", "log@127.0.0.1"), Map.of());
        Await.until(() -> sock + " created", () -> Files.exists(sock));
        try (SocketChannel ch = SocketChannel.open(UnixDomainSocketAddress.of(sock))) {
            assertEquals(-1, ch.read(ByteBuffer.allocate(16)), "forwarded stream must be closed");
        }
        log.awaitLine("refused reason=channel-refused", "type=direct-streamlocal@openssh.com");
    }

    @Test
    void agentAndX11ForwardingAndEnvironmentAreRefusedButLoggingStillWorks() throws Exception {
        Path agentSock = dir.resolve("agent.sock");
        start(List.of("ssh-agent", "-D", "-a", agentSock.toString()), Map.of());
        Await.until(() -> agentSock + " created", () -> Files.exists(agentSock));
        Path in = dir.resolve("in");
        Files.writeString(in, "still logged\n");
        List<String> cmd = server.sshCommand(key, "-o", "ForwardAgent=yes", "-o", "ForwardX11=yes",
                "-o", "SetEnv=LOGHOST_TEST=1", "-T", "log@127.0.0.1", "append-log");
        // The client only asks to forward an agent it uses itself.
        cmd.replaceAll(a -> a.equals("IdentityAgent=none") ? "IdentityAgent=" + agentSock : a);
        Run.Result r = Run.run(cmd, in, Map.of("DISPLAY", "127.0.0.1:0"), 60);
        assertEquals(0, r.exit(), r::toString);
        log.awaitLine("refused reason=agent-forwarding-refused");
        log.awaitLine("refused reason=x11-forwarding-refused");
        assertEquals(List.of("still logged"), HostRecords.read(server.data(), "web01").stream()
                .map(HostRecords.Rec::text).toList());
        // Environment variables are never applied, and ignored quietly: Debian's default "SendEnv LANG LC_*"
        // would otherwise put a refusal in the audit trail for every session of every host.
        assertTrue(log.lines().stream().noneMatch(l -> l.contains("env-refused") || l.contains("LOGHOST_TEST")),
                () -> String.join("\n", log.lines()));
        assertTrue(HostRecords.read(server.data(), "_loghost").stream().noneMatch(rec -> rec.text().contains("env")));
    }
}
