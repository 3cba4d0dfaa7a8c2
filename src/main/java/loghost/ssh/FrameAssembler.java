package loghost.ssh;

import loghost.protocol.Frames;

/**
 * Cuts the frames of an acknowledged session out of its input as it arrives, in pieces of any size (the SSH
 * packets), with the same checks and messages as {@link Frames#read}. Holds at most one unfinished frame,
 * whose body is allocated once its header is complete and its length checked, and grows as its bytes arrive:
 * a header alone does not make the server hold a megabyte.
 */
class FrameAssembler {

    /** Bytes before a frame's body: kind and length. */
    static final int HEADER = 5;

    /** A body's first allocation; it doubles up to the frame's length as its bytes arrive. */
    private static final int FIRST_BODY = 16 * 1024;

    private final byte[] header = new byte[HEADER];
    // Frames.MAX_BODY, or 8 more once a HELLO with times=1 made every LINE and PART carry an event time.
    private int maxBody = Frames.MAX_BODY;
    private int headerFilled;
    private byte[] body;
    private int bodyLength;
    private int bodyFilled;
    private int pos;
    private byte[] input;
    private int inputLength;

    /** Frames after this one may be {@code maxBody} bytes long (a HELLO with {@code times=1} allows 8 more). */
    void maxBody(int bytes) {
        this.maxBody = bytes;
    }

    /** Starts on the next piece of input, {@code piece[0, length)}; call {@link #next} until it returns null. */
    void feed(byte[] piece, int length) {
        this.input = piece;
        this.inputLength = length;
        this.pos = 0;
    }

    /** The next complete frame of the piece fed, or null when the piece is used up (its tail kept). */
    Frames.Frame next() throws Frames.ProtocolException {
        while (headerFilled < HEADER) {
            if (pos == inputLength) {
                release();
                return null;
            }
            header[headerFilled++] = input[pos++];
            if (headerFilled == HEADER) {
                int length = ((header[1] & 0xff) << 24) | ((header[2] & 0xff) << 16) | ((header[3] & 0xff) << 8)
                        | (header[4] & 0xff);
                if (length < 0 || length > maxBody) {
                    throw new Frames.ProtocolException("frame of " + Integer.toUnsignedString(length)
                            + " bytes exceeds " + maxBody);
                }
                body = new byte[Math.min(length, FIRST_BODY)];
                bodyLength = length;
                bodyFilled = 0;
            }
        }
        int n = Math.min(bodyLength - bodyFilled, inputLength - pos);
        if (n > 0) {
            if (bodyFilled + n > body.length) {
                body = java.util.Arrays.copyOf(body, (int) Math.min(bodyLength, Math.max(bodyFilled + n,
                        2L * body.length)));
            }
            System.arraycopy(input, pos, body, bodyFilled, n);
            bodyFilled += n;
            pos += n;
        }
        if (bodyFilled < bodyLength) {
            release();
            return null;
        }
        Frames.Frame f = new Frames.Frame(header[0], body);
        headerFilled = 0;
        body = null;
        return f;
    }

    // The piece fed is used up: it is not kept (an idle session would otherwise hold its last packet's piece,
    // 8 KiB, for as long as it stays connected).
    private void release() {
        input = null;
        inputLength = 0;
        pos = 0;
    }

    /** At the end of input: the error an unfinished frame is, as {@link Frames#read} words it, or null. */
    String unfinished() {
        if (headerFilled == 0) {
            return null;
        }
        return headerFilled < HEADER ? "input ended inside a frame header" : "input ended inside a frame body";
    }
}
