package loghost.ssh;

import loghost.protocol.Frames;

/**
 * Cuts the frames of an acknowledged session out of its input as it arrives, in pieces of any size (the SSH
 * packets), with the same checks and messages as {@link Frames#read}. Holds at most one unfinished frame,
 * whose body is allocated only once its header is complete and its length checked.
 */
class FrameAssembler {

    /** Bytes before a frame's body: kind and length. */
    static final int HEADER = 5;

    private final byte[] header = new byte[HEADER];
    private int headerFilled;
    private byte[] body;
    private int bodyFilled;
    private int pos;
    private byte[] input;

    /** Starts on the next piece of input; call {@link #next} until it returns null. */
    void feed(byte[] piece) {
        this.input = piece;
        this.pos = 0;
    }

    /** The next complete frame of the piece fed, or null when the piece is used up (its tail kept). */
    Frames.Frame next() throws Frames.ProtocolException {
        while (headerFilled < HEADER) {
            if (pos == input.length) {
                return null;
            }
            header[headerFilled++] = input[pos++];
            if (headerFilled == HEADER) {
                int length = ((header[1] & 0xff) << 24) | ((header[2] & 0xff) << 16) | ((header[3] & 0xff) << 8)
                        | (header[4] & 0xff);
                if (length < 0 || length > Frames.MAX_BODY) {
                    throw new Frames.ProtocolException("frame of " + Integer.toUnsignedString(length)
                            + " bytes exceeds " + Frames.MAX_BODY);
                }
                body = new byte[length];
                bodyFilled = 0;
            }
        }
        int n = Math.min(body.length - bodyFilled, input.length - pos);
        System.arraycopy(input, pos, body, bodyFilled, n);
        bodyFilled += n;
        pos += n;
        if (bodyFilled < body.length) {
            return null;
        }
        Frames.Frame f = new Frames.Frame(header[0], body);
        headerFilled = 0;
        body = null;
        return f;
    }

    /** At the end of input: the error an unfinished frame is, as {@link Frames#read} words it, or null. */
    String unfinished() {
        if (headerFilled == 0) {
            return null;
        }
        return headerFilled < HEADER ? "input ended inside a frame header" : "input ended inside a frame body";
    }
}
