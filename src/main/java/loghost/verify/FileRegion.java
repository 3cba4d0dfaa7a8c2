package loghost.verify;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/** Bytes {@code [from, to)} of a file, read at their position (so that several threads share one channel). */
final class FileRegion extends InputStream {
    private final FileChannel ch;
    private long pos;
    private final long end;

    /** Bytes {@code [from, to)} of {@code ch}. */
    FileRegion(FileChannel ch, long from, long to) {
        this.ch = ch;
        this.pos = from;
        this.end = to;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (pos >= end) {
            return -1;
        }
        int n = ch.read(ByteBuffer.wrap(b, off, (int) Math.min(len, end - pos)), pos);
        if (n > 0) {
            pos += n;
        }
        return n;
    }

    /** Leaves the shared channel open: the caller closes it once every part is done. */
    @Override
    public void close() {
    }
}
