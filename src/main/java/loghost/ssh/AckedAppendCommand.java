package loghost.ssh;

import loghost.metrics.HostMetrics;
import loghost.metrics.ServerMetrics;
import loghost.protocol.CseqRules;
import loghost.protocol.Frames;
import loghost.refusal.Refusal;
import loghost.seal.ReceiptSigner;
import loghost.ssh.SessionInbox.InputEnd;
import loghost.store.Escaping;
import loghost.store.HostLog;
import loghost.store.LineBatch;
import loghost.store.LogStore;
import loghost.store.StorageException;
import org.apache.sshd.server.session.ServerSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code append-log --ack}: the forwarder's acknowledged mode. Frames carry lines numbered by the client; each
 * number is stored at most once (the log remembers the last one per stream), and acknowledged only once the
 * records holding it are on disk. Frames are read and appended here, on a worker; the fsync runs on
 * {@link GroupCommit}'s threads while the session keeps reading, and its completion sends the ACK
 * ({@link StreamAcks}).
 *
 * <p>Memory is bounded in bytes: at most one frame and one batch of {@link #BATCH_BYTES} escaped bytes are held
 * while the session's turn runs, and the channel's window is released only as input is handled, so the client
 * is held back (backpressure). An idle session holds neither.
 */
final class AckedAppendCommand extends HostCommand {

    private static final Logger LOG = LoggerFactory.getLogger(AckedAppendCommand.class);
    /** Records per append, at most. */
    static final int BATCH_RECORDS = 4096;
    /** Escaped bytes per append, at most (or one frame's, when that is more). */
    static final int BATCH_BYTES = 4 << 20;

    private final LogStore store;
    private final int maxLine;
    private final ServerMetrics metrics;
    private final ReceiptSigner receipts;

    // The reading side, touched by one worker at a time; who, log and stream are set before any ACK is asked for.
    private final FrameAssembler frames;
    private AuthenticatedHost who;
    private ServerSession session;
    private HostLog log;
    private String stream;
    // HELLO's times=1: every LINE and PART body carries the line's event time after its cseq.
    private boolean times;
    private StreamAcks acks;
    private CseqRules rules;
    private HostMetrics counted;
    private long receivedSinceAppend;
    private boolean heartbeatSinceAppend;
    private boolean linesSinceAppend;
    // The stream this session was admitted to by the host's log (counted against the cap until it leaves).
    // Guarded by this: the session may end on GroupCommit's threads.
    private String admitted;

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
            fail(StreamEnding.STORAGE.failure());
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
        String unfinished = how == InputEnd.EOF ? frames.unfinished() : null;
        if (stream == null) {
            if (how == InputEnd.EOF) {
                protocolError(new Frames.ProtocolException(unfinished != null ? unfinished
                        : "input ended before HELLO"));
            } else {
                LOG.info("stream-lost host={} reason=\"{}\"", who.host(), how.word);
                exitOk();
            }
            return;
        }
        try {
            store();
        } catch (StorageException e) {
            appendFailed(e);
            return;
        }
        if (unfinished != null) {
            protocolError(new Frames.ProtocolException(unfinished));
            return;
        }
        end(StreamEnding.of(how));
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
        end(StreamEnding.INTERNAL);
    }

    private void hello(Frames.Frame f) throws Frames.ProtocolException, StorageException {
        Frames.Hello hello = Frames.hello(f);
        if (Frames.isReserved(hello.stream())) {
            // The loghost's own pull records carry c=pull.*: a pushing key must not be able to write lookalikes.
            throw new Frames.ProtocolException(Refusal.RESERVED_STREAM, "stream id " + hello.stream()
                    + " is reserved: ids starting with " + Frames.RESERVED_PREFIX + " are the loghost's own pull"
                    + " records");
        }
        if (!log.admitStream(hello.stream(), Frames.MAX_STREAMS_PER_HOST)) {
            throw new Frames.ProtocolException(Refusal.TOO_MANY_STREAMS, "host " + who.host() + " already has "
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
        times = hello.times();
        if (times) {
            frames.maxBody(Frames.MAX_BODY_WITH_TIMES);
        }
        acks = new StreamAcks(this, log, stream, metrics, hello.receipts() ? receipts : null);
        rules = new CseqRules(last);
        batchStream(stream);
        out().write(AckFrames.text(Frames.WELCOME, "loghost-ack 1 host=" + who.host() + " last=" + last));
        String start = "host=" + who.host() + " source=" + Refusals.source(session) + " key=" + who.fingerprint()
                + " stream=" + stream + " resume-after=" + last;
        LOG.info("stream-start {}", start);
        refusals.audit().event("stream-start " + start);
    }

    private void frame(Frames.Frame f) throws Frames.ProtocolException, StorageException {
        AckFrames.check(f, times, times ? store.clock().millis() : 0, rules, () -> log.streamPosition(stream));
        receivedSinceAppend += FrameAssembler.HEADER + f.body().length;
        int payload = f.body().length - AckFrames.payloadOffset(f, times);
        LineBatch batch = batch();
        // Bytes, not only records: a batch never holds more than BATCH_BYTES, or one frame's worth.
        if (batch.count() + AckFrames.records(f, times, maxLine) > BATCH_RECORDS
                || (long) batch.bytes() + Escaping.maxEscapedLength(payload) > BATCH_BYTES) {
            store();
        }
        heartbeatSinceAppend |= f.kind() == Frames.MARK;
        linesSinceAppend |= f.kind() != Frames.MARK && f.kind() != Frames.GAP;
        AckFrames.add(batch, f, times, maxLine);
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
        // name one record with another's digest. And no lock of the log is taken under the acks' lock, which
        // every fsync round takes. Put in hex only for an ACK that goes out (one per fsync round).
        acks.appended(highest, appended.lastSeq(), appended.lastDigest());
        workers.commits().request(log, acks);
    }

    // The frames before the bad one are valid: they are stored and acknowledged, then the session is refused.
    private void protocolError(Frames.ProtocolException e) {
        Failure refused = refusals.refuse(e.reason(), session, "reason=" + Refusals.quote(e.getMessage()),
                e.getMessage());
        if (stream == null) {
            fail(refused);
            return;
        }
        try {
            store();
        } catch (StorageException se) {
            appendFailed(se);
            return;
        }
        end(new StreamEnding(e.reason().code(), refused));
    }

    private void appendFailed(StorageException e) {
        storageError(stream == null ? "-" : stream, e);
        if (stream == null) {
            fail(StreamEnding.STORAGE.failure());
            return;
        }
        end(StreamEnding.STORAGE);
    }

    // No more input is read; the last round of fsync and ACK covers what was appended, then the session ends.
    private void end(StreamEnding how) {
        endInput();
        if (acks.requestEnd(how)) {
            workers.commits().request(log, acks);
        }
    }

    // ---- called by the acknowledging side (GroupCommit's threads) ----

    /** The client does not read its ACKs, which would pile up: refused, no more input read; how it ends. */
    StreamEnding notReading() {
        Failure refused = refusals.refuse(Refusal.OUTPUT_NOT_READ, session, "stream=" + stream + " queued="
                + AsyncOutput.MAX_WAITING);
        endInput();
        return new StreamEnding(Refusal.OUTPUT_NOT_READ.code(), refused);
    }

    /** Once, the session's last act: the stream's end record, the ERROR frame if any, the exit status. */
    void finished(StreamEnding how) {
        leaveStream();
        String end = "host=" + who.host() + " stream=" + stream + " ending=" + how.name() + " last="
                + log.streamPosition(stream);
        LOG.info("stream-end {}", end);
        refusals.audit().event("stream-end " + end);
        if (how.failure() == null) {
            exitOk();
        } else {
            fail(how.failure());
        }
    }

    /** Logs and audits a failed write or fsync of stream {@code s}. */
    void storageError(String s, StorageException e) {
        String detail = "host=" + who.host() + " stream=" + s + " reason=" + Refusals.quote(e.getMessage());
        LOG.error("storage-error {}", detail);
        refusals.audit().event("storage-error " + detail);
    }

    /** Logs and audits an unexpected failure of this session. */
    void internalError(Throwable e) {
        String detail = "host=" + (who == null ? "-" : who.host()) + " stream=" + (stream == null ? "-" : stream)
                + " reason=" + Refusals.quote(e.toString());
        LOG.error("internal-error {}", detail);
        LOG.debug("internal-error stack trace", e);
        refusals.audit().event("internal-error " + detail);
    }

    @Override
    protected void refuse(Failure failure) {
        fail(failure);
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

    // The ERROR frame, if the failure has words for the client, then its stderr line and exit status.
    private void fail(Failure failure) {
        leaveStream();
        if (failure.message() != null) {
            out().write(AckFrames.text(Frames.ERROR, failure.message()));
        }
        exitWith(failure);
    }
}
