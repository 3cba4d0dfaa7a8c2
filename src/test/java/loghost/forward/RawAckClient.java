package loghost.forward;

import java.io.DataInputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import loghost.protocol.Frames;
import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.channel.ChannelExec;
import org.apache.sshd.client.keyverifier.AcceptAllServerKeyVerifier;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.NamedResource;
import org.apache.sshd.common.util.security.SecurityUtils;

/** MINA's SSH client speaking acknowledged mode by hand: sends the frames a forwarder never would. */
final class RawAckClient {

    private RawAckClient() {
    }

    /**
     * Opens {@code stream} as the holder of {@code keyFile} and sends one LINE with {@code cseq}; returns the
     * WELCOME and the answer to the LINE (an ACK or ERROR frame; null if the loghost just closed), as text.
     */
    static String sendLine(int port, Path keyFile, String stream, long cseq, String line) throws Exception {
        return send(port, keyFile, stream, cseq, -1, line);
    }

    /** As {@link #sendLine}, in a {@code times=1} session: the LINE carries {@code eventMillis} as its event time. */
    static String sendTimedLine(int port, Path keyFile, String stream, long cseq, long eventMillis, String line)
            throws Exception {
        return send(port, keyFile, stream, cseq, eventMillis, line);
    }

    // eventMillis < 0: a session without event times.
    private static String send(int port, Path keyFile, String stream, long cseq, long eventMillis, String line)
            throws Exception {
        KeyPair key;
        try (InputStream in = Files.newInputStream(keyFile)) {
            key = SecurityUtils.loadKeyPairIdentities(null, NamedResource.ofName(keyFile.toString()), in, null)
                    .iterator().next();
        }
        Duration t = Duration.ofSeconds(30);
        try (SshClient client = SshClient.setUpDefaultClient()) {
            client.setServerKeyVerifier(AcceptAllServerKeyVerifier.INSTANCE);
            client.start();
            try (ClientSession s = client.connect("log", "127.0.0.1", port).verify(t).getSession()) {
                s.addPublicKeyIdentity(key);
                s.auth().verify(t);
                try (ChannelExec ch = s.createExecChannel(Frames.COMMAND)) {
                    ch.open().verify(t);
                    OutputStream out = ch.getInvertedIn();
                    DataInputStream in = new DataInputStream(ch.getInvertedOut());
                    Frames.writeText(out, Frames.HELLO, "loghost-ack 1 stream=" + stream
                            + (eventMillis < 0 ? "" : " times=1"));
                    byte[] b = line.getBytes(StandardCharsets.UTF_8);
                    if (eventMillis < 0) {
                        Frames.writeSeq(out, Frames.LINE, cseq, b, 0, b.length);
                    } else {
                        Frames.writeTimed(out, Frames.LINE, cseq, eventMillis, b, 0, b.length);
                    }
                    out.flush();
                    Frames.Frame welcome = Frames.read(in);
                    String answer = describe(welcome);
                    Frames.Frame reply = Frames.read(in);
                    return answer + " / " + describe(reply);
                }
            }
        }
    }

    private static String describe(Frames.Frame f) {
        if (f == null) {
            return null;
        }
        if (f.kind() == Frames.ACK) {
            return "ack " + f.seq();
        }
        return (char) f.kind() + " " + new String(f.body(), StandardCharsets.UTF_8);
    }
}
