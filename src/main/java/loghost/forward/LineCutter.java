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

    /** Largest piece of a line in one entry. */
    static final int MAX_PIECE = Frames.MAX_BODY - 8;

    private final Spool spool;
    private final String source;
    private final ByteArrayOutputStream line = new ByteArrayOutputStream();
    private long consumed;

    LineCutter(Spool spool, String source, long startOffset) {
        this.spool = spool;
        this.source = source;
        this.consumed = startOffset;
    }

    /** Feeds bytes read from the source. */
    void feed(byte[] b, int off, int len) throws IOException {
        int start = off;
        int end = off + len;
        for (int i = off; i < end; i++) {
            if (b[i] == '\n') {
                line.write(b, start, i - start);
                consumed += line.size() + 1;
                spool.append(Frames.LINE, source, consumed, line.toByteArray());
                line.reset();
                start = i + 1;
            } else if (line.size() + (i - start) >= MAX_PIECE) {
                line.write(b, start, i - start);
                consumed += line.size();
                spool.append(Frames.PART, source, consumed, line.toByteArray());
                line.reset();
                start = i;
            }
        }
        line.write(b, start, end - start);
        // Entries leave the process at once: a kill loses at most the read being cut, not a buffer of entries.
        spool.flush();
    }

    /** At the end of a source that will not grow again (stdin): an unfinished last line is sent as a PART. */
    void finish() throws IOException {
        if (line.size() > 0) {
            consumed += line.size();
            spool.append(Frames.PART, source, consumed, line.toByteArray());
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
