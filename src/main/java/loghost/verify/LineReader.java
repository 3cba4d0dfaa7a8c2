package loghost.verify;

import java.io.IOException;
import java.io.InputStream;

/** Reads LF-terminated lines into one reused buffer, refusing lines longer than a fixed bound (constant memory). */
final class LineReader implements AutoCloseable {

    private final InputStream in;
    private final int maxLine;
    private final byte[] chunk = new byte[1 << 20];
    private int chunkPos;
    private int chunkEnd;
    private byte[] line = new byte[8192];
    private int lineLength;
    private boolean terminated;

    LineReader(InputStream in, int maxLine) {
        this.in = in;
        this.maxLine = maxLine;
    }

    /**
     * Reads the next line; returns false at end of input. After a true return, {@link #line()} and
     * {@link #length()} hold it without its LF, and {@link #terminated()} tells whether it had one.
     */
    boolean next() throws IOException, LineTooLongException {
        lineLength = 0;
        while (true) {
            if (chunkPos == chunkEnd) {
                int n = in.read(chunk);
                if (n < 0) {
                    terminated = false;
                    return lineLength > 0;
                }
                chunkPos = 0;
                chunkEnd = n;
            }
            int lf = loghost.store.Bytes.indexOfLf(chunk, chunkPos, chunkEnd);
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

    byte[] line() {
        return line;
    }

    int length() {
        return lineLength;
    }

    boolean terminated() {
        return terminated;
    }

    @Override
    public void close() throws IOException {
        in.close();
    }

    /** A line longer than any record a writer produces. */
    static final class LineTooLongException extends Exception {
        private static final long serialVersionUID = 1L;
    }
}
