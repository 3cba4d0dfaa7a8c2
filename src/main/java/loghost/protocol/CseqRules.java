package loghost.protocol;

import java.util.function.LongSupplier;
import loghost.refusal.Refusal;

/**
 * The client sequence number rules of one acknowledged session (docs/PROTOCOL.md, "Client sequence numbers"):
 * cseqs start at 1 and strictly increase within the session, and none runs more than {@link Frames#MAX_SKIP}
 * ahead of the stream's last committed cseq. A frame at or below that last is a duplicate, which is the store's
 * business, not a violation.
 */
public final class CseqRules {

    private long previous;
    private long knownLast;

    /** Rules for a session that was told {@code welcomeLast} in its WELCOME. */
    public CseqRules(long welcomeLast) {
        this.knownLast = welcomeLast;
    }

    /**
     * Checks the next frame's {@code cseq} (a u64 read into a long); {@code streamLast} gives the stream's last
     * committed cseq now, and is asked only when the cseq runs far ahead of what this session already knows.
     */
    public void next(long cseq, LongSupplier streamLast) throws Frames.ProtocolException {
        if (cseq == 0) {
            throw new Frames.ProtocolException("cseq 0: client sequence numbers start at 1");
        }
        if (cseq > 0 && cseq <= previous) {
            throw new Frames.ProtocolException("cseq " + cseq + " does not follow " + previous
                    + ": cseqs must increase within a session");
        }
        // The stream's last only grows and is at least every earlier cseq of this session, so a cseq within
        // MAX_SKIP of what is already known needs no look at the store; beyond it, ask once more.
        if (cseq < 0 || cseq - knownLast > Frames.MAX_SKIP) {
            knownLast = Math.max(knownLast, streamLast.getAsLong());
            if (cseq < 0 || cseq - knownLast > Frames.MAX_SKIP) {
                throw new Frames.ProtocolException(Refusal.CSEQ_SKIP, "cseq " + Long.toUnsignedString(cseq)
                        + " skips ahead of " + knownLast + " by more than " + Frames.MAX_SKIP);
            }
        }
        previous = cseq;
        knownLast = Math.max(knownLast, cseq);
    }

    /** The cseq of the last frame accepted in this session, 0 before the first. */
    public long previous() {
        return previous;
    }
}
