package loghost.ssh;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
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
 * records holding it are on disk. Frames are read and appended on a worker; the fsync runs on
 * {@link GroupCommit}'s threads while the session keeps reading, and its completion sends the ACK.
 *
 * <p>Memory is bounded in bytes: at most one frame and one batch of {@link #BATCH_BYTES} escaped bytes are held
 * while the session's turn runs, and the channel's window is released only as input is handled, so the client
 * is held back (backpressure). An idle session holds neither.
 */
final class AckedAppendCommand extends HostCommand implements GroupCommit.Waiter {

    private static final Logger LOG = LoggerFactory.getLogger(AckedAppendCommand.class);
    /** Records per append, at most. */
    static final int BATCH_RECORDS = 4096;
    /** Escaped bytes per append, at most (or one frame's, when that is more). */
    static final int BATCH_BYTES = 4 << 20;
    private static final long RECEIPT_INTERVAL_NANOS = 1_000_000_000L;

    private final LogStore store;
    private final int maxLine;
    private final ServerMetrics metrics;
    private final ReceiptSigner receipts;

    // The reading side, touched by one worker at a time.
    private final FrameAssembler frames;
    private AuthenticatedHost who;
    private ServerSession session;
    private HostLog log;
    private String stream;
    private boolean wantsReceipts;
    // The stream this session was admitted to by the host's log (counted against the cap until it leaves).
    private String admitted;
    private CseqRules rules;
    private HostMetrics counted;
    private long receivedSinceAppend;
    private boolean heartbeatSinceAppend;
    private boolean linesSinceAppend;

    // What was appended, and whether the input is over: written by the reader, read as a sync starts.
    private long appendedCseq;
    private long appendedHostSeq;
    private byte[] appendedDigest;
    private Ending endRequested;
    private boolean ended;

    // The acknowledging side: GroupCommit runs one round of a log at a time, so these are its own.
    private long capturedCseq;
    private long capturedHostSeq;
    private byte[] capturedDigest;
    private Ending capturedEnd;
    private long syncStarted;
    private long acked;
    private long ackedHostSeq;
    private String ackedDigest;
    private long receipted;
    private long lastReceiptNanos = System.nanoTime() - RECEIPT_INTERVAL_NANOS;

    AckedAppendCommand(LogStore store, ActiveSessions sessions, int maxLine, Refusals refusals,
                       ServerMetrics metrics, ReceiptSigner receipts, SessionWorkers workers) {
        this(store, sessions, maxLine, refusals, metrics, receipts, workers, new FrameAssembler());
    }

    // With the frame reader given: a test's may fail where no real one can be made to.
    AckedAppendCommand(LogStore store, ActiveSessions sessions, int maxLine, Refusals refusals,
                       ServerMetrics metrics, ReceiptSigner receipts, SessionWorkers workers, FrameAssembler frames) {
        super(sessions, refusals, workers);
        this.frames = frames;
        this.store = store;
        this.maxLine = maxLine;
        this.metrics = metrics;
        this.receipts = receipts;
    }

    /** How a session ended: the word in {@code stream-end}, the exit status, and the ERROR frame's text if any. */
    private record Ending(String name, int code, String error) {
        static Ending of(InputEnd how) {
            return new Ending(how.word, ExitCodes.OK, null);
        }
    }

    private static final Ending STORAGE = new Ending("storage-error", ExitCodes.IO_ERROR,
            "the loghost could not store your lines");
    private static final Ending INTERNAL = new Ending("internal-error", ExitCodes.SOFTWARE, "internal error");

    // ---- the reading side ----

    @Override
    protected boolean begin(AuthenticatedHost host, ServerSession s) {
        this.who = host;
        this.session = s;
        this.counted = metrics.host(who.host());
        try {
            log = store.host(who.host());
        } catch (StorageException e) {
            storageError("-", e);
            fail(ExitCodes.IO_ERROR, "the loghost could not store your lines");
            return false;
        }
        return true;
    }

    @Override
    protected void received(byte[] buf, int length) {
        frames.feed(buf, length);
        try {
            for (Frames.Frame f; (f = frames.next()) != null; ) {
                if (stream == null) {
                    hello(f);
                } else {
                    frame(f);
                }
            }
        } catch (Frames.ProtocolException e) {
            protocolError(e);
        } catch (StorageException e) {
            appendFailed(e);
        }
    }

    @Override
    protected void caughtUp() {
        try {
            store();
        } catch (StorageException e) {
            appendFailed(e);
        }
    }

    @Override
    protected void inputEnded(InputEnd how) {
        if (stream == null) {
            if (how == InputEnd.EOF) {
                String unfinished = frames.unfinished();
                protocolError(new Frames.ProtocolException(unfinished != null ? unfinished
                        : "input ended before HELLO"));
            } else {
                LOG.info("stream-lost host={} reason=\"{}\"", who.host(), how.word);
                exit(ExitCodes.OK, null);
            }
            return;
        }
        try {
            store();
        } catch (StorageException e) {
            appendFailed(e);
            return;
        }
        String unfinished = how == InputEnd.EOF ? frames.unfinished() : null;
        if (unfinished != null) {
            protocolError(new Frames.ProtocolException(unfinished));
            return;
        }
        end(Ending.of(how));
    }

    @Override
    protected void failedInside(Throwable t) {
        if (stream == null) {
            super.failedInside(t);
            return;
        }
        internalError(t);
        try {
            store(); // the frames before the failure are valid: stored and acknowledged, as after a protocol error
        } catch (Throwable again) {
            LOG.error("internal-error host={} stream={}: the last batch was not stored: {}", who.host(), stream,
                    again.toString());
        }
        end(INTERNAL);
    }

    private void hello(Frames.Frame f) throws Frames.ProtocolException, StorageException {
        Frames.Hello hello = Frames.hello(f);
        if (Frames.isReserved(hello.stream())) {
            // The loghost's own pull records carry c=pull.*: a pushing key must not be able to write lookalikes.
            throw new Frames.ProtocolException("reserved-stream", "stream id " + hello.stream() + " is reserved: "
                    + "ids starting with " + Frames.RESERVED_PREFIX + " are the loghost's own pull records");
        }
        if (!log.admitStream(hello.stream(), Frames.MAX_STREAMS_PER_HOST)) {
            throw new Frames.ProtocolException("too-many-streams", "host " + who.host() + " already has "
                    + Frames.MAX_STREAMS_PER_HOST + " streams; a new stream id is refused");
        }
        synchronized (this) {
            admitted = hello.stream();
        }
        long last = log.streamPosition(hello.stream());
        // The client takes WELCOME's last as acknowledged and drops those lines from its spool: they must be on
        // disk first (appended by a session whose ACK never went out, they may not be). A log out of service
        // refuses to sync, so its position is never reported.
        log.sync();
        stream = hello.stream();
        wantsReceipts = hello.receipts() && receipts != null;
        rules = new CseqRules(last);
        batchStream(stream);
        out().write(text(Frames.WELCOME, "loghost-ack 1 host=" + who.host() + " last=" + last));
        String start = "host=" + who.host() + " source=" + Refusals.source(session) + " key=" + who.fingerprint()
                + " stream=" + stream + " resume-after=" + last;
        LOG.info("stream-start {}", start);
        refusals.audit().event("stream-start " + start);
    }

    private void frame(Frames.Frame f) throws Frames.ProtocolException, StorageException {
        check(f, rules, () -> log.streamPosition(stream));
        receivedSinceAppend += FrameAssembler.HEADER + f.body().length;
        int payload = f.body().length - f.payloadOffset();
        int records = f.kind() == Frames.MARK || f.kind() == Frames.GAP ? 1 : Math.max(1, ceil(payload));
        LineBatch batch = batch();
        // Bytes, not only records: a batch never holds more than BATCH_BYTES, or one frame's worth.
        if (batch.count() + records > BATCH_RECORDS
                || (long) batch.bytes() + Escaping.maxEscapedLength(payload) > BATCH_BYTES) {
            store();
        }
        add(batch, f);
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
        linesSinceAppend |= kind != Frames.MARK && kind != Frames.GAP;
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

    // Appends the batch and asks for the fsync that lets it be acknowledged.
    private void store() throws StorageException {
        LineBatch batch = batch();
        if (stream == null || batch.count() == 0) {
            return;
        }
        // Every cseq of the batch is now in the log, stored here or found there already (cseqs increase, so the
        // last is the highest).
        long highest = batch.lastClientSeq();
        HostLog.AppendResult appended = log.append(batch);
        int stored = appended.records();
        counted.appended(stored, receivedSinceAppend);
        // A heartbeat resent after a reconnect (already stored) still says the forwarder is alive.
        if (heartbeatSinceAppend) {
            counted.heartbeat();
        }
        if (linesSinceAppend && stored > 0) {
            counted.logged();
        }
        receivedSinceAppend = 0;
        heartbeatSinceAppend = false;
        linesSinceAppend = false;
        batch.clear();
        // The host's newest record after this batch, and its digest, from the append itself: asked of the log
        // separately, another session's append could come between the two, and an ACK or a signed receipt would
        // name one record with another's digest. And no lock of the log is taken under this session's, which
        // MINA's I/O thread needs to queue input. Put in hex only for an ACK that goes out (one per fsync round).
        synchronized (this) {
            appendedCseq = highest;
            appendedHostSeq = appended.lastSeq();
            appendedDigest = appended.lastDigest();
        }
        workers.commits().request(log, this);
    }

    // The frames before the bad one are valid: they are stored and acknowledged, then the session is refused.
    private void protocolError(Frames.ProtocolException e) {
        refusals.log(e.reason(), session, "reason=" + Refusals.quote(e.getMessage()));
        if (stream == null) {
            fail(ExitCodes.DATA_ERROR, "protocol error: " + e.getMessage());
            return;
        }
        try {
            store();
        } catch (StorageException se) {
            appendFailed(se);
            return;
        }
        end(new Ending(e.reason(), ExitCodes.DATA_ERROR, "protocol error: " + e.getMessage()));
    }

    private void appendFailed(StorageException e) {
        storageError(stream == null ? "-" : stream, e);
        if (stream == null) {
            fail(ExitCodes.IO_ERROR, "the loghost could not store your lines");
            return;
        }
        end(STORAGE);
    }

    // No more input is read; the last round of fsync and ACK covers what was appended, then the session ends.
    private void end(Ending how) {
        endInput();
        synchronized (this) {
            if (endRequested != null) {
                return;
            }
            endRequested = how;
        }
        workers.commits().request(log, this);
    }

    // ---- the acknowledging side (GroupCommit's threads) ----

    @Override
    public void capture() {
        synchronized (this) {
            capturedCseq = appendedCseq;
            capturedHostSeq = appendedHostSeq;
            capturedDigest = appendedDigest;
            capturedEnd = endRequested;
        }
        syncStarted = System.nanoTime();
    }

    @Override
    public void synced() {
        synchronized (this) {
            if (ended) {
                return; // a round requested by a last append that raced with the end: nothing more goes out
            }
        }
        metrics.synced(ServerMetrics.SyncTrigger.SESSION, System.nanoTime() - syncStarted);
        try {
            if (capturedCseq != acked) {
                String hex = HexFormat.of().formatHex(capturedDigest);
                byte[] d = hex.getBytes(StandardCharsets.US_ASCII);
                byte[] body = new byte[8 + d.length];
                for (int i = 0; i < 8; i++) {
                    body[i] = (byte) (capturedHostSeq >>> (56 - 8 * i));
                }
                System.arraycopy(d, 0, body, 8, d.length);
                if (!out().writeAck(seq(Frames.ACK, capturedCseq, body))) {
                    notReading();
                    return;
                }
                acked = capturedCseq;
                ackedHostSeq = capturedHostSeq;
                ackedDigest = hex;
            }
            // A receipt at most once a second, and always for the session's last ACK.
            boolean finishing = capturedEnd != null;
            if (wantsReceipts && acked != receipted && ackedDigest != null
                    && (finishing || System.nanoTime() - lastReceiptNanos >= RECEIPT_INTERVAL_NANOS)) {
                String line = receipts.receipt(log.host(), stream, acked, ackedHostSeq, ackedDigest,
                        System.currentTimeMillis());
                if (!out().write(text(Frames.RECEIPT, line))) {
                    notReading();
                    return;
                }
                receipted = acked;
                lastReceiptNanos = System.nanoTime();
            }
        } catch (RuntimeException | Error e) {
            internalError(e);
            finish(INTERNAL);
            return;
        }
        if (capturedEnd != null) {
            finish(capturedEnd);
        }
    }

    @Override
    public void failed(Throwable e) {
        Ending how;
        synchronized (this) {
            how = endRequested;
        }
        if (how == null || how.error() == null) {
            if (e instanceof StorageException se) {
                storageError(stream, se);
                how = STORAGE;
            } else {
                internalError(e);
                how = INTERNAL;
            }
        }
        endInput();
        finish(how);
    }

    // A client that does not read its ACKs would make them pile up: it is cut off.
    private void notReading() {
        refusals.log("output-not-read", session, "stream=" + stream + " queued=" + AsyncOutput.MAX_WAITING);
        endInput();
        finish(new Ending("output-not-read", ExitCodes.DATA_ERROR, null));
        channel().closeNow();
    }

    // Once: the stream's end record, the ERROR frame if any, the exit status.
    private void finish(Ending how) {
        synchronized (this) {
            if (ended) {
                return;
            }
            ended = true;
        }
        leaveStream();
        String end = "host=" + who.host() + " stream=" + stream + " ending=" + how.name() + " last="
                + log.streamPosition(stream);
        LOG.info("stream-end {}", end);
        refusals.audit().event("stream-end " + end);
        if (how.error() != null) {
            fail(how.code(), how.error());
        } else {
            exit(how.code(), null);
        }
    }

    // ---- reporting ----

    private void storageError(String s, StorageException e) {
        String detail = "host=" + who.host() + " stream=" + s + " reason=" + Refusals.quote(e.getMessage());
        LOG.error("storage-error {}", detail);
        refusals.audit().event("storage-error " + detail);
    }

    private void internalError(Throwable e) {
        String detail = "host=" + (who == null ? "-" : who.host()) + " stream=" + (stream == null ? "-" : stream)
                + " reason=" + Refusals.quote(e.toString());
        LOG.error("internal-error {}", detail);
        LOG.debug("internal-error stack trace", e);
        refusals.audit().event("internal-error " + detail);
    }

    @Override
    protected void refuse(int code, String message) {
        fail(code, message);
    }

    // Once, whichever way the session ends: a stream it left without a record no longer counts against the cap.
    private void leaveStream() {
        String s;
        synchronized (this) {
            s = admitted;
            admitted = null;
        }
        if (s != null) {
            log.leaveStream(s);
        }
    }

    private void fail(int code, String message) {
        leaveStream();
        out().write(text(Frames.ERROR, message));
        exitWithMessage(code, message);
    }

    private static byte[] text(byte kind, String text) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try {
            Frames.writeText(b, kind, text);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a byte array does not fail
        }
        return b.toByteArray();
    }

    private static byte[] seq(byte kind, long seq, byte[] body) {
        ByteArrayOutputStream b = new ByteArrayOutputStream(13 + body.length);
        try {
            Frames.writeSeq(b, kind, seq, body, 0, body.length);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return b.toByteArray();
    }
}
