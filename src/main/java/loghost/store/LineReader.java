package loghost.store;

import java.io.IOException;
import java.io.InputStream;

/**
 * Reads LF-terminated lines into one reused buffer, refusing lines longer than a fixed bound (constant memory).
 * Two ways to meet the end of the input: {@link #next} hands out an unterminated last line (verify reports it as
 * torn), {@link #nextComplete} keeps it back so that a later call continues it once a growing file has more.
 */
public final class LineReader implements AutoCloseable {

    private final InputStream in;
    private final int maxLine;
    private final byte[] chunk;
    private int chunkPos;
    private int chunkEnd;
    private byte[] line = new byte[8192];
    private int lineLength;
    private boolean terminated;
    private boolean holding;

    /** Lines of {@code in}, each at most {@code maxLine} bytes without its LF. */
    public LineReader(InputStream in, int maxLine) {
        this(in, maxLine, 1 << 20);
    }

    /** As {@link #LineReader(InputStream, int)}, reading {@code chunkBytes} at a time (a few lines: less). */
    public LineReader(InputStream in, int maxLine, int chunkBytes) {
        this.in = in;
        this.maxLine = maxLine;
        this.chunk = new byte[chunkBytes];
    }

    /**
     * Reads the next line; returns false at end of input. After a true return, {@link #line()} and
     * {@link #length()} hold it without its LF, and {@link #terminated()} tells whether it had one.
     */
    public boolean next() throws IOException, LineTooLongException {
        return read(false);
    }

    /**
     * Reads the next LF-terminated line; false when none is complete now: what there is of one is held back and
     * the next call continues it, for a file that is still being written.
     */
    public boolean nextComplete() throws IOException, LineTooLongException {
        return read(true);
    }

    private boolean read(boolean keepPartial) throws IOException, LineTooLongException {
        if (!holding) {
            lineLength = 0;
        }
        holding = false;
        while (true) {
            if (chunkPos == chunkEnd) {
                int n = in.read(chunk);
                if (n <= 0) {
                    terminated = false;
                    if (keepPartial) {
                        holding = lineLength > 0;
                        return false;
                    }
                    return lineLength > 0;
                }
                chunkPos = 0;
                chunkEnd = n;
            }
            int lf = Bytes.indexOfLf(chunk, chunkPos, chunkEnd);
            int take = (lf >= 0 ? lf : chunkEnd) - chunkPos;
            if (lineLength + take > maxLine) {
                throw new LineTooLongException();
            }
            if (lineLength + take > line.length) {
                line = java.util.Arrays.copyOf(line, Math.min(maxLine, Math.max(lineLength + take, 2 * line.length)));
            }
            System.arraycopy(chunk, chunkPos, line, lineLength, take);
            lineLength += take;
            if (lf >= 0) {
                chunkPos = lf + 1;
                terminated = true;
                return true;
            }
            chunkPos = chunkEnd;
        }
    }

    /** The current line's bytes, without LF, valid until the next read. */
    public byte[] line() {
        return line;
    }

    /** The current line's length. */
    public int length() {
        return lineLength;
    }

    /** Whether the current line ended with an LF. */
    public boolean terminated() {
        return terminated;
    }

    /** Closes the input. */
    @Override
    public void close() throws IOException {
        in.close();
    }

    /** A line longer than any record a writer produces. */
    public static final class LineTooLongException extends Exception {
        private static final long serialVersionUID = 1L;
    }
}
