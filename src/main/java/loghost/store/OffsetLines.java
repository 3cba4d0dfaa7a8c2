package loghost.store;

/**
 * Cuts a file's bytes (pulled, or pushed with {@code append-log --file}) into records as {@link LineSplitter}
 * does (a {@code log} record per line, {@code cont} records of exactly max-line bytes for longer ones), and gives
 * each record the file offset just after its bytes as its client sequence number: the position to resume from.
 * In the store, below both pull mode and the ssh commands that use it.
 */
public final class OffsetLines {

    private final int maxLine;
    private final byte[] pending;
    private int pendingLength;
    private long next;

    /** Lines of at most {@code maxLine} bytes per record. */
    public OffsetLines(int maxLine) {
        this.maxLine = maxLine;
        this.pending = new byte[maxLine];
    }

    /** Starts over at file offset {@code offset}, dropping an unfinished line (it is read again from there). */
    public void start(long offset) {
        pendingLength = 0;
        next = offset;
    }

    /** The file offset of the next byte to feed. */
    public long next() {
        return next;
    }

    /** The offset just after the last record added: where reading resumes if the unfinished line is lost. */
    public long stored() {
        return next - pendingLength;
    }

    /** Adds the records completed by {@code b[off, off+len)}, the bytes at {@link #next()}. */
    public void feed(byte[] b, int off, int len, LineBatch batch) {
        long base = next - off; // file offset of b[0]
        int i = off;
        int end = off + len;
        while (i < end) {
            if (pendingLength == maxLine) {
                // A full record: whether it is the line's last part depends on the byte after it.
                if (b[i] == '\n') {
                    batch.add(RecordType.LOG, pending, 0, maxLine, base + i + 1);
                    i++;
                } else {
                    batch.add(RecordType.CONT, pending, 0, maxLine, base + i);
                }
                pendingLength = 0;
                continue;
            }
            int scanEnd = Math.min(end, i + maxLine - pendingLength);
            int lf = -1;
            for (int j = i; j < scanEnd; j++) {
                if (b[j] == '\n') {
                    lf = j;
                    break;
                }
            }
            if (lf >= 0) {
                if (pendingLength == 0) {
                    batch.add(RecordType.LOG, b, i, lf - i, base + lf + 1);
                } else {
                    System.arraycopy(b, i, pending, pendingLength, lf - i);
                    batch.add(RecordType.LOG, pending, 0, pendingLength + lf - i, base + lf + 1);
                    pendingLength = 0;
                }
                i = lf + 1;
            } else {
                System.arraycopy(b, i, pending, pendingLength, scanEnd - i);
                pendingLength += scanEnd - i;
                i = scanEnd;
            }
        }
        next = base + end;
    }

    /** At the end of a file that will not grow (rotated away): an unfinished line becomes a final {@code cont}. */
    public void finish(LineBatch batch) {
        if (pendingLength > 0) {
            batch.add(RecordType.CONT, pending, 0, pendingLength, next);
            pendingLength = 0;
        }
    }
}
