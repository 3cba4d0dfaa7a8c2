package loghost.read;

import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;
import loghost.store.LineReader;

/**
 * Complete LF-terminated lines of a file that may still be growing: a partial last line is kept back until its LF
 * arrives, so a reader following a live day file never sees half a record. A {@code .gz} file is decompressed.
 */
final class GrowingFile implements AutoCloseable {

    private final LineReader lines;
    private final int maxLine;
    private long lineNumber;

    GrowingFile(Path file, int maxLine) throws IOException {
        this(file, maxLine, 1 << 20);
    }

    /** As {@link #GrowingFile(Path, int)}, reading {@code chunkBytes} at a time. */
    GrowingFile(Path file, int maxLine, int chunkBytes) throws IOException {
        InputStream raw = new FileInputStream(file.toFile());
        InputStream in;
        try {
            // A compressed day file is closed: it never grows, and is read through once, streaming.
            in = file.getFileName().toString().endsWith(".gz") ? new GZIPInputStream(raw, 1 << 16) : raw;
        } catch (IOException e) {
            raw.close();
            throw new IOException(file + ": not a valid gzip file (run loghost verify)", e);
        }
        this.lines = new LineReader(in, maxLine, chunkBytes);
        this.maxLine = maxLine;
    }

    /**
     * Moves to the next complete line; false when none is complete now (what there is of one stays buffered and a
     * later call continues it once the file has grown).
     */
    boolean next() throws IOException {
        try {
            if (!lines.nextComplete()) {
                return false;
            }
        } catch (LineReader.LineTooLongException e) {
            throw new IOException("line " + (lineNumber + 1) + " is longer than " + maxLine
                    + " bytes: not a loghost record (run loghost verify)", e);
        }
        lineNumber++;
        return true;
    }

    /** The current line's bytes, without LF, valid until the next call to {@link #next}. */
    byte[] line() {
        return lines.line();
    }

    /** The current line's length. */
    int length() {
        return lines.length();
    }

    /** 1-based number of the current line. */
    long lineNumber() {
        return lineNumber;
    }

    @Override
    public void close() throws IOException {
        lines.close();
    }
}
