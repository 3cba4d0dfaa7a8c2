package loghost.forward;

import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.BooleanSupplier;
import loghost.protocol.Frames;
import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.channel.ChannelExec;
import org.apache.sshd.client.channel.ClientChannelEvent;
import org.apache.sshd.client.session.ClientSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers the spool to the loghost over {@code append-log --ack}: resumes after the last number the loghost
 * committed, sends entries already on disk, and marks them acknowledged as the loghost confirms them. Reconnects
 * with capped exponential backoff and jitter; a refused host key is fatal.
 */
final class Sender {

    private static final Logger LOG = LoggerFactory.getLogger(Sender.class);

    private final ForwardSettings settings;
    private final Spool spool;
    private final KeyPair key;
    private final StrictKnownHosts hostKeys;

    Sender(ForwardSettings settings, Spool spool, KeyPair key) {
        this.settings = settings;
        this.spool = spool;
        this.key = key;
        this.hostKeys = new StrictKnownHosts(settings.knownHosts());
    }

    /**
     * Delivers until {@code done} says the sources are finished and everything is acknowledged, or forever.
     * Throws {@link HostKeyRefusedException} when the loghost's key does not match known_hosts.
     */
    void run(BooleanSupplier done) throws IOException, InterruptedException {
        Duration backoff = settings.reconnectMin();
        try (SshClient client = SshClient.setUpDefaultClient()) {
            client.setServerKeyVerifier(hostKeys);
            client.start();
            while (true) {
                long before = spool.ackedCseq();
                try {
                    if (session(client, done)) {
                        return;
                    }
                } catch (IOException e) {
                    if (hostKeys.refusal() != null) {
                        throw new HostKeyRefusedException(hostKeys.refusal());
                    }
                    LOG.warn("delivery-interrupted to={} reason=\"{}\" acked={} pending={}", settings.target(),
                            e.getMessage(), spool.ackedCseq(), spool.lastCseq() - spool.ackedCseq());
                }
                if (spool.ackedCseq() > before) {
                    backoff = settings.reconnectMin();
                }
                long jittered = (long) (backoff.toMillis() * (0.8 + 0.4 * ThreadLocalRandom.current().nextDouble()));
                Thread.sleep(jittered);
                backoff = backoff.multipliedBy(2).compareTo(settings.reconnectMax()) > 0 ? settings.reconnectMax()
                        : backoff.multipliedBy(2);
            }
        }
    }

    // One connection: returns true when everything is delivered and the sources are done.
    private boolean session(SshClient client, BooleanSupplier done) throws IOException, InterruptedException {
        Duration timeout = Duration.ofSeconds(15);
        try (ClientSession s = client.connect("log", settings.host(), settings.port()).verify(timeout).getSession()) {
            s.addPublicKeyIdentity(key);
            s.auth().verify(timeout);
            try (ChannelExec ch = s.createExecChannel(Frames.COMMAND)) {
                ch.open().verify(timeout);
                OutputStream out = new BufferedOutputStream(ch.getInvertedIn(), 1 << 16);
                DataInputStream in = new DataInputStream(ch.getInvertedOut());
                Frames.writeText(out, Frames.HELLO, "loghost-ack 1 stream=" + settings.stream());
                out.flush();
                long last = Frames.parseWelcome(Frames.read(in));
                spool.acked(last);
                LOG.info("delivery-connected to={} stream={} loghost-has={} spooled={}", settings.target(),
                        settings.stream(), last, spool.lastCseq());
                AckReader acks = new AckReader(in);
                acks.start();
                long sent = last;
                while (acks.failure == null) {
                    long synced = spool.awaitSynced(sent, 200);
                    if (synced > sent) {
                        List<SpoolEntry> entries = spool.read(sent, 4096, synced);
                        for (SpoolEntry e : entries) {
                            Frames.writeSeq(out, e.kind(), e.cseq(), e.data(), 0, e.data().length);
                            sent = e.cseq();
                        }
                        out.flush();
                    } else if (done.getAsBoolean() && (spool.ackedCseq() >= spool.lastCseq() || failed(done))) {
                        out.close(); // sends EOF: the loghost syncs, acknowledges and exits
                        ch.waitFor(EnumSet.of(ClientChannelEvent.CLOSED, ClientChannelEvent.EXIT_STATUS), timeout);
                        return true;
                    }
                }
                throw acks.failure;
            }
        }
    }

    // Whether the sources stopped because one failed (then the spool is left for the next start).
    private static boolean failed(BooleanSupplier done) {
        return done instanceof FailureAware f && f.failed();
    }

    /** A done-condition that can tell a failure from a normal end. */
    interface FailureAware extends BooleanSupplier {
        /** True when a source failed. */
        boolean failed();
    }

    /** Reads the loghost's ACK frames and moves the spool's acknowledged mark. */
    private final class AckReader extends Thread {
        private final DataInputStream in;
        private volatile IOException failure;
        private java.io.Writer ackLog;

        AckReader(DataInputStream in) {
            super("loghost-forward-acks");
            setDaemon(true);
            this.in = in;
        }

        @Override
        public void run() {
            try (java.io.Writer log = settings.ackLog() == null ? null : java.nio.file.Files.newBufferedWriter(
                    settings.ackLog(), StandardCharsets.US_ASCII, java.nio.file.StandardOpenOption.CREATE,
                    java.nio.file.StandardOpenOption.APPEND)) {
                ackLog = log;
                while (true) {
                    Frames.Frame f = Frames.read(in);
                    if (f == null) {
                        failure = new IOException("the loghost closed the stream");
                        return;
                    }
                    if (f.kind() == Frames.ERROR) {
                        failure = new IOException("the loghost reported: " + new String(f.body(),
                                StandardCharsets.UTF_8));
                        return;
                    }
                    if (f.kind() != Frames.ACK || f.body().length < 16) {
                        failure = new Frames.ProtocolException("unexpected frame '" + (char) f.kind() + "'");
                        return;
                    }
                    spool.acked(f.seq());
                    if (ackLog != null) {
                        java.time.Instant now = java.time.Instant.now();
                        ackLog.write((now.getEpochSecond() * 1_000_000 + now.getNano() / 1000) + " " + f.seq() + "\n");
                        ackLog.flush();
                    }
                }
            } catch (IOException e) {
                failure = e;
            }
        }
    }
}
