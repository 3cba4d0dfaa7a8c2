package loghost.ssh;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import loghost.metrics.HostMetrics;
import loghost.metrics.ServerMetrics;
import loghost.protocol.CseqRules;
import loghost.protocol.Frames;
import loghost.seal.ReceiptSigner;
import loghost.store.Escaping;
import loghost.store.HostLog;
import loghost.store.LineBatch;
import loghost.store.LogStore;
import loghost.store.RecordType;
import loghost.store.StorageException;
import org.apache.sshd.server.session.ServerSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code append-log --ack}: the forwarder's acknowledged mode. Frames carry lines numbered by the client; each
 * number is stored at most once (the log remembers the last one per stream), and acknowledged only once the
 * records holding it are on disk. A second thread syncs and acknowledges while this one keeps reading, so that
 * fsync latency overlaps with the network (group commit).
 *
 * <p>Memory is bounded in bytes: at most one frame and one batch of {@link #BATCH_BYTES} escaped bytes are held,
 * and this thread stops reading while it appends, so the SSH window holds the client back (backpressure).
 */
final class AckedAppendCommand extends HostCommand {

    private static final Logger LOG = LoggerFactory.getLogger(AckedAppendCommand.class);
    /** Records per append, at most. */
    static final int BATCH_RECORDS = 4096;
    /** Escaped bytes per append, at most (or one frame's, when that is more). */
    static final int BATCH_BYTES = 4 << 20;
    /** Bytes before a frame's body: kind and length. */
    private static final int FRAME_HEADER = 5;

    private final LogStore store;
    private final int maxLine;
    private final ServerMetrics metrics;
    private final ReceiptSigner receipts;
    private OutputStream out;
    // This session's counts since its last append, and where they go: touched by the reading thread only.
    private HostMetrics counted;
    private long receivedSinceAppend;
    private boolean heartbeatSinceAppend;

    AckedAppendCommand(LogStore store, ActiveSessions sessions, int maxLine, Refusals refusals,
                       ServerMetrics metrics, ReceiptSigner receipts) {
        super(sessions, refusals);
        this.store = store;
        this.maxLine = maxLine;
        this.metrics = metrics;
        this.receipts = receipts;
    }

    @Override
    protected void serve(AuthenticatedHost who, ServerSession session) {
        try {
            receive(who, session, output());
        } catch (Throwable e) { // even the reporting failed: still end the session (onExit acts only once)
            LOG.error("internal-error host={} reason={}", who.host(), Refusals.quote(e.toString()));
            onExit(ExitCodes.SOFTWARE, "internal error");
        }
    }

    @Override
    protected void refuse(int code, String message) {
        fail(output(), code, message);
    }

    // One buffered stdout for the session, shared by the reader (errors) and the acknowledging thread.
    private synchronized OutputStream output() {
        if (out == null) {
            out = new BufferedOutputStream(getOutputStream(), 8192);
        }
        return out;
    }

    /** How a session ended: the word in {@code stream-end}, the exit status, and the ERROR frame's text if any. */
    private record Ending(String name, int code, String error) {
        static final Ending EOF = new Ending("eof", ExitCodes.OK, null);
        static final Ending CLOSED = new Ending("closed-by-server", ExitCodes.OK, null);
        static final Ending LOST = new Ending("connection-lost", ExitCodes.OK, null);
    }

    private void receive(AuthenticatedHost who, ServerSession session, OutputStream out) {
        DataInputStream in = new DataInputStream(new BufferedInputStream(getInputStream(), 1 << 16));
        HostLog log;
        String stream;
        boolean wantsReceipts;
        long last;
        counted = metrics.host(who.host());
        try {
            log = store.host(who.host());
            Frames.Hello hello = Frames.hello(Frames.read(in));
            stream = hello.stream();
            wantsReceipts = hello.receipts();
            if (!log.hasStream(stream) && log.streamCount() >= Frames.MAX_STREAMS_PER_HOST) {
                throw new Frames.ProtocolException("too-many-streams", "host " + who.host() + " already has "
                        + Frames.MAX_STREAMS_PER_HOST + " streams; a new stream id is refused");
            }
            last = log.streamPosition(stream);
            // The client takes WELCOME's last as acknowledged and drops those lines from its spool: they must be
            // on disk first (appended by a session whose ACK never went out, they may not be). A log out of
            // service refuses to sync, so its position is never reported.
            log.sync();
            synchronized (out) {
                Frames.writeText(out, Frames.WELCOME, "loghost-ack 1 host=" + who.host() + " last=" + last);
                out.flush();
            }
        } catch (Frames.ProtocolException e) {
            refusals.log(e.reason(), session, "reason=" + Refusals.quote(e.getMessage()));
            fail(out, ExitCodes.DATA_ERROR, "protocol error: " + e.getMessage());
            return;
        } catch (StorageException e) {
            storageError(who, "-", e);
            fail(out, ExitCodes.IO_ERROR, "the loghost could not store your lines");
            return;
        } catch (IOException e) {
            LOG.info("stream-lost host={} reason=\"{}\"", who.host(), e.getMessage());
            onExit(ExitCodes.OK);
            return;
        } catch (Throwable e) { // OutOfMemoryError included: the session ends, the server goes on
            internalError(who, "-", e);
            fail(out, ExitCodes.SOFTWARE, "internal error");
            return;
        }
        String start = "host=" + who.host() + " source=" + Refusals.source(session) + " key=" + who.fingerprint()
                + " stream=" + stream + " resume-after=" + last;
        LOG.info("stream-start {}", start);
        refusals.audit().event("stream-start " + start);

        Acknowledger acker = new Acknowledger(log, out, this::wakeReader, metrics,
                wantsReceipts ? receipts : null, stream);
        Thread ackThread = new Thread(acker, "sshd-append-log-ack-" + who.host());
        ackThread.setDaemon(true);
        Ending ending;
        try {
            ackThread.start();
            ending = readFrames(in, log, stream, new CseqRules(last), acker);
        } catch (Frames.ProtocolException e) {
            refusals.log(e.reason(), session, "reason=" + Refusals.quote(e.getMessage()));
            ending = new Ending(e.reason(), ExitCodes.DATA_ERROR, "protocol error: " + e.getMessage());
        } catch (StorageException e) {
            storageError(who, stream, e);
            ending = new Ending("storage-error", ExitCodes.IO_ERROR, "the loghost could not store your lines");
        } catch (IOException e) { // the input failed outside a read (available()): the connection is gone
            ending = Ending.LOST;
        } catch (Throwable e) {
            internalError(who, stream, e);
            ending = new Ending("internal-error", ExitCodes.SOFTWARE, "internal error");
        }
        // The last ACK (for what was appended and syncs now) goes out before the ERROR frame and the exit status.
        acker.finish();
        try {
            ackThread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        Throwable ackFailure = acker.failure();
        if (ackFailure != null && ending.error() == null) {
            if (ackFailure instanceof StorageException se) {
                storageError(who, stream, se);
                ending = new Ending("storage-error", ExitCodes.IO_ERROR, "the loghost could not store your lines");
            } else if (ackFailure instanceof IOException) {
                ending = ending == Ending.EOF ? Ending.LOST : ending; // the client went away before the last ACK
            } else {
                internalError(who, stream, ackFailure);
                ending = new Ending("internal-error", ExitCodes.SOFTWARE, "internal error");
            }
        }
        String end = "host=" + who.host() + " stream=" + stream + " ending=" + ending.name() + " last="
                + log.streamPosition(stream);
        LOG.info("stream-end {}", end);
        refusals.audit().event("stream-end " + end);
        if (ending.error() != null) {
            fail(out, ending.code(), ending.error());
        } else {
            onExit(ending.code());
        }
    }

    // Reads and stores frames until EOF or a failure; what was received before a failure is stored first.
    private Ending readFrames(DataInputStream in, HostLog log, String stream, CseqRules rules, Acknowledger acker)
            throws IOException, StorageException {
        LineBatch batch = new LineBatch();
        batch.stream(stream);
        try {
            while (true) {
                Frames.Frame f;
                try {
                    f = Frames.read(in);
                } catch (Frames.ProtocolException e) {
                    throw e;
                } catch (InterruptedIOException e) {
                    store(log, batch, acker);
                    return Ending.CLOSED;
                } catch (IOException e) {
                    store(log, batch, acker);
                    return Ending.LOST;
                }
                if (f == null) {
                    store(log, batch, acker);
                    return Ending.EOF;
                }
                check(f, rules, () -> log.streamPosition(stream));
                receivedSinceAppend += FRAME_HEADER + f.body().length;
                int payload = f.body().length - f.payloadOffset();
                int records = f.kind() == Frames.MARK || f.kind() == Frames.GAP ? 1 : Math.max(1, ceil(payload));
                // Bytes, not only records: a batch never holds more than BATCH_BYTES, or one frame's worth.
                if (batch.count() + records > BATCH_RECORDS
                        || (long) batch.bytes() + Escaping.maxEscapedLength(payload) > BATCH_BYTES) {
                    store(log, batch, acker);
                }
                add(batch, f);
                if (in.available() == 0) {
                    store(log, batch, acker);
                }
            }
        } catch (Frames.ProtocolException e) {
            // The frames before the bad one are valid: store and acknowledge them, then refuse.
            store(log, batch, acker);
            throw e;
        }
    }

    private int ceil(int payload) {
        return payload / maxLine + (payload % maxLine == 0 ? 0 : 1);
    }

    private static void check(Frames.Frame f, CseqRules rules, java.util.function.LongSupplier streamLast)
            throws Frames.ProtocolException {
        byte kind = f.kind();
        if (kind != Frames.LINE && kind != Frames.PART && kind != Frames.MARK && kind != Frames.GAP) {
            throw new Frames.ProtocolException("unexpected frame 0x" + Integer.toHexString(kind & 0xff));
        }
        if (f.body().length < 8) {
            throw new Frames.ProtocolException("frame without sequence number");
        }
        int text = f.body().length - f.payloadOffset();
        if ((kind == Frames.MARK || kind == Frames.GAP) && text > Frames.MAX_TEXT) {
            throw new Frames.ProtocolException((kind == Frames.MARK ? "MARK" : "GAP") + " text of " + text
                    + " bytes exceeds " + Frames.MAX_TEXT);
        }
        rules.next(f.seq(), streamLast);
    }

    private void add(LineBatch batch, Frames.Frame f) {
        byte kind = f.kind();
        long cseq = f.seq();
        byte[] b = f.body();
        int off = f.payloadOffset();
        int len = b.length - off;
        heartbeatSinceAppend |= kind == Frames.MARK;
        if (kind == Frames.MARK || kind == Frames.GAP) {
            // Whole, whatever max-line is: MAX_TEXT bounds it, and a cut record would be acknowledged as delivered.
            batch.add(kind == Frames.MARK ? RecordType.MARK : RecordType.GAP, b, off, len, cseq);
            return;
        }
        // A line longer than max-line becomes cont records, as in raw mode; all carry the frame's cseq.
        while (len > maxLine) {
            batch.add(RecordType.CONT, b, off, maxLine, cseq);
            off += maxLine;
            len -= maxLine;
        }
        batch.add(kind == Frames.PART ? RecordType.CONT : RecordType.LOG, b, off, len, cseq);
    }

    // Appends the batch (the reader reads nothing meanwhile) and tells the acknowledging thread how far it got.
    private void store(HostLog log, LineBatch batch, Acknowledger acker) throws StorageException {
        if (batch.count() == 0) {
            return;
        }
        // Every cseq of the batch is now in the log, stored here or found there already (cseqs increase, so
        // the last is the highest).
        long highest = batch.lastClientSeq();
        int stored = log.append(batch).records();
        counted.appended(stored, receivedSinceAppend);
        // A heartbeat resent after a reconnect (already stored) still says the forwarder is alive.
        if (heartbeatSinceAppend) {
            counted.heartbeat();
        }
        receivedSinceAppend = 0;
        heartbeatSinceAppend = false;
        acker.appended(highest, log.lastSeq(), log.lastDigestHex());
        batch.clear();
    }

    // Unblocks this thread's read when the acknowledging thread failed, so the session ends now.
    private void wakeReader() {
        try {
            getInputStream().close();
        } catch (IOException e) {
            LOG.debug("could not close the session's input: {}", e.toString());
        }
    }

    private void storageError(AuthenticatedHost who, String stream, StorageException e) {
        String detail = "host=" + who.host() + " stream=" + stream + " reason=" + Refusals.quote(e.getMessage());
        LOG.error("storage-error {}", detail);
        refusals.audit().event("storage-error " + detail);
    }

    private void internalError(AuthenticatedHost who, String stream, Throwable e) {
        String detail = "host=" + who.host() + " stream=" + stream + " reason=" + Refusals.quote(e.toString());
        LOG.error("internal-error {}", detail);
        LOG.debug("internal-error stack trace", e);
        refusals.audit().event("internal-error " + detail);
    }

    private void writeError(OutputStream out, String message) {
        try {
            synchronized (out) {
                Frames.writeText(out, Frames.ERROR, message);
                out.flush();
            }
        } catch (IOException | RuntimeException e) {
            LOG.debug("could not send error frame: {}", e.toString());
        }
    }

    private void fail(OutputStream out, int code, String message) {
        writeError(out, message);
        exitWithMessage(code, message);
    }

    /**
     * The acknowledging thread: syncs whatever was appended since its last round, then acknowledges the highest
     * cseq that sync covers. Ends when told the session is finished, or at its first failure, which it keeps
     * for the reader and reports by closing the session's input.
     */
    private static final long RECEIPT_INTERVAL_NANOS = 1_000_000_000L;

    private static final class Acknowledger implements Runnable {
        private final HostLog log;
        private final OutputStream out;
        private final Runnable onFailure;
        private final ServerMetrics metrics;
        private final ReceiptSigner receipts;
        private final String stream;
        private long appendedClientSeq;
        private long appendedHostSeq;
        private String appendedDigest;
        private boolean finished;
        private Throwable failure;

        Acknowledger(HostLog log, OutputStream out, Runnable onFailure, ServerMetrics metrics,
                     ReceiptSigner receipts, String stream) {
            this.log = log;
            this.out = out;
            this.onFailure = onFailure;
            this.metrics = metrics;
            this.receipts = receipts;
            this.stream = stream;
        }

        synchronized void appended(long clientSeq, long hostSeq, String digest) {
            appendedClientSeq = clientSeq;
            appendedHostSeq = hostSeq;
            appendedDigest = digest;
            notifyAll();
        }

        synchronized void finish() {
            finished = true;
            notifyAll();
        }

        synchronized Throwable failure() {
            return failure;
        }

        @Override
        public void run() {
            try {
                acknowledge();
            } catch (Throwable e) { // OutOfMemoryError included: the reader reports it and ends the session
                synchronized (this) {
                    failure = e;
                }
                LOG.warn("ack-failed host={} reason=\"{}\"", log.host(), e.toString());
                onFailure.run();
            }
        }

        private void acknowledge() throws StorageException, IOException, InterruptedException {
            long acked = 0;
            long ackedHostSeq = 0;
            String ackedDigest = null;
            long receipted = 0;
            long lastReceiptNanos = System.nanoTime() - RECEIPT_INTERVAL_NANOS;
            while (true) {
                long cseq;
                long hostSeq;
                String digest;
                boolean last;
                synchronized (this) {
                    while (appendedClientSeq == acked && !finished) {
                        wait();
                    }
                    cseq = appendedClientSeq;
                    hostSeq = appendedHostSeq;
                    digest = appendedDigest;
                    last = finished;
                }
                if (cseq != acked) {
                    long start = System.nanoTime();
                    log.sync(); // before the ACK: an ACK says "on disk"
                    metrics.synced(ServerMetrics.SyncTrigger.SESSION, System.nanoTime() - start);
                    byte[] d = digest.getBytes(StandardCharsets.US_ASCII);
                    byte[] body = new byte[8 + d.length];
                    for (int i = 0; i < 8; i++) {
                        body[i] = (byte) (hostSeq >>> (56 - 8 * i));
                    }
                    System.arraycopy(d, 0, body, 8, d.length);
                    synchronized (out) {
                        Frames.writeSeq(out, Frames.ACK, cseq, body, 0, body.length);
                        out.flush();
                    }
                    acked = cseq;
                    ackedHostSeq = hostSeq;
                    ackedDigest = digest;
                }
                // A receipt at most once a second, and always for the session's last ACK.
                boolean finishing = last && acked == cseq;
                if (receipts != null && acked != receipted && acked != 0
                        && (finishing || System.nanoTime() - lastReceiptNanos >= RECEIPT_INTERVAL_NANOS)) {
                    String line = receipts.receipt(log.host(), stream, acked, ackedHostSeq, ackedDigest,
                            System.currentTimeMillis());
                    synchronized (out) {
                        Frames.writeText(out, Frames.RECEIPT, line);
                        out.flush();
                    }
                    receipted = acked;
                    lastReceiptNanos = System.nanoTime();
                }
                if (finishing) {
                    return;
                }
            }
        }
    }
}
