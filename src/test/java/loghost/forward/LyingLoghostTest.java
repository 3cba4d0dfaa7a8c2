package loghost.forward;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.DataInputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import loghost.protocol.Frames;
import loghost.testing.ForwarderProcess;
import loghost.testing.KeyGen;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.apache.sshd.server.SshServer;
import org.apache.sshd.server.auth.pubkey.AcceptAllPublickeyAuthenticator;
import org.apache.sshd.server.command.AbstractCommandSupport;
import org.apache.sshd.server.keyprovider.SimpleGeneratorHostKeyProvider;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A loghost that acknowledges what it was never sent: the forwarder must not delete those lines from its spool. */
class LyingLoghostTest {

    @TempDir
    Path dir;

    private SshServer server;
    private ForwarderProcess forwarder;

    @AfterEach
    void stop() throws Exception {
        if (forwarder != null) {
            forwarder.close();
        }
        if (server != null) {
            server.stop(true);
        }
    }

    @Test
    void ackBeyondWhatWasSentEndsTheSessionAndKeepsTheSpool() throws Exception {
        AtomicInteger sessions = new AtomicInteger();
        server = SshServer.setUpDefaultServer();
        server.setHost("127.0.0.1");
        server.setPort(0);
        SimpleGeneratorHostKeyProvider hostKey = new SimpleGeneratorHostKeyProvider(dir.resolve("host.key"));
        hostKey.setAlgorithm("EC");
        server.setKeyPairProvider(hostKey);
        server.setPublickeyAuthenticator(AcceptAllPublickeyAuthenticator.INSTANCE);
        server.setCommandFactory((channel, command) -> new AbstractCommandSupport(command, null) {
            @Override
            public void run() {
                sessions.incrementAndGet();
                try {
                    DataInputStream in = new DataInputStream(getInputStream());
                    OutputStream out = getOutputStream();
                    Frames.read(in); // HELLO
                    Frames.writeText(out, Frames.WELCOME, "loghost-ack 1 host=web01 last=0");
                    out.flush();
                    Frames.read(in); // the first LINE: "acknowledge" far more than that
                    byte[] ack = new byte[16 + 64];
                    java.nio.ByteBuffer.wrap(ack).putLong(1000).putLong(1);
                    java.util.Arrays.fill(ack, 16, ack.length, (byte) 'a');
                    Frames.write(out, Frames.ACK, ack, 0, ack.length);
                    out.flush();
                    while (Frames.read(in) != null) {
                        // drain until the forwarder hangs up
                    }
                    onExit(0);
                } catch (Exception e) {
                    onExit(1, e.toString());
                }
            }
        });
        server.start();
        int port = server.getPort();
        KeyPair hk = hostKey.loadKeys(null).iterator().next();
        Path knownHosts = dir.resolve("known_hosts");
        Files.writeString(knownHosts, "[127.0.0.1]:" + port + " " + PublicKeyEntry.toString(hk.getPublic()) + "\n");
        Path key = KeyGen.generate(dir, "web01", "ed25519");
        Path log = dir.resolve("app.log");
        Files.write(log, List.of("one", "two", "three"));
        Path spool = dir.resolve("spool");
        forwarder = ForwarderProcess.start(List.of("-Xmx64m"), null, dir.resolve("forward.err"), "--to",
                "127.0.0.1:" + port, "--key", key.toString(), "--known-hosts", knownHosts.toString(), "--spool",
                spool.toString(), "--file", log.toString(), "--from-start", "--heartbeat", "0s");
        assertTrue(forwarder.awaitLog("ACK for cseq 1000 beyond the", 60), forwarder::stderr);
        // It tries again (the lines are still waiting) and never claims them delivered.
        long end = System.nanoTime() + 60_000_000_000L;
        while (sessions.get() < 2 && System.nanoTime() < end) {
            Thread.sleep(100);
        }
        assertTrue(sessions.get() >= 2, forwarder::stderr);
        assertTrue(forwarder.stderr().lines().filter(l -> l.contains("delivery-interrupted"))
                .allMatch(l -> l.contains("acked=0 ")), forwarder::stderr);
    }
}
