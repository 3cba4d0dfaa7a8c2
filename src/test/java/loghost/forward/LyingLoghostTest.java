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
import loghost.testing.Await;
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

/**
 * Loghosts that say what is not so (a stub SSH server speaking the protocol): acknowledging what was never sent,
 * or claiming a stream position no u64 below 2^63 can hold. The forwarder must keep its lines and never loop.
 */
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
        forwarder.awaitLog("ACK for cseq 1000 beyond the");
        // It tries again (the lines are still waiting) and never claims them delivered.
        Await.until(() -> "a second session; " + forwarder.stderr(), () -> sessions.get() >= 2);
        assertTrue(forwarder.stderr().lines().filter(l -> l.contains("delivery-interrupted"))
                .allMatch(l -> l.contains("acked=0 ")), forwarder::stderr);
    }

    @Test
    void welcomeWithTheLargestU64IsAStreamConflictNotALoopAndEveryLineIsDeliveredUnderANewStream() throws Exception {
        java.util.List<String> hellos = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
        java.util.List<String> received = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
        server = stubServer(dir, (in, out) -> {
            Frames.Hello hello = Frames.hello(Frames.read(in));
            hellos.add(hello.stream());
            // With times=1 a LINE's bytes follow its cseq and its event time.
            int text = hello.times() ? 16 : 8;
            // The first stream is "poisoned" beyond what a long can hold; a new one starts from nothing.
            String last = hellos.size() == 1 ? "18446744073709551615" : "0";
            Frames.writeText(out, Frames.WELCOME, "loghost-ack 1 host=web01 last=" + last);
            out.flush();
            for (Frames.Frame f; (f = Frames.read(in)) != null; ) {
                if (f.kind() == Frames.LINE) {
                    received.add(new String(f.body(), text, f.body().length - text,
                            java.nio.charset.StandardCharsets.UTF_8));
                }
                byte[] ack = new byte[16 + 64];
                java.nio.ByteBuffer.wrap(ack).putLong(f.seq()).putLong(received.size());
                java.util.Arrays.fill(ack, 16, ack.length, (byte) 'a');
                Frames.write(out, Frames.ACK, ack, 0, ack.length);
                out.flush();
            }
        });
        Path in = dir.resolve("in.txt");
        Files.write(in, List.of("one", "two", "three"));
        forwarder = ForwarderProcess.start(List.of("-Xmx64m"), in, dir.resolve("forward.err"), forwardArgs(dir,
                server.getPort(), "--stdin", "--heartbeat", "0s"));
        org.junit.jupiter.api.Assertions.assertEquals(0, forwarder.await(120), forwarder::stderr);
        assertTrue(hellos.size() >= 2, () -> hellos + "\n" + forwarder.stderr());
        assertTrue(forwarder.stderr().contains("stream-conflict stream=" + hellos.get(0)), forwarder::stderr);
        assertTrue(!hellos.get(1).equals(hellos.get(0)) && hellos.get(1).startsWith("stdin."), hellos::toString);
        org.junit.jupiter.api.Assertions.assertEquals(List.of("one", "two", "three"), received);
    }

    /** One session of the stub: reads and writes frames until the forwarder hangs up. */
    interface StubSession {
        void run(DataInputStream in, OutputStream out) throws Exception;
    }

    private static SshServer stubServer(Path dir, StubSession body) throws Exception {
        SshServer s = SshServer.setUpDefaultServer();
        s.setHost("127.0.0.1");
        s.setPort(0);
        SimpleGeneratorHostKeyProvider hostKey = new SimpleGeneratorHostKeyProvider(dir.resolve("host.key"));
        hostKey.setAlgorithm("EC");
        s.setKeyPairProvider(hostKey);
        s.setPublickeyAuthenticator(AcceptAllPublickeyAuthenticator.INSTANCE);
        s.setCommandFactory((channel, command) -> new AbstractCommandSupport(command, null) {
            @Override
            public void run() {
                try {
                    body.run(new DataInputStream(getInputStream()), getOutputStream());
                    onExit(0);
                } catch (Exception e) {
                    onExit(1, e.toString());
                }
            }
        });
        s.start();
        KeyPair hk = hostKey.loadKeys(null).iterator().next();
        Files.writeString(dir.resolve("known_hosts"), "[127.0.0.1]:" + s.getPort() + " "
                + PublicKeyEntry.toString(hk.getPublic()) + "\n");
        return s;
    }

    private static String[] forwardArgs(Path dir, int port, String... more) throws Exception {
        Path key = KeyGen.generate(dir, "web01", "ed25519");
        List<String> a = new java.util.ArrayList<>(List.of("--to", "127.0.0.1:" + port, "--key", key.toString(),
                "--known-hosts", dir.resolve("known_hosts").toString(), "--spool", dir.resolve("spool").toString()));
        a.addAll(List.of(more));
        return a.toArray(String[]::new);
    }
}
