package loghost.forward;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import loghost.protocol.Frames;

/**
 * Cuts a byte stream into lines for the spool: each LF-terminated line becomes one LINE entry (without its LF);
 * a line longer than one frame becomes PART entries followed by its LINE. Tracks how many bytes of the source
 * the entries cover, so a file source can resume exactly after the last spooled line.
 */
final class LineCutter {

    /** Largest piece of a line in one entry (smaller with a small spool: see {@link Spool#maxPiece}). */
    static final int MAX_PIECE = Frames.MAX_BODY - 8;

    private final Spool spool;
    private final String source;
    private final ByteArrayOutputStream line = new ByteArrayOutputStream();
    private final boolean mayWait;
    private final int maxPiece;
    private long consumed;

    /** A cutter for {@code source}; {@code mayWait} when the source loses nothing by waiting for spool room. */
    LineCutter(Spool spool, String source, long startOffset, boolean mayWait) {
        this.spool = spool;
        this.source = source;
        this.consumed = startOffset;
        this.mayWait = mayWait;
        this.maxPiece = spool.maxPiece();
    }

    private void append(byte kind) throws IOException {
        if (!mayWait) {
            spool.append(kind, source, consumed, line.toByteArray());
            return;
        }
        try {
            spool.appendWaiting(kind, source, consumed, line.toByteArray());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("stopped while waiting for spool room");
        }
    }

    /** Feeds bytes read from the source. */
    void feed(byte[] b, int off, int len) throws IOException {
        int i = off;
        int end = off + len;
        while (i < end) {
            int room = maxPiece - line.size();
            int lf = loghost.store.Bytes.indexOfLf(b, i, Math.min(end, i + room));
            if (lf >= 0) {
                line.write(b, i, lf - i);
                consumed += line.size() + 1;
                append(Frames.LINE);
                line.reset();
                i = lf + 1;
            } else if (end - i >= room) {
                // A line longer than one frame: send what fills the frame as a PART and go on.
                line.write(b, i, room);
                consumed += line.size();
                append(Frames.PART);
                line.reset();
                i += room;
            } else {
                line.write(b, i, end - i);
                i = end;
            }
        }
        // Entries leave the process at once: a kill loses at most the read being cut, not a buffer of entries.
        spool.flush();
    }

    /** At the end of a source that will not grow again (stdin): an unfinished last line is sent as a PART. */
    void finish() throws IOException {
        if (line.size() > 0) {
            consumed += line.size();
            append(Frames.PART);
            line.reset();
        }
    }

    /** Source bytes covered by spooled entries (the offset to resume from). */
    long consumed() {
        return consumed;
    }

    /** Forgets an unfinished line (the file it came from was truncated or replaced). */
    void reset(long offset) {
        line.reset();
        consumed = offset;
    }
}
