package loghost.forward;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;
import loghost.protocol.Frames;

/**
 * One spooled item: what to send (a frame kind and its bytes), the client sequence number it got, when it was
 * read, and for file sources where in the source the next line starts (so a restart neither loses nor repeats).
 *
 * <p>Bytes: u32 length of the rest, u8 kind, u64 cseq, u64 time (ms), u16 source length, source (ASCII), u64
 * source offset, data, u32 CRC-32 of everything from kind to data.
 */
record SpoolEntry(byte kind, long cseq, long timeMillis, String source, long sourceOffset, byte[] data) {

    /** Bytes this entry takes in a segment. */
    int size() {
        return size(source, data.length);
    }

    /** Bytes an entry from {@code source} (ASCII; null for none) with {@code dataLength} bytes of data takes. */
    static int size(String source, int dataLength) {
        return 4 + 1 + 8 + 8 + 2 + (source == null ? 0 : source.length()) + 8 + dataLength + 4;
    }

    /** The bytes of an entry. */
    static byte[] encode(byte kind, long cseq, long timeMillis, String source, long sourceOffset, byte[] data) {
        byte[] src = source == null ? new byte[0] : source.getBytes(StandardCharsets.US_ASCII);
        ByteBuffer b = ByteBuffer.allocate(4 + 1 + 8 + 8 + 2 + src.length + 8 + data.length + 4);
        b.putInt(b.capacity() - 4);
        b.put(kind).putLong(cseq).putLong(timeMillis).putShort((short) src.length).put(src).putLong(sourceOffset)
                .put(data);
        CRC32 crc = new CRC32();
        crc.update(b.array(), 4, b.position() - 4);
        b.putInt((int) crc.getValue());
        return b.array();
    }

    /** Reads the next entry; null at a clean end; {@link Corrupt} for one cut short or failing its checksum. */
    static SpoolEntry read(DataInputStream in) throws IOException {
        int len;
        try {
            len = in.readInt();
        } catch (EOFException e) {
            return null;
        }
        if (!plausibleLength(len)) {
            throw new Corrupt();
        }
        byte[] b = new byte[len];
        try {
            in.readFully(b);
        } catch (EOFException e) {
            throw new Corrupt();
        }
        CRC32 crc = new CRC32();
        crc.update(b, 0, len - 4);
        ByteBuffer bb = ByteBuffer.wrap(b);
        if ((int) crc.getValue() != bb.getInt(len - 4)) {
            throw new Corrupt();
        }
        byte kind = bb.get();
        long cseq = bb.getLong();
        long time = bb.getLong();
        int srcLen = bb.getShort() & 0xffff;
        String src = srcLen == 0 ? null : new String(b, bb.position(), srcLen, StandardCharsets.US_ASCII);
        bb.position(bb.position() + srcLen);
        long offset = bb.getLong();
        byte[] data = new byte[len - 4 - bb.position()];
        bb.get(data);
        return new SpoolEntry(kind, cseq, time, src, offset, data);
    }

    /** Whether {@code len}, an entry's first field, is a length an entry can have. */
    static boolean plausibleLength(int len) {
        return len >= 1 + 8 + 8 + 2 + 8 + 4 && len <= Frames.MAX_BODY + 1024;
    }

    /** A spool entry that is cut short or fails its checksum. */
    static final class Corrupt extends IOException {
        private static final long serialVersionUID = 1L;
    }
}
