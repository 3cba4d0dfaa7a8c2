package loghost.store;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.util.zip.CRC32;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;
import java.util.zip.ZipException;

/**
 * Decompresses a compressed day file as docs/FORMAT.md defines it: gzip (RFC 1952) of exactly one member and
 * nothing after it. The JDK's {@code GZIPInputStream} reads on into a second member and ignores bytes after the
 * last one that do not look like a member, so a file with bytes added after its data would pass for the bytes
 * before them. Here a bad header, bad data, a CRC or length that does not match, a second member or any byte after
 * the trailer is a {@link ZipException}; a file that ends early is an {@link EOFException}.
 */
public final class OneMemberGzip extends InputStream {

    private static final int FHCRC = 2;
    private static final int FEXTRA = 4;
    private static final int FNAME = 8;
    private static final int FCOMMENT = 16;
    private static final int RESERVED = 0xe0;

    private final InputStream in;
    private final Inflater inflater = new Inflater(true);
    private final CRC32 crc = new CRC32();
    private final byte[] buf;
    private int bufLength;
    private long size;
    private boolean ended;

    /** Reads {@code in} (not closed by {@link #close}), {@code bufferSize} compressed bytes at a time. */
    public OneMemberGzip(InputStream in, int bufferSize) throws IOException {
        this.in = in;
        this.buf = new byte[bufferSize];
        readHeader();
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        while (!ended) {
            int n;
            try {
                n = inflater.inflate(b, off, len);
            } catch (DataFormatException e) {
                throw new ZipException("not a valid gzip file: " + e.getMessage());
            }
            if (n > 0) {
                crc.update(b, off, n);
                size += n;
                return n;
            }
            if (inflater.finished()) {
                readTrailer();
                ended = true;
            } else if (inflater.needsDictionary()) {
                throw new ZipException("not a valid gzip file: its data asks for a preset dictionary");
            } else if (inflater.needsInput()) {
                bufLength = in.read(buf, 0, buf.length);
                if (bufLength < 0) {
                    throw new EOFException("gzip file ends inside its data");
                }
                inflater.setInput(buf, 0, bufLength);
            }
        }
        return -1;
    }

    /** Releases the inflater; the underlying stream is the caller's to close. */
    @Override
    public void close() {
        inflater.end();
    }

    // RFC 1952 section 2.3: ID1 ID2 CM FLG MTIME(4) XFL OS, then the optional fields FLG announces.
    private void readHeader() throws IOException {
        CRC32 headerCrc = new CRC32();
        if (next(headerCrc) != 0x1f || next(headerCrc) != 0x8b) {
            throw new ZipException("not a valid gzip file: no gzip magic number");
        }
        if (next(headerCrc) != 8) {
            throw new ZipException("not a valid gzip file: compression method is not deflate");
        }
        int flags = next(headerCrc);
        if ((flags & RESERVED) != 0) {
            throw new ZipException("not a valid gzip file: reserved header flags set");
        }
        for (int i = 0; i < 6; i++) {
            next(headerCrc); // MTIME, XFL, OS
        }
        if ((flags & FEXTRA) != 0) {
            int length = next(headerCrc) | next(headerCrc) << 8;
            for (int i = 0; i < length; i++) {
                next(headerCrc);
            }
        }
        if ((flags & FNAME) != 0) {
            while (next(headerCrc) != 0) {
                // the original file name, up to its zero byte
            }
        }
        if ((flags & FCOMMENT) != 0) {
            while (next(headerCrc) != 0) {
                // the comment, up to its zero byte
            }
        }
        if ((flags & FHCRC) != 0) {
            int expected = (int) (headerCrc.getValue() & 0xffff);
            if ((next(null) | next(null) << 8) != expected) {
                throw new ZipException("not a valid gzip file: header CRC does not match");
            }
        }
    }

    // CRC32 and ISIZE (both little-endian), then the end of the file.
    private void readTrailer() throws IOException {
        int remaining = inflater.getRemaining();
        int pos = bufLength - remaining;
        long[] fields = new long[2];
        for (int f = 0; f < 2; f++) {
            long v = 0;
            for (int i = 0; i < 4; i++) {
                int b;
                if (pos < bufLength) {
                    b = buf[pos++] & 0xff;
                } else {
                    b = in.read();
                    if (b < 0) {
                        throw new EOFException("gzip file ends inside its trailer");
                    }
                }
                v |= (long) b << (8 * i);
            }
            fields[f] = v;
        }
        if (fields[0] != crc.getValue()) {
            throw new ZipException("not a valid gzip file: CRC does not match its data");
        }
        if (fields[1] != (size & 0xffffffffL)) {
            throw new ZipException("not a valid gzip file: length does not match its data");
        }
        if (pos < bufLength || in.read() >= 0) {
            throw new ZipException("not a valid gzip file: bytes after the end of its one member");
        }
    }

    private int next(CRC32 headerCrc) throws IOException {
        int b = in.read();
        if (b < 0) {
            throw new EOFException("gzip file ends inside its header");
        }
        if (headerCrc != null) {
            headerCrc.update(b);
        }
        return b;
    }
}
