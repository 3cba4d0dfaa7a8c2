package loghost.forward;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The spool segment being appended to. Entries are buffered and written at the segment's logical end, which moves
 * only once a write went through whole: a write cut short (a full disk) leaves the buffer as it was, and the next
 * write goes over the bytes it left instead of after them, so the segment never holds an entry twice.
 */
final class SegmentWriter implements AutoCloseable {

    private static final int BUFFER = 1 << 16;

    private final Path file;
    private final FileChannel channel;
    private ByteBuffer pending = ByteBuffer.allocate(BUFFER);
    /** Bytes of whole entries written so far: the segment's logical length on disk. */
    private long written;

    /** Appends to the existing file {@code f}, after its last byte (recovery cut it at its last whole entry). */
    SegmentWriter(Path f) throws IOException {
        file = f;
        channel = FileChannel.open(f, StandardOpenOption.WRITE);
        written = channel.size();
    }

    /** The segment's file. */
    Path file() {
        return file;
    }

    /** False once closed. */
    boolean isOpen() {
        return channel.isOpen();
    }

    /** The segment's length once everything appended is written. */
    long length() {
        return written + pending.position();
    }

    /**
     * Appends one entry's bytes; writes the buffer when it is full. The entry is kept even when that write fails:
     * it is written by the next {@link #write} that succeeds.
     */
    void append(byte[] entry) throws IOException {
        if (pending.remaining() < entry.length) {
            int size = Math.max(pending.capacity() * 2, pending.position() + entry.length);
            ByteBuffer larger = ByteBuffer.allocate(size);
            larger.put(pending.flip());
            pending = larger;
        }
        pending.put(entry);
        if (pending.position() >= BUFFER) {
            write();
        }
    }

    /** Writes what is buffered at the logical end; on failure nothing counts as written and all stays buffered. */
    void write() throws IOException {
        ByteBuffer out = pending.duplicate().flip();
        long at = written;
        while (out.hasRemaining()) {
            at += channel.write(out, at);
        }
        written = at;
        // One large entry may have grown the buffer: give that memory back.
        pending = pending.capacity() > BUFFER ? ByteBuffer.allocate(BUFFER) : pending.clear();
    }

    /** Forces what was written to disk (fsync). */
    void force() throws IOException {
        channel.force(true);
    }

    /** Closes the file; what is still buffered is not written (call {@link #write} first). */
    @Override
    public void close() throws IOException {
        channel.close();
    }
}
