package loghost.testing;

import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.PublicKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import loghost.protocol.Frames;
import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.channel.ChannelExec;
import org.apache.sshd.client.channel.ClientChannelEvent;
import org.apache.sshd.client.keyverifier.RequiredServerKeyVerifier;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.NamedResource;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.apache.sshd.common.util.security.SecurityUtils;

/**
 * A scripted {@code append-log --ack} client on MINA's SSH client: sends whatever frames a test wants (also ones
 * {@code loghost forward} never would) and collects every frame the server answers, on a thread of its own so
 * the server's ACKs never fill the window while the test is still sending.
 */
public final class AckClient implements AutoCloseable {

    private final SshClient client;
    private final ClientSession session;
    private final ChannelExec channel;
    private final OutputStream out;
    private final List<Frames.Frame> received = new ArrayList<>();
    private final Thread reader;
    private volatile IOException readFailure;

    private AckClient(SshClient client, ClientSession session, ChannelExec channel) throws IOException {
        this.client = client;
        this.session = session;
        this.channel = channel;
        this.out = new BufferedOutputStream(channel.getInvertedIn(), 1 << 16);
        DataInputStream in = new DataInputStream(channel.getInvertedOut());
        this.reader = new Thread(() -> {
            try {
                for (Frames.Frame f; (f = Frames.read(in)) != null; ) {
                    synchronized (received) {
                        received.add(f);
                        received.notifyAll();
                    }
                }
            } catch (IOException e) {
                readFailure = e;
            } finally {
                synchronized (received) {
                    received.notifyAll();
                }
            }
        }, "ack-client-reader");
        reader.setDaemon(true);
        reader.start();
    }

    /** Connects to the server on 127.0.0.1:{@code port} with {@code data}'s host key pinned, as {@code key}. */
    public static AckClient open(Path data, int port, Path key) throws Exception {
        KeyPair pair;
        try (InputStream in = Files.newInputStream(key)) {
            pair = SecurityUtils.loadKeyPairIdentities(null, NamedResource.ofName(key.toString()), in, null)
                    .iterator().next();
        }
        String hostPub = Files.readString(data.resolve("ssh_host_ed25519_key.pub")).strip();
        PublicKey hostKey = PublicKeyEntry.parsePublicKeyEntry(hostPub).resolvePublicKey(null, Map.of(), null);
        SshClient client = SshClient.setUpDefaultClient();
        client.setServerKeyVerifier(new RequiredServerKeyVerifier(hostKey));
        client.start();
        try {
            ClientSession session = client.connect("log", "127.0.0.1", port).verify(Await.WAIT)
                    .getSession();
            session.addPublicKeyIdentity(pair);
            session.auth().verify(Await.WAIT);
            ChannelExec channel = session.createExecChannel(Frames.COMMAND);
            channel.open().verify(Await.WAIT);
            return new AckClient(client, session, channel);
        } catch (Exception | Error e) {
            client.stop();
            throw e;
        }
    }

    /** Sends HELLO for {@code stream} and returns WELCOME's {@code last}. */
    public long hello(String stream) throws Exception {
        Frames.writeText(out, Frames.HELLO, "loghost-ack 1 stream=" + stream);
        out.flush();
        return loghost.forward.Welcome.parse(awaitFrame(0, Await.WAIT)).last();
    }

    /** Sends one frame with a cseq (not flushed). */
    public void frame(byte kind, long cseq, byte[] payload) throws IOException {
        Frames.writeSeq(out, kind, cseq, payload, 0, payload.length);
    }

    /** Sends one frame with a cseq and a text payload (not flushed). */
    public void frame(byte kind, long cseq, String text) throws IOException {
        frame(kind, cseq, text.getBytes(StandardCharsets.UTF_8));
    }

    /** Sends raw bytes, whatever they are (not flushed). */
    public void raw(byte[] bytes) throws IOException {
        out.write(bytes);
    }

    /** Flushes what was sent. */
    public void flush() throws IOException {
        out.flush();
    }

    /** The frame number {@code index} the server sent, waiting for it; null if the server ended before it. */
    public Frames.Frame awaitFrame(int index, Duration timeout) throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        synchronized (received) {
            while (received.size() <= index && reader.isAlive()) {
                long left = TimeUnit.NANOSECONDS.toMillis(end - System.nanoTime());
                if (left <= 0) {
                    throw new AssertionError("no frame " + index + " from the server within " + timeout
                            + "; have " + describe(received));
                }
                received.wait(left);
            }
            return received.size() > index ? received.get(index) : null;
        }
    }

    /**
     * Closes stdin (EOF; ignored if the server already closed the channel) and waits for the server to end the
     * channel; returns what it sent and its exit status.
     */
    public Result finish(Duration timeout) throws Exception {
        try {
            out.close();
        } catch (IOException e) {
            // The server may already have ended the session (an ERROR): what it sent is what counts.
        }
        return await(timeout);
    }

    /** Waits for the server to end the channel without closing stdin (the server ends it on its own). */
    public Result await(Duration timeout) throws Exception {
        channel.waitFor(EnumSet.of(ClientChannelEvent.CLOSED), timeout);
        reader.join(timeout.toMillis());
        if (reader.isAlive()) {
            throw new AssertionError("the server did not end the channel within " + timeout + "; frames: "
                    + describe(received));
        }
        synchronized (received) {
            return new Result(List.copyOf(received), channel.getExitStatus(), readFailure);
        }
    }

    private static String describe(List<Frames.Frame> frames) {
        List<String> d = new ArrayList<>();
        for (Frames.Frame f : frames) {
            d.add(Result.describe(f));
        }
        return d.toString();
    }

    @Override
    public void close() throws IOException {
        try {
            channel.close(true);
            session.close(true);
        } finally {
            client.stop();
        }
    }

    /** Everything the server sent on the channel, and its exit status (null if none came). */
    public record Result(List<Frames.Frame> frames, Integer exit, IOException readFailure) {

        /** The highest cseq acknowledged, 0 if none. */
        public long lastAck() {
            long a = 0;
            for (Frames.Frame f : frames) {
                if (f.kind() == Frames.ACK) {
                    a = Math.max(a, f.seq());
                }
            }
            return a;
        }

        /** The text of the ERROR frame, or null when there was none. */
        public String error() {
            for (Frames.Frame f : frames) {
                if (f.kind() == Frames.ERROR) {
                    return new String(f.body(), StandardCharsets.UTF_8);
                }
            }
            return null;
        }

        static String describe(Frames.Frame f) {
            return switch (f.kind()) {
                case Frames.ACK -> "ACK " + f.seq();
                case Frames.ERROR, Frames.WELCOME -> (char) f.kind() + " " + new String(f.body(),
                        StandardCharsets.UTF_8);
                default -> "frame '" + (char) f.kind() + "' of " + f.body().length;
            };
        }

        @Override
        public String toString() {
            return "exit=" + exit + " frames=" + AckClient.describe(frames) + (readFailure == null ? "" : " " + readFailure);
        }
    }
}
