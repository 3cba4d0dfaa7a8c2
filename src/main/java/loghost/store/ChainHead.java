package loghost.store;

import java.security.DigestException;

/**
 * The head of one host's chain: the SEQ and chain digest of its newest record, and the encoder that extends it by
 * one record at a time (docs/FORMAT.md, "Records"). Not thread-safe: its {@link HostLog} uses it under its lock.
 */
final class ChainHead {

    private final DigestAlgorithm algorithm;
    private final RecordEncoder encoder;
    private long seq;
    private byte[] digest;
    // The buffer the next record's digest is computed into; swapped with digest so that a record allocates nothing.
    private byte[] next;

    /** A head at record {@code seq} with chain digest {@code digest} (the genesis digest and 0 for a new chain). */
    ChainHead(DigestAlgorithm algorithm, long seq, byte[] digest) {
        this.algorithm = algorithm;
        this.encoder = new RecordEncoder(algorithm);
        this.seq = seq;
        this.digest = digest;
        this.next = new byte[algorithm.length()];
    }

    /** The digest algorithm of this chain. */
    DigestAlgorithm algorithm() {
        return algorithm;
    }

    /** SEQ of the newest record (the one before the first for a chain or day without records). */
    long seq() {
        return seq;
    }

    /** A copy of the newest record's chain digest. */
    byte[] digest() {
        return digest.clone();
    }

    /** Bytes of output room one record with these field lengths may need. */
    int maxLength(int timeLength, int metaLength, int msgLength) {
        return encoder.maxLength(timeLength, metaLength, msgLength);
    }

    /**
     * Encodes the record after the head into {@code out} at {@code at} and makes it the head; returns the position
     * after its LF. {@code clientSeq} is appended to {@code meta} when it is not negative (acknowledged mode), then
     * {@code t=} when {@code eventMillis} is positive.
     */
    int append(byte[] out, int at, byte[] time, RecordType type, byte[] meta, long clientSeq, long eventMillis,
               byte[] msg, int msgStart, int msgLength) throws DigestException {
        long nextSeq = seq + 1;
        int end = encoder.encode(nextSeq, time, type, meta, clientSeq, eventMillis, msg, msgStart, msgLength, digest,
                next, out, at);
        byte[] swap = digest;
        digest = next;
        next = swap.length == digest.length ? swap : new byte[digest.length];
        seq = nextSeq;
        return end;
    }

    /** Where the head is now, to {@link #reset} to if what follows is not kept. */
    Mark mark() {
        return new Mark(seq, digest.clone());
    }

    /** Puts the head back to {@code mark}: records encoded since then are not part of the chain. */
    void reset(Mark mark) {
        seq = mark.seq();
        digest = mark.digest();
    }

    /** A point of the chain: a SEQ and its digest. */
    record Mark(long seq, byte[] digest) {
    }
}
