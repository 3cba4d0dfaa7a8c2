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
import java.util.function.BooleanSupplier;
import loghost.protocol.Frames;
import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.channel.ChannelExec;
import org.apache.sshd.client.channel.ClientChannelEvent;
import org.apache.sshd.client.session.ClientSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers the spool to one destination over {@code append-log --ack}: resumes after the last number that loghost
 * committed, sends entries already on disk, and marks them acknowledged for it as it confirms them. Entries it
 * lacks that the spool no longer holds (dropped for it by the lag rule) are named in a GAP frame, never skipped
 * silently. A loghost that has more of the stream than this spool ever numbered means someone else wrote it: said
 * loudly, and this destination goes on as a new stream. Reconnects after a wait drawn by {@link ReconnectSchedule}
 * (full jitter, capped, a lower cap while lines wait); a refused host key ends this destination's delivery.
 */
final class Sender {

    private static final Logger LOG = LoggerFactory.getLogger(Sender.class);
    /** Entries read from the spool for one write: bounded in bytes too, since one entry may hold 1 MiB. */
    private static final int READ_ENTRIES = 4096;
    private static final long READ_BYTES = 4L << 20;
    /** How far a cseq may skip ahead of the stream's last (docs/PROTOCOL.md): a gap frame covers at most this. */
    static final long MAX_SKIP = 1L << 24;

    private final ForwardSettings settings;
    private final Spool spool;
    private final Acknowledgements acknowledged;
    private final KeyPair key;
    private final StrictKnownHosts hostKeys;
    private final Destination dest;
    private final java.nio.file.Path ackLog;
    private final Spool.Cursor cursor = new Spool.Cursor();
    private final Receipts receipts;

    /** A sender to {@code dest}; {@code ackLog} (null: none) gets one line per acknowledgement from it. */
    Sender(ForwardSettings settings, Spool spool, KeyPair key, Destination dest, java.nio.file.Path ackLog) {
        this.settings = settings;
        this.spool = spool;
        this.acknowledged = spool.acknowledgements();
        this.key = key;
        this.hostKeys = new StrictKnownHosts(settings.knownHosts());
        this.dest = dest;
        this.ackLog = ackLog;
        this.receipts = new Receipts(spool.dir(), dest, java.time.Clock.systemUTC());
    }

    /** The destination this sender delivers to. */
    Destination destination() {
        return dest;
    }

    /** How one connection ended without an error. */
    private enum Outcome {
        /** Everything is delivered and the sources are done. */
        DONE,
        /** The stream was found written by someone else and the spool now goes on as a new stream. */
        ROTATED
    }

    /**
     * Delivers until {@code done} says the sources are finished and everything is acknowledged, or forever.
     * Throws {@link HostKeyRefusedException} when the loghost's key does not match known_hosts.
     */
    void run(BooleanSupplier done) throws IOException, InterruptedException {
        ReconnectSchedule backoff = new ReconnectSchedule(new java.security.SecureRandom());
        try (SshClient client = SshClient.setUpDefaultClient()) {
            client.setServerKeyVerifier(hostKeys);
            tune(client);
            client.start();
            boolean rotatedLastTime = false;
            while (true) {
                long before = acknowledged.acked(dest);
                boolean rotated = false;
                String interrupted = null;
                try {
                    Outcome o = session(client, done);
                    if (o == Outcome.DONE) {
                        return;
                    }
                    rotated = true;
                } catch (SpoolFailedException e) {
                    throw e; // the spool, not the connection: retrying cannot help
                } catch (IOException e) {
                    dest.unreachable = true;
                    if (hostKeys.refusal() != null) {
                        throw new HostKeyRefusedException(hostKeys.refusal());
                    }
                    if (e instanceof Welcome.Unparseable) {
                        LOG.error("welcome-unparseable to={} stream={} reason=\"{}\": nothing can be delivered to this "
                                + "loghost; retrying with backoff", dest, acknowledged.identity(dest).id(),
                                e.getMessage());
                    } else {
                        interrupted = e.getMessage();
                    }
                }
                if (acknowledged.acked(dest) > before) {
                    backoff.reset();
                }
                // A new stream is tried at once, but only once in a row: a loghost that finds every new stream
                // written already is broken, and is retried with backoff like any failure, never in a tight loop.
                if (rotated && !rotatedLastTime) {
                    rotatedLastTime = true;
                    continue;
                }
                rotatedLastTime = rotated;
                // While lines wait (or are being dropped), probe for the loghost's return more often.
                long jittered = backoff.next(acknowledged.undelivered(dest)).toMillis();
                if (interrupted != null) {
                    LOG.warn("delivery-interrupted to={} reason=\"{}\" acked={} pending={} retry-in={}ms",
                            dest, interrupted, acknowledged.acked(dest), spool.lastCseq() - acknowledged.acked(dest),
                            jittered);
                }
                Thread.sleep(jittered);
            }
        }
    }

    // Frames go out as soon as they are flushed: with Nagle's algorithm a line waits for the TCP acknowledgement
    // of the one before it, which the loghost's kernel may delay by up to 40 ms (measured at 1,000 lines/s: p50
    // FIFO-to-ACK latency 24 ms with it, 5 ms without).
    private static void tune(SshClient client) {
        org.apache.sshd.core.CoreModuleProperties.TCP_NODELAY.set(client, true);
    }

    // One connection: DONE when everything is delivered and the sources are done, ROTATED after a conflict.
    private Outcome session(SshClient client, BooleanSupplier done) throws IOException, InterruptedException {
        Duration timeout = Duration.ofSeconds(15);
        try (ClientSession s = client.connect("log", dest.host(), dest.port()).verify(timeout).getSession()) {
            s.addPublicKeyIdentity(key);
            s.auth().verify(timeout);
            try (ChannelExec ch = s.createExecChannel(Frames.COMMAND)) {
                ch.open().verify(timeout);
                OutputStream out = new BufferedOutputStream(ch.getInvertedIn(), 1 << 16);
                DataInputStream in = new DataInputStream(ch.getInvertedOut());
                StreamIdentity id = acknowledged.identity(dest);
                boolean askReceipts = !dest.receiptsUnsupported;
                boolean times = !dest.timesUnsupported;
                Frames.writeText(out, Frames.HELLO, "loghost-ack 1 stream=" + id.id()
                        + (askReceipts ? " receipts=1" : "") + (times ? " times=1" : ""));
                out.flush();
                Welcome welcome;
                try {
                    welcome = Welcome.parse(Frames.read(in));
                } catch (Frames.ProtocolException e) {
                    if (e.getMessage().contains("expected HELLO")) {
                        olderLoghost(times, askReceipts);
                    }
                    throw e;
                }
                dest.unreachable = false;
                long highest = id.toWire(spool.lastCseq());
                if (welcome.last() > highest) {
                    rotate(id, welcome, highest);
                    return Outcome.ROTATED;
                }
                long last = id.toSpool(welcome.last());
                acknowledged.welcomed(dest, last);
                LOG.info("delivery-connected to={} stream={} loghost-has={} spooled={}", dest, id.id(),
                        welcome.last(), highest);
                AckReader acks = new AckReader(in, id, last, receiptKey(s), acknowledged, dest, receipts, ackLog);
                acks.start();
                send(out, id, last, acks, done, times);
                out.close(); // sends EOF: the loghost syncs, acknowledges and exits
                ch.waitFor(EnumSet.of(ClientChannelEvent.CLOSED, ClientChannelEvent.EXIT_STATUS), timeout);
                return Outcome.DONE;
            }
        }
    }

    // Sends what is synced after last, as it is synced, until the sources are done and everything is acknowledged
    // (returns) or the connection fails (throws what the ACK reader met).
    private void send(OutputStream out, StreamIdentity id, long last, AckReader acks, BooleanSupplier done,
                      boolean times) throws IOException, InterruptedException {
        long sent = last;
        while (acks.failure == null) {
            long synced = spool.awaitSynced(sent, 200);
            if (synced <= sent) {
                synced = spool.syncIfBehind(sent);
            }
            if (synced > sent) {
                List<SpoolEntry> entries = spool.read(cursor, sent, READ_ENTRIES, READ_BYTES, synced);
                // The first entry still held; when none after sent is, everything up to synced is gone.
                long held = entries.isEmpty() ? Math.min(spool.lowestHeld(), synced + 1) : entries.get(0).cseq();
                if (held > sent + 1) {
                    sent = gap(out, id, sent, held - 1, acks);
                    out.flush();
                }
                for (SpoolEntry e : entries) {
                    if (times && (e.kind() == Frames.LINE || e.kind() == Frames.PART)) {
                        // The time the line was read and spooled: the loghost stores it as t=, so a line that
                        // waited out an outage is still found at the time it happened.
                        Frames.writeTimed(out, e.kind(), id.toWire(e.cseq()), e.timeMillis(), e.data(), 0,
                                e.data().length);
                    } else {
                        Frames.writeSeq(out, e.kind(), id.toWire(e.cseq()), e.data(), 0, e.data().length);
                    }
                    sent = e.cseq();
                    acks.sent = sent;
                }
                out.flush();
            } else if (done.getAsBoolean() && (acknowledged.acked(dest) >= spool.lastCseq() || failed(done))) {
                return;
            }
        }
        throw acks.failure;
    }

    // A loghost older than an option of the HELLO refuses it: the newest option asked for is dropped first (event
    // times, then receipts), and the next connection goes without it.
    private void olderLoghost(boolean times, boolean askReceipts) {
        if (times) {
            dest.timesUnsupported = true;
            LOG.warn("times-unsupported to={}: the loghost does not take event times (an older version); delivering "
                    + "without them (lines are stored at their receive time only)", dest);
        } else if (askReceipts) {
            dest.receiptsUnsupported = true;
            LOG.warn("receipts-unsupported to={}: the loghost does not sign receipts (an older version);"
                    + " delivering without them", dest);
        }
    }

    // The key receipts must be signed with: the host key this session verified against known_hosts.
    private loghost.seal.VerificationKey receiptKey(ClientSession s) {
        try {
            return loghost.seal.ReceiptSigner.publicKey(s.getServerKey());
        } catch (IllegalArgumentException e) {
            return null; // not an Ed25519 host key: receipts from it cannot be checked, so none are kept
        }
    }

    // The loghost has numbers of this stream this spool never gave: another writer (the host's key elsewhere), or
    // a spool restored from an old copy. What it has is not ours to trust, so nothing is marked acknowledged by it:
    // every entry not acknowledged in this run goes again, as a new stream.
    private void rotate(StreamIdentity id, Welcome welcome, long highest) throws IOException {
        long base = acknowledged.unacknowledgedBase(dest);
        StreamIdentity next = id.rotate(spool.dir(), base);
        acknowledged.rotate(dest, next);
        LOG.error("stream-conflict stream={} loghost-has={} spool-highest={}: the loghost at {} holds more of this "
                + "stream than this spool ever numbered (another writer with this host's key, or a spool restored "
                + "from an old copy); resending the {} entries it has not acknowledged as new stream {}", id.id(),
                welcome.lastText(), highest, dest, spool.lastCseq() - base, next.id());
    }

    // Spool entries after..upTo are not in the spool any more (dropped for this destination while it was away, or
    // acknowledged by it before and lost by it since): GAP frames name their cseqs, each skipping at most the bound.
    private long gap(OutputStream out, StreamIdentity id, long after, long upTo, AckReader acks) throws IOException {
        long sent = after;
        while (sent < upTo) {
            long to = Math.min(upTo, sent + MAX_SKIP);
            long from = id.toWire(sent + 1);
            byte[] text = ("cseqs-dropped from=" + from + " to=" + id.toWire(to) + " count=" + (to - sent)
                    + " (no longer in the forwarder's spool: dropped for this loghost while it lagged, or "
                    + "acknowledged by it before)").getBytes(StandardCharsets.US_ASCII);
            Frames.writeSeq(out, Frames.GAP, id.toWire(to), text, 0, text.length);
            LOG.warn("gap-sent to={} stream={} from={} to={} count={}: entries this loghost lacks that the spool "
                    + "no longer holds", dest, id.id(), from, id.toWire(to), to - sent);
            sent = to;
            acks.sent = sent;
        }
        return sent;
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
}
