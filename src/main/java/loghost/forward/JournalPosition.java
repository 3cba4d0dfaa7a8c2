package loghost.forward;

import java.util.Map;
import loghost.journal.JournalCursor;

/**
 * Where a journal source stands, as the spool keeps it: the source name {@code journal:SEQNUM_ID} and one number,
 * {@code SEQNUM × 2^20 + PIECES}: every entry up to SEQNUM is spooled, and the first PIECES pieces of the entry after
 * it (one longer than a spool piece, cut by a kill while it was being spooled). docs/PROTOCOL.md, "loghost forward
 * --journal".
 */
record JournalPosition(String seqnumId, long seqnum, int pieces) {

    /** The prefix of a journal source's name in the spool. */
    static final String PREFIX = "journal:";
    /** The largest seqnum a position holds (2^43 − 1): the rest of the 63 bits count pieces. */
    static final long MAX_SEQNUM = (1L << 43) - 1;
    private static final int PIECE_BITS = 20;

    /** The spool's source name of this position. */
    String source() {
        return PREFIX + seqnumId;
    }

    /** The number the spool keeps. */
    long encode() {
        return (seqnum << PIECE_BITS) | pieces;
    }

    /** The partial cursor journalctl's {@code --after-cursor} takes. */
    String cursor() {
        return new JournalCursor(seqnumId, seqnum).resume();
    }

    /** The position of the journal source the spool kept last (by cseq), or null when it kept none. */
    static JournalPosition newest(Spool spool) {
        Map.Entry<String, Long> e = spool.newestSourceOffset(PREFIX);
        if (e == null) {
            return null;
        }
        String id = e.getKey().substring(PREFIX.length());
        if (!JournalCursor.SEQNUM_ID.matcher(id).matches() || e.getValue() < 0) {
            throw new IllegalStateException("the spool's journal position \"" + e.getKey() + " " + e.getValue()
                    + "\" is not one this version writes");
        }
        long v = e.getValue();
        return new JournalPosition(id, v >>> PIECE_BITS, (int) (v & ((1 << PIECE_BITS) - 1)));
    }

    @Override
    public String toString() {
        return cursor() + (pieces > 0 ? "+" + pieces + "pieces" : "");
    }
}
