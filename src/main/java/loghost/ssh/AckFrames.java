package loghost.ssh;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.function.LongSupplier;
import loghost.protocol.CseqRules;
import loghost.protocol.Frames;
import loghost.refusal.Refusal;
import loghost.store.LineBatch;
import loghost.store.RecordType;

/** The server's side of the acknowledged framing: what a client frame may be, its records, the frames sent. */
final class AckFrames {

    private AckFrames() {
    }

    /**
     * Checks a client frame after HELLO: its kind, its sequence number, its text's size, the cseq rules, and with
     * {@code times} (HELLO's {@code times=1}) a LINE's or PART's event time against the server's clock {@code now}.
     */
    static void check(Frames.Frame f, boolean times, long now, CseqRules rules, LongSupplier streamLast)
            throws Frames.ProtocolException {
        byte kind = f.kind();
        if (kind != Frames.LINE && kind != Frames.PART && kind != Frames.MARK && kind != Frames.GAP) {
            throw new Frames.ProtocolException("unexpected frame 0x" + Integer.toHexString(kind & 0xff));
        }
        if (f.body().length < 8) {
            throw new Frames.ProtocolException("frame without sequence number");
        }
        boolean mark = kind == Frames.MARK || kind == Frames.GAP;
        if (times && !mark && f.body().length < 16) {
            throw new Frames.ProtocolException("frame without event time");
        }
        int text = f.body().length - f.payloadOffset();
        if (mark && text > Frames.MAX_TEXT) {
            throw new Frames.ProtocolException((kind == Frames.MARK ? "MARK" : "GAP") + " text of " + text
                    + " bytes exceeds " + Frames.MAX_TEXT);
        }
        if (times && !mark) {
            long t = f.eventTime();
            // Unsigned: a u64 above 2^63 is far in the future too. Never 0: that is "no time", which a
            // forwarder that sends times never means.
            if (t == 0 || Long.compareUnsigned(t, now + Frames.MAX_EVENT_AHEAD_MILLIS) > 0) {
                throw new Frames.ProtocolException(Refusal.BAD_EVENT_TIME, "event time " + Long.toUnsignedString(t)
                        + " of cseq " + Long.toUnsignedString(f.seq()) + " is not between 1 and the loghost's clock"
                        + " plus one day");
            }
        }
        rules.next(f.seq(), streamLast);
    }

    /** Where the line's bytes start in a LINE or PART body: after the cseq, and the event time with {@code times}. */
    static int payloadOffset(Frames.Frame f, boolean times) {
        return times && f.kind() != Frames.MARK && f.kind() != Frames.GAP ? 16 : f.payloadOffset();
    }

    /** The records a checked frame becomes with lines cut at {@code maxLine} bytes. */
    static int records(Frames.Frame f, boolean times, int maxLine) {
        if (f.kind() == Frames.MARK || f.kind() == Frames.GAP) {
            return 1;
        }
        int payload = f.body().length - payloadOffset(f, times);
        return Math.max(1, payload / maxLine + (payload % maxLine == 0 ? 0 : 1));
    }

    /** Adds a checked frame's records to {@code batch}, all carrying the frame's cseq (and event time, with times). */
    static void add(LineBatch batch, Frames.Frame f, boolean times, int maxLine) {
        byte kind = f.kind();
        long cseq = f.seq();
        byte[] b = f.body();
        int off = payloadOffset(f, times);
        int len = b.length - off;
        if (kind == Frames.MARK || kind == Frames.GAP) {
            // Whole, whatever max-line is: MAX_TEXT bounds it, and a cut record would be acknowledged as delivered.
            batch.add(kind == Frames.MARK ? RecordType.MARK : RecordType.GAP, b, off, len, cseq);
            return;
        }
        // A line longer than max-line becomes cont records, as in raw mode.
        long eventTime = times ? f.eventTime() : 0;
        while (len > maxLine) {
            add(batch, RecordType.CONT, b, off, maxLine, cseq, eventTime);
            off += maxLine;
            len -= maxLine;
        }
        add(batch, kind == Frames.PART ? RecordType.CONT : RecordType.LOG, b, off, len, cseq, eventTime);
    }

    private static void add(LineBatch batch, RecordType type, byte[] b, int off, int len, long cseq, long eventTime) {
        if (eventTime > 0) {
            batch.add(type, b, off, len, cseq, eventTime);
        } else {
            batch.add(type, b, off, len, cseq);
        }
    }

    /** An ACK frame: the client's cseq, then the host's seq (u64) and digest (lowercase hex) of the newest record. */
    static byte[] ack(long cseq, long hostSeq, String digestHex) {
        byte[] d = digestHex.getBytes(StandardCharsets.US_ASCII);
        byte[] body = new byte[8 + d.length];
        for (int i = 0; i < 8; i++) {
            body[i] = (byte) (hostSeq >>> (56 - 8 * i));
        }
        System.arraycopy(d, 0, body, 8, d.length);
        ByteArrayOutputStream b = new ByteArrayOutputStream(13 + body.length);
        try {
            Frames.writeSeq(b, Frames.ACK, cseq, body, 0, body.length);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a byte array does not fail
        }
        return b.toByteArray();
    }

    /** A text frame (WELCOME, ERROR, RECEIPT). */
    static byte[] text(byte kind, String text) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try {
            Frames.writeText(b, kind, text);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a byte array does not fail
        }
        return b.toByteArray();
    }
}
