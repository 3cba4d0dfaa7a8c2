package loghost.store;

/**
 * Cuts a byte stream into records: one {@code log} record per LF-terminated line; a line longer than the limit
 * becomes {@code cont} records of exactly the limit followed by the rest; bytes left at end of input without LF
 * become a final {@code cont}. Nothing is ever dropped or cut silently.
 */
public final class LineSplitter {

    private final int maxLine;
    private final byte[] pending;
    private int pendingLength;

    /** A splitter whose records carry at most {@code maxLine} raw bytes each. */
    public LineSplitter(int maxLine) {
        if (maxLine < 1) {
            throw new IllegalArgumentException("maxLine must be positive");
        }
        this.maxLine = maxLine;
        this.pending = new byte[maxLine];
    }

    /** Splits {@code buf[off, off+len)} into {@code batch}, carrying an unfinished line over to the next call. */
    public void feed(byte[] buf, int off, int len, LineBatch batch) {
        int i = off;
        int end = off + len;
        while (i < end) {
            int room = maxLine - pendingLength;
            int scanEnd = Math.min(end, i + room);
            int lf = Bytes.indexOfLf(buf, i, scanEnd);
            if (lf >= 0) {
                emit(RecordType.LOG, buf, i, lf - i, batch);
                i = lf + 1;
            } else if (scanEnd - i < room) {
                // Input ran out before the line did: keep it for the next read.
                System.arraycopy(buf, i, pending, pendingLength, scanEnd - i);
                pendingLength += scanEnd - i;
                i = scanEnd;
            } else {
                // The line reached the limit. Bytes up to the limit are one record; whether it is the line's
                // last part depends on the byte after it, which may only arrive in the next read.
                System.arraycopy(buf, i, pending, pendingLength, scanEnd - i);
                pendingLength = maxLine;
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

    private void emit(RecordType type, byte[] buf, int off, int len, LineBatch batch) {
        if (pendingLength == 0) {
            batch.add(type, buf, off, len);
            return;
        }
        System.arraycopy(buf, off, pending, pendingLength, len);
        batch.add(type, pending, 0, pendingLength + len);
        pendingLength = 0;
    }
}
