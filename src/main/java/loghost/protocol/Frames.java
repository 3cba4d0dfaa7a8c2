package loghost.protocol;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import loghost.names.StreamId;
import loghost.refusal.Refusal;

/**
 * The acknowledged mode's framing (docs/PROTOCOL.md, "Acknowledged mode"): {@code KIND LENGTH BODY}, one ASCII
 * letter, a 4-byte big-endian length, the body. Shared by the server and {@code loghost forward}.
 */
public final class Frames {

    /** The exec command that selects acknowledged mode. */
    public static final String COMMAND = "append-log --ack";
    /** Largest body accepted: a 1 MiB line plus its 8-byte sequence number. */
    public static final int MAX_BODY = (1 << 20) + 8;
    /** Largest body accepted after a HELLO with {@code times=1}: LINE and PART carry an 8-byte event time too. */
    public static final int MAX_BODY_WITH_TIMES = MAX_BODY + 8;
    /**
     * How far past the server's clock an event time may lie (docs/PROTOCOL.md, "Event times"): a forwarder's clock
     * may run a little ahead (such a time is stored as the receive time); one further ahead is refused.
     */
    public static final long MAX_EVENT_AHEAD_MILLIS = 86_400_000L;
    /** Largest MARK or GAP text: stored whole as one record, never cut; a longer one is a protocol error. */
    public static final int MAX_TEXT = 4096;
    /** How far a cseq may run ahead of the stream's last committed one (2^24); beyond is a protocol error. */
    public static final long MAX_SKIP = 1L << 24;
    /**
     * Streams one host may have: every stream's position is kept in memory and saved at each sync, so a key that
     * opens a new stream per session must not be able to grow them without bound. A spool draws one stream id in
     * its life (and a new one after a conflict), so a real host stays far below.
     */
    public static final int MAX_STREAMS_PER_HOST = 4096;

    /**
     * Stream ids starting with this are refused in HELLO: they are the loghost's own pull records
     * ({@code c=pull.c}, {@code c=pull.P.ID}, {@code c=pull.j.X}), which a pushing host must not be able to forge.
     */
    public static final String RESERVED_PREFIX = "pull.";

    /**
     * Client: opens the stream. Body: {@code loghost-ack 1 stream=ID}, then {@code " receipts=1"} to ask for receipts
     * and {@code " times=1"} to send each line's event time, in that order.
     */
    public static final byte HELLO = 'h';
    /**
     * Client: one whole line. Body: u64 cseq, then the line's bytes (no LF); after a HELLO with {@code times=1},
     * u64 cseq, u64 event time (ms since the epoch), then the bytes.
     */
    public static final byte LINE = 'l';
    /** Client: the first parts of a line longer than one frame; the line goes on in the next frame. Body as LINE's. */
    public static final byte PART = 'p';
    /** Client: a heartbeat. Body: u64 cseq, then ASCII text. */
    public static final byte MARK = 'm';
    /** Client: lines the forwarder could not keep. Body: u64 cseq, then ASCII text. */
    public static final byte GAP = 'g';
    /** Server: the stream is open. Body: {@code loghost-ack 1 host=HOST last=CSEQ}. */
    public static final byte WELCOME = 'w';
    /** Server: everything up to cseq is on disk. Body: u64 cseq, u64 host seq, digest as lowercase hex. */
    public static final byte ACK = 'a';
    /** Server: a fatal error; the server ends the session after it. Body: UTF-8 text. */
    public static final byte ERROR = 'e';
    /** Server, after an ACK, when HELLO asked for them: a signed receipt line (docs/PROTOCOL.md, "Receipts"). */
    public static final byte RECEIPT = 'r';

    private static final Pattern HELLO_BODY = Pattern.compile("loghost-ack 1 stream=(" + StreamId.GRAMMAR + ")"
            + "( receipts=1)?( times=1)?");

    private Frames() {
    }

    /** One frame. */
    public record Frame(byte kind, byte[] body) {
        /** The u64 sequence number at the start of the body. */
        public long seq() {
            long v = 0;
            for (int i = 0; i < 8; i++) {
                v = (v << 8) | (body[i] & 0xff);
            }
            return v;
        }

        /** The body after the sequence number. */
        public int payloadOffset() {
            return 8;
        }

        /** The u64 event time (ms) after the sequence number of a LINE or PART sent with {@code times=1}. */
        public long eventTime() {
            long v = 0;
            for (int i = 8; i < 16; i++) {
                v = (v << 8) | (body[i] & 0xff);
            }
            return v;
        }
    }

    /** Reads one frame; null at a clean end of input; throws {@link ProtocolException} on a malformed one. */
    public static Frame read(DataInputStream in) throws IOException {
        int kind = in.read();
        if (kind < 0) {
            return null;
        }
        int length;
        try {
            length = in.readInt();
        } catch (EOFException e) {
            throw new ProtocolException("input ended inside a frame header");
        }
        if (length < 0 || length > MAX_BODY) {
            throw new ProtocolException("frame of " + Integer.toUnsignedString(length) + " bytes exceeds " + MAX_BODY);
        }
        byte[] body = new byte[length];
        try {
            in.readFully(body);
        } catch (EOFException e) {
            throw new ProtocolException("input ended inside a frame body");
        }
        return new Frame((byte) kind, body);
    }

    /** Writes one frame (not flushed). */
    public static void write(OutputStream out, byte kind, byte[] body, int off, int len) throws IOException {
        byte[] head = {kind, (byte) (len >>> 24), (byte) (len >>> 16), (byte) (len >>> 8), (byte) len};
        out.write(head);
        out.write(body, off, len);
    }

    /** Writes a frame whose body is a u64 followed by {@code payload[off, off+len)}. */
    public static void writeSeq(OutputStream out, byte kind, long seq, byte[] payload, int off, int len)
            throws IOException {
        byte[] head = {kind, (byte) ((len + 8) >>> 24), (byte) ((len + 8) >>> 16), (byte) ((len + 8) >>> 8),
            (byte) (len + 8), (byte) (seq >>> 56), (byte) (seq >>> 48), (byte) (seq >>> 40), (byte) (seq >>> 32),
            (byte) (seq >>> 24), (byte) (seq >>> 16), (byte) (seq >>> 8), (byte) seq};
        out.write(head);
        out.write(payload, off, len);
    }

    /** Writes a LINE or PART frame of a {@code times=1} session: u64 cseq, u64 event time (ms), the bytes. */
    public static void writeTimed(OutputStream out, byte kind, long seq, long eventMillis, byte[] payload, int off,
                                  int len) throws IOException {
        int n = len + 16;
        byte[] head = new byte[5 + 16];
        head[0] = kind;
        for (int i = 0; i < 4; i++) {
            head[1 + i] = (byte) (n >>> (24 - 8 * i));
        }
        for (int i = 0; i < 8; i++) {
            head[5 + i] = (byte) (seq >>> (56 - 8 * i));
            head[13 + i] = (byte) (eventMillis >>> (56 - 8 * i));
        }
        out.write(head);
        out.write(payload, off, len);
    }

    /** Writes a frame with an ASCII/UTF-8 text body. */
    public static void writeText(OutputStream out, byte kind, String text) throws IOException {
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        write(out, kind, b, 0, b.length);
    }

    /** The stream id of a HELLO body. */
    public static String parseHello(Frame f) throws ProtocolException {
        return hello(f).stream();
    }

    /** True when {@code streamId} is reserved for the loghost's own records (see {@link #RESERVED_PREFIX}). */
    public static boolean isReserved(String streamId) {
        return streamId.startsWith(RESERVED_PREFIX);
    }

    /**
     * A HELLO: the stream it opens, whether the client asks for signed receipts, and whether its LINE and PART frames
     * carry event times.
     */
    public record Hello(String stream, boolean receipts, boolean times) {
    }

    /** Parses a HELLO frame. */
    public static Hello hello(Frame f) throws ProtocolException {
        if (f == null) {
            throw new ProtocolException("input ended before HELLO");
        }
        Matcher m = HELLO_BODY.matcher(new String(f.body(), StandardCharsets.US_ASCII));
        if (f.kind() != HELLO || !m.matches()) {
            throw new ProtocolException("expected HELLO \"loghost-ack 1 stream=ID\"");
        }
        return new Hello(m.group(1), m.group(2) != null, m.group(3) != null);
    }

    /** A frame that breaks the protocol; {@link #reason()} is the refusal it makes. */
    public static final class ProtocolException extends IOException {
        private static final long serialVersionUID = 1L;
        private final Refusal reason;

        /** A violation, described; reason code {@code protocol-error}. */
        public ProtocolException(String message) {
            this(Refusal.PROTOCOL_ERROR, message);
        }

        /** A violation with its own reason code (e.g. {@code cseq-skip}). */
        public ProtocolException(Refusal reason, String message) {
            super(message);
            this.reason = reason;
        }

        /** The refusal, for its reason code in the log line and audit record, and its exit status. */
        public Refusal reason() {
            return reason;
        }
    }
}
