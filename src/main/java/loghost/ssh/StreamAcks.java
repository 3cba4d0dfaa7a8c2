package loghost.ssh;

import java.util.HexFormat;
import loghost.metrics.ServerMetrics;
import loghost.protocol.Frames;
import loghost.seal.ReceiptSigner;
import loghost.store.HostLog;
import loghost.store.StorageException;

/**
 * The acknowledging side of one acknowledged stream. {@link AckedAppendCommand} appends and asks
 * {@link GroupCommit} for an fsync; each completed fsync, on GroupCommit's threads, sends the ACK for what it
 * covers, a signed receipt at most once a second (and for the last ACK), and, once the session's end was asked
 * for, ends the session. GroupCommit runs one round of a log at a time, so the fields after the lock's are this
 * side's own.
 */
final class StreamAcks implements GroupCommit.Waiter {

    private static final long RECEIPT_INTERVAL_NANOS = 1_000_000_000L;

    private final AckedAppendCommand session;
    private final HostLog log;
    private final String stream;
    private final ServerMetrics metrics;
    private final ReceiptSigner receipts;

    // What was appended, and whether the input is over: written by the reader, read as a sync starts. Guarded by
    // this, as is ended.
    private long appendedCseq;
    private long appendedHostSeq;
    private byte[] appendedDigest;
    private StreamEnding endRequested;
    private boolean ended;

    // The acknowledging side's own.
    private long capturedCseq;
    private long capturedHostSeq;
    private byte[] capturedDigest;
    private StreamEnding capturedEnd;
    private long syncStarted;
    private long acked;
    private long ackedHostSeq;
    private String ackedDigest;
    private long receipted;
    private long lastReceiptNanos = System.nanoTime() - RECEIPT_INTERVAL_NANOS;

    /** The acknowledgements of {@code session}'s {@code stream} in {@code log}; {@code receipts} null: none asked. */
    StreamAcks(AckedAppendCommand session, HostLog log, String stream, ServerMetrics metrics,
               ReceiptSigner receipts) {
        this.session = session;
        this.log = log;
        this.stream = stream;
        this.metrics = metrics;
        this.receipts = receipts;
    }

    /** The session's frames up to {@code cseq} are in the log, whose newest record is {@code hostSeq}. */
    synchronized void appended(long cseq, long hostSeq, byte[] digest) {
        appendedCseq = cseq;
        appendedHostSeq = hostSeq;
        appendedDigest = digest;
    }

    /** Asks for the session to end {@code how} after the next fsync; false if an end was asked for already. */
    synchronized boolean requestEnd(StreamEnding how) {
        if (endRequested != null) {
            return false;
        }
        endRequested = how;
        return true;
    }

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
            if (!acknowledge() || !sendReceipt()) {
                finish(session.notReading());
                session.channel().closeNow();
                return;
            }
        } catch (RuntimeException | Error e) {
            session.internalError(e);
            finish(StreamEnding.INTERNAL);
            return;
        }
        if (capturedEnd != null) {
            finish(capturedEnd);
        }
    }

    // The ACK for what the round covers, if it covers more than the last; false when the client does not read.
    private boolean acknowledge() {
        if (capturedCseq == acked) {
            return true;
        }
        String hex = HexFormat.of().formatHex(capturedDigest);
        if (!session.out().writeAck(AckFrames.ack(capturedCseq, capturedHostSeq, hex))) {
            return false;
        }
        acked = capturedCseq;
        ackedHostSeq = capturedHostSeq;
        ackedDigest = hex;
        return true;
    }

    // A receipt at most once a second, and always for the session's last ACK; false when the client does not read.
    private boolean sendReceipt() {
        boolean finishing = capturedEnd != null;
        if (receipts == null || acked == receipted || ackedDigest == null
                || !finishing && System.nanoTime() - lastReceiptNanos < RECEIPT_INTERVAL_NANOS) {
            return true;
        }
        String line = receipts.receipt(log.host(), stream, acked, ackedHostSeq, ackedDigest,
                System.currentTimeMillis());
        if (!session.out().write(AckFrames.text(Frames.RECEIPT, line))) {
            return false;
        }
        receipted = acked;
        lastReceiptNanos = System.nanoTime();
        return true;
    }

    @Override
    public void failed(Throwable e) {
        StreamEnding how;
        synchronized (this) {
            how = endRequested;
        }
        if (how == null || !how.tellsClient()) {
            if (e instanceof StorageException se) {
                session.storageError(stream, se);
                how = StreamEnding.STORAGE;
            } else {
                session.internalError(e);
                how = StreamEnding.INTERNAL;
            }
        }
        session.endInput();
        finish(how);
    }

    // Once, whichever side gets here first.
    private void finish(StreamEnding how) {
        synchronized (this) {
            if (ended) {
                return;
            }
            ended = true;
        }
        session.finished(how);
    }
}
