package loghost.store;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.security.DigestException;
import java.security.MessageDigest;

/**
 * The bytes of one record line and its chained digest (docs/FORMAT.md, "Record line" and "The chain"): the hot loop
 * of every line received, allocation-free. {@link HostLog} keeps the chain's head and calls it under its lock.
 */
final class RecordEncoder {

    // The digest is spelled eight hex digits per step (four digest bytes read as one int, written as one long).
    private static final VarHandle BIG_ENDIAN_INTS =
            MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.BIG_ENDIAN);
    private static final VarHandle BIG_ENDIAN_LONGS =
            MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);
    // Up to this many bytes of digest input (previous digest, fields, message) are copied behind each other and
    // hashed in one update, which costs less than two (the JDK then compresses the blocks in one call); a longer
    // message is hashed from the caller's buffer, so that a host's scratch stays this small.
    private static final int ONE_UPDATE = 2048;

    /** The most bytes {@code ,t=SECONDS.mmm} takes (seconds up to 11 digits: docs/FORMAT.md, "META attributes"). */
    private static final int EVENT_TIME_LENGTH = 3 + 11 + 1 + 3;

    private final MessageDigest md;
    private final int digestLength;
    private final DecimalCounter seqText = new DecimalCounter();
    // The previous digest followed by this record's fields up to MESSAGE, and the message when it fits: the
    // digest's input (prev || canonical record).
    private byte[] head = new byte[256];

    RecordEncoder(DigestAlgorithm algorithm) {
        this.md = algorithm.newDigest();
        this.digestLength = algorithm.length();
    }

    /** The most bytes {@link #encode} writes for a message of {@code msgLength} bytes and META of {@code metaLength}. */
    int maxLength(int timeLength, int metaLength, int msgLength) {
        return 20 + 1 + timeLength + 1 + 8 + 1 + metaLength + 20 + EVENT_TIME_LENGTH + 1 + 2 * digestLength + 1
                + msgLength + 1;
    }

    /**
     * Writes the line of record {@code seq} (with its LF) at {@code out[pos]}, chained to {@code prev}; its digest
     * goes to {@code next}. META is {@code meta}, followed by the decimal {@code clientSeq} unless it is negative,
     * then by {@code ,t=SECONDS.mmm} when {@code eventMillis} is positive. {@code out} must have {@link #maxLength}
     * bytes of room. Returns the position after the LF.
     */
    int encode(long seq, byte[] time, RecordType type, byte[] meta, long clientSeq, long eventMillis, byte[] msg,
               int msgStart, int msgLength, byte[] prev, byte[] next, byte[] out, int pos) throws DigestException {
        int fieldsRoom = digestLength + maxLength(time.length, meta.length, 0);
        boolean oneUpdate = fieldsRoom + msgLength <= ONE_UPDATE;
        int room = oneUpdate ? fieldsRoom + msgLength : fieldsRoom;
        if (head.length < room) {
            head = new byte[room];
        }
        byte[] h = head;
        System.arraycopy(prev, 0, h, 0, digestLength);
        int p = seqText.next(seq, h, digestLength);
        h[p++] = ' ';
        System.arraycopy(time, 0, h, p, time.length);
        p += time.length;
        h[p++] = ' ';
        byte[] word = type.bytes();
        System.arraycopy(word, 0, h, p, word.length);
        p += word.length;
        h[p++] = ' ';
        System.arraycopy(meta, 0, h, p, meta.length);
        p += meta.length;
        if (clientSeq >= 0) {
            p = writeDecimal(clientSeq, h, p);
        }
        if (eventMillis > 0) {
            p = writeEventTime(eventMillis, h, p);
        }
        h[p++] = ' ';

        // digest_n = H(digest_{n-1} || canonical_n), canonical_n = the line without "DIGEST SP" and LF.
        if (oneUpdate) {
            System.arraycopy(msg, msgStart, h, p, msgLength);
            md.update(h, 0, p + msgLength);
        } else {
            md.update(h, 0, p);
            md.update(msg, msgStart, msgLength);
        }
        md.digest(next, 0, digestLength);

        int fields = p - digestLength;
        System.arraycopy(h, digestLength, out, pos, fields);
        int q = pos + fields;
        for (int i = 0; i < digestLength; i += 4) { // every digest length is a multiple of four bytes
            BIG_ENDIAN_LONGS.set(out, q, Bytes.hex8((int) BIG_ENDIAN_INTS.get(next, i)));
            q += 8;
        }
        out[q++] = ' ';
        System.arraycopy(msg, msgStart, out, q, msgLength);
        q += msgLength;
        out[q++] = '\n';
        return q;
    }

    // ",t=SECONDS.mmm": the event time in decimal seconds with exactly three fraction digits.
    private static int writeEventTime(long millis, byte[] b, int p) {
        b[p++] = ',';
        b[p++] = 't';
        b[p++] = '=';
        p = writeDecimal(millis / 1000, b, p);
        b[p++] = '.';
        long ms = millis % 1000;
        b[p++] = (byte) ('0' + ms / 100);
        b[p++] = (byte) ('0' + ms / 10 % 10);
        b[p++] = (byte) ('0' + ms % 10);
        return p;
    }

    private static int writeDecimal(long v, byte[] b, int p) {
        int digits = 1;
        for (long x = v; x >= 10; x /= 10) {
            digits++;
        }
        for (int i = p + digits - 1; i >= p; i--) {
            b[i] = (byte) ('0' + (v % 10));
            v /= 10;
        }
        return p + digits;
    }
}
