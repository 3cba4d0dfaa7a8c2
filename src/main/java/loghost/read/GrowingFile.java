package loghost.read;

import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;
import loghost.store.Bytes;

/**
 * Complete LF-terminated lines of a file that may still be growing: a partial last line is kept back until its LF
 * arrives, so a reader following a live day file never sees half a record. A {@code .gz} file is decompressed.
 */
final class GrowingFile implements AutoCloseable {

    private final InputStream in;
    private final int maxLine;
    private final byte[] chunk = new byte[1 << 16];
    private int chunkPos;
    private int chunkEnd;
    private byte[] line = new byte[8192];
    private int lineLength;
    private long lineNumber;
    private boolean complete;

    GrowingFile(Path file, int maxLine) throws IOException {
        InputStream raw = new FileInputStream(file.toFile());
        try {
            // A compressed day file is closed: it never grows, and is read through once, streaming.
            this.in = file.getFileName().toString().endsWith(".gz") ? new GZIPInputStream(raw, 1 << 16) : raw;
        } catch (IOException e) {
            raw.close();
            throw new IOException(file + ": not a valid gzip file (run loghost verify)", e);
        }
        this.maxLine = maxLine;
    }

    /**
     * Moves to the next complete line; false when none is complete now (what there is of one stays buffered and a
     * later call continues it once the file has grown).
     */
    boolean next() throws IOException {
        if (complete) {
            lineLength = 0;
            complete = false;
        }
        while (true) {
            if (chunkPos == chunkEnd) {
                int n = in.read(chunk);
                if (n <= 0) {
                    return false;
                }
                chunkPos = 0;
                chunkEnd = n;
            }
            int lf = Bytes.indexOfLf(chunk, chunkPos, chunkEnd);
            int take = (lf >= 0 ? lf : chunkEnd) - chunkPos;
            if (lineLength + take > maxLine) {
                throw new IOException("line " + (lineNumber + 1) + " is longer than " + maxLine
                        + " bytes: not a loghost record (run loghost verify)");
            }
            if (lineLength + take > line.length) {
                line = Arrays.copyOf(line, Math.min(maxLine, Math.max(lineLength + take, 2 * line.length)));
            }
            System.arraycopy(chunk, chunkPos, line, lineLength, take);
            lineLength += take;
            if (lf >= 0) {
                chunkPos = lf + 1;
                lineNumber++;
                complete = true;
                return true;
            }
            chunkPos = chunkEnd;
        }
    }

    /** The current line's bytes, without LF, valid until the next call to {@link #next}. */
    byte[] line() {
        return line;
    }

    /** The current line's length. */
    int length() {
        return lineLength;
    }

    /** 1-based number of the current line. */
    long lineNumber() {
        return lineNumber;
    }

    /** Bytes of an unfinished last line held back. */
    int pendingBytes() {
        return complete ? 0 : lineLength;
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
