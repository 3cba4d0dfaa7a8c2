package loghost.store;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;

/** Reads what recovery needs from a day file without reading all of it: the header, the last line, a torn tail. */
final class TailReader {

    /** The header line, the last complete line (null when the file holds only the header) and torn bytes. */
    record Tail(String header, byte[] lastLine, long completeLength, long tornBytes) {
    }

    private TailReader() {
    }

    static Tail read(RandomAccessFile ch) throws IOException, StorageException {
        long size = ch.length();
        byte[] head = readAt(ch, 0, (int) Math.min(size, 4096));
        int headerLf = indexOf(head, (byte) '\n');
        if (headerLf < 0) {
            throw new StorageException("day file has no complete header line; run loghost verify");
        }
        String header = new String(head, 0, headerLf, StandardCharsets.ISO_8859_1);
        long headerLength = headerLf + 1;

        // Widen a window at the end of the file until it holds the last LF and the LF before it.
        long window = 64 * 1024;
        while (true) {
            long start = Math.max(headerLength - 1, size - window);
            byte[] b = readAt(ch, start, (int) (size - start));
            int last = lastIndexOf(b, b.length - 1);
            if (last >= 0) {
                long completeLength = start + last + 1;
                if (completeLength == headerLength) {
                    return new Tail(header, null, completeLength, size - completeLength);
                }
                int prev = lastIndexOf(b, last - 1);
                if (prev >= 0) {
                    byte[] line = java.util.Arrays.copyOfRange(b, prev + 1, last);
                    return new Tail(header, line, completeLength, size - completeLength);
                }
            }
            if (start == headerLength - 1 || window > 2L * RecordView.MAX_LINE_BYTES + 2) {
                throw new StorageException("no complete record at the end of the day file within "
                        + RecordView.MAX_LINE_BYTES + " bytes; run loghost verify");
            }
            window *= 4;
        }
    }

    private static byte[] readAt(RandomAccessFile f, long pos, int len) throws IOException {
        byte[] b = new byte[len];
        f.seek(pos);
        f.readFully(b);
        return b;
    }

    private static int indexOf(byte[] b, byte c) {
        for (int i = 0; i < b.length; i++) {
            if (b[i] == c) {
                return i;
            }
        }
        return -1;
    }

    private static int lastIndexOf(byte[] b, int from) {
        for (int i = from; i >= 0; i--) {
            if (b[i] == '\n') {
                return i;
            }
        }
        return -1;
    }
}
