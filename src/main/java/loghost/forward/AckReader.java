package loghost.forward;

import java.io.DataInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import loghost.protocol.Frames;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads one connection's ACK frames and moves the spool's acknowledged mark for its destination; keeps the receipts
 * that come with them when they verify ({@link Receipts}); ends at the first failure, which the {@link Sender} reads.
 */
final class AckReader extends Thread {

    // Sender's logger, as before this class was its inner class: operators' filters on the logger name still match.
    private static final Logger LOG = LoggerFactory.getLogger(Sender.class);

    private final DataInputStream in;
    private final StreamIdentity id;
    private final Acknowledgements acknowledged;
    private final Destination dest;
    private final Receipts receipts;
    private final Path ackLogFile;
    /** What ended the connection (null while it lasts); read by the sender. */
    volatile IOException failure;
    /** The highest spool cseq written to the loghost so far; written by the sender. */
    volatile long sent;
    private java.io.Writer ackLog;
    private final loghost.seal.VerificationKey receiptKey;
    private long lastAckWire;
    private long lastAckSeq;
    private String lastAckDigest;
    // At most one receipt per ACK, each for a later host seq than the one kept before: a loghost (or root on it)
    // can neither flood the file nor make it forget the receipts kept so far by repeating one.
    private boolean receiptForThisAck = true;
    private long lastReceiptSeq;
    private long lastReceiptCseq;

    /**
     * A reader of {@code in} for stream {@code id} to {@code dest}, {@code sent} written so far; receipts are checked
     * against {@code receiptKey} (null: none can be) into {@code receipts}; {@code ackLogFile} (null: none) gets a
     * line per ACK.
     */
    AckReader(DataInputStream in, StreamIdentity id, long sent, loghost.seal.VerificationKey receiptKey,
              Acknowledgements acknowledged, Destination dest, Receipts receipts, Path ackLogFile) {
        super("loghost-forward-acks");
        setDaemon(true);
        this.in = in;
        this.id = id;
        this.sent = sent;
        this.receiptKey = receiptKey;
        this.acknowledged = acknowledged;
        this.dest = dest;
        this.receipts = receipts;
        this.ackLogFile = ackLogFile;
    }

    // A receipt is kept only when the pinned host key signed it and it says what the ACK before it said.
    private void receipt(Frames.Frame f) {
        String line = new String(f.body(), StandardCharsets.US_ASCII);
        String problem;
        loghost.seal.Receipt r = null;
        try {
            r = loghost.seal.Receipt.parse(line);
            problem = receiptKey == null ? "the loghost's host key is not Ed25519"
                    : !r.signedBy(receiptKey) ? "signature does not verify with the loghost's host key"
                    : !r.stream().equals(id.id()) ? "names stream " + r.stream()
                    : r.cseq() != lastAckWire || r.seq() != lastAckSeq || !r.digestHex().equals(lastAckDigest)
                            ? "does not match the ACK before it"
                    : receiptForThisAck ? "a second receipt for one ACK"
                    : r.seq() <= lastReceiptSeq || r.cseq() <= lastReceiptCseq
                            ? "not for later lines than the receipt before it" : null;
        } catch (IllegalArgumentException e) {
            problem = "not a receipt line";
        }
        if (problem != null) {
            LOG.error("receipt-refused to={} stream={} reason=\"{}\": not kept", dest, id.id(), problem);
            return;
        }
        receiptForThisAck = true;
        lastReceiptSeq = r.seq();
        lastReceiptCseq = r.cseq();
        try {
            receipts.add(r.line());
        } catch (IOException e) {
            LOG.error("receipt-not-kept to={} file={} reason=\"{}\"", dest, receipts.file(), e.getMessage());
        }
    }

    @Override
    public void run() {
        try (java.io.Writer log = ackLogFile == null ? null : java.nio.file.Files.newBufferedWriter(
                ackLogFile, StandardCharsets.US_ASCII, java.nio.file.StandardOpenOption.CREATE,
                java.nio.file.StandardOpenOption.APPEND)) {
            ackLog = log;
            while (true) {
                Frames.Frame f = Frames.read(in);
                // When the ACK arrived, before the spool's bookkeeping: what the ack log is for (latency).
                java.time.Instant arrived = ackLog == null ? null : java.time.Instant.now();
                if (f == null) {
                    failure = new IOException("the loghost closed the stream");
                    return;
                }
                if (f.kind() == Frames.ERROR) {
                    failure = new IOException("the loghost reported: " + new String(f.body(),
                            StandardCharsets.UTF_8));
                    return;
                }
                if (f.kind() == Frames.RECEIPT) {
                    receipt(f);
                    continue;
                }
                if (f.kind() != Frames.ACK || f.body().length < 16) {
                    failure = new Frames.ProtocolException("unexpected frame '" + (char) f.kind() + "'");
                    return;
                }
                long acked = id.toSpool(f.seq());
                if (f.seq() < 0 || acked > sent) {
                    // Never let an acknowledgement of what was not sent delete it from the spool.
                    failure = new Frames.ProtocolException("ACK for cseq " + Long.toUnsignedString(f.seq())
                            + " beyond the " + id.toWire(sent) + " sent");
                    return;
                }
                acknowledged.acked(dest, acked);
                receiptForThisAck = false;
                lastAckWire = f.seq();
                lastAckSeq = java.nio.ByteBuffer.wrap(f.body(), 8, 8).getLong();
                lastAckDigest = new String(f.body(), 16, f.body().length - 16, StandardCharsets.US_ASCII);
                if (ackLog != null) {
                    ackLog.write((arrived.getEpochSecond() * 1_000_000 + arrived.getNano() / 1000) + " " + f.seq()
                            + "\n");
                    ackLog.flush();
                }
            }
        } catch (IOException e) {
            failure = e;
        }
    }
}
