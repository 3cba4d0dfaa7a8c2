package loghost.store;

/**
 * Cuts a byte stream into records: one {@code log} record per LF-terminated line; a line longer than the limit
 * becomes {@code cont} records of exactly the limit followed by the rest; bytes left at end of input without LF
 * become a final {@code cont}. Nothing is ever dropped or cut silently. The buffer for an unfinished line grows
 * only as far as the line does, and an idle session can let it go ({@link #release}).
 */
public final class LineSplitter {

    private static final byte[] NONE = new byte[0];
    /** A held line's first buffer; it doubles up to the limit as the line grows. */
    private static final int FIRST_HOLD = 256;

    private final int maxLine;
    private byte[] pending = NONE;
    private int pendingLength;

    /** A splitter whose records carry at most {@code maxLine} raw bytes each. */
    public LineSplitter(int maxLine) {
        if (maxLine < 1) {
            throw new IllegalArgumentException("maxLine must be positive");
        }
        this.maxLine = maxLine;
    }

    /** Splits {@code buf[off, off+len)} into {@code batch}, carrying an unfinished line over to the next call. */
    public void feed(byte[] buf, int off, int len, LineBatch batch) {
        int i = off;
        int end = off + len;
        while (i < end) {
            int room = maxLine - pendingLength;
            int scanEnd = Math.min(end, i + room);
            // One scan finds both the LF and whether the line needs escaping: an LF is itself a byte that
            // would need it, so a plain run that stops at an LF is a whole line to copy as it is (most lines).
            int stop = Bytes.plainRunEnd(buf, i, scanEnd);
            if (pendingLength == 0 && stop < scanEnd && buf[stop] == '\n') {
                batch.addPlain(RecordType.LOG, buf, i, stop - i);
                i = stop + 1;
                continue;
            }
            int lf = Bytes.indexOfLf(buf, stop, scanEnd); // buf[i, stop) holds no LF
            if (lf >= 0) {
                emit(RecordType.LOG, buf, i, lf - i, batch);
                i = lf + 1;
            } else if (scanEnd - i < room) {
                // Input ran out before the line did: keep it for the next read.
                hold(buf, i, scanEnd - i);
                i = scanEnd;
            } else {
                // The line reached the limit. Bytes up to the limit are one record; whether it is the line's
                // last part depends on the byte after it, which may only arrive in the next read.
                hold(buf, i, scanEnd - i); // now maxLine bytes held
                i = scanEnd;
                if (i < end) {
                    if (buf[i] == '\n') {
                        emit(RecordType.LOG, buf, i, 0, batch);
                        i++;
                    } else {
                        emit(RecordType.CONT, buf, i, 0, batch);
                    }
                }
            }
        }
    }

    /** At end of input: an unfinished line becomes a final {@code cont} record (it had no LF). */
    public void finish(LineBatch batch) {
        if (pendingLength > 0) {
            batch.add(RecordType.CONT, pending, 0, pendingLength);
            pendingLength = 0;
        }
    }

    /** Drops the buffer for an unfinished line if none is held now, so that an idle session keeps none. */
    public void release() {
        if (pendingLength == 0) {
            pending = NONE;
        }
    }

    private void emit(RecordType type, byte[] buf, int off, int len, LineBatch batch) {
        if (pendingLength == 0) {
            batch.add(type, buf, off, len);
            return;
        }
        hold(buf, off, len);
        batch.add(type, pending, 0, pendingLength);
        pendingLength = 0;
    }

    // Appends buf[off, off+len) to the held line (never past maxLine bytes: the callers stop at the limit).
    private void hold(byte[] buf, int off, int len) {
        int need = pendingLength + len;
        if (need > pending.length) {
            pending = java.util.Arrays.copyOf(pending, Math.min(maxLine, Math.max(need,
                    Math.max(FIRST_HOLD, 2 * pending.length))));
        }
        System.arraycopy(buf, off, pending, pendingLength, len);
        pendingLength = need;
    }
}
