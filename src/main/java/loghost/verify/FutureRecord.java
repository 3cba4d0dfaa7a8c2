package loghost.verify;

import java.nio.charset.StandardCharsets;
import loghost.store.RecordView;

/**
 * The first record of a chain stamped after a given time (the verifying clock plus {@link
 * Verifier#FUTURE_TOLERANCE}): a record from the future, noted but not a failure.
 */
final class FutureRecord {

    private final byte[] after;
    private long seq;
    private String time;

    /** Looks for records stamped after {@code after} (a TIME text, compared as bytes). */
    FutureRecord(byte[] after) {
        this.after = after;
    }

    /** Looks for records stamped after {@code time} (a TIME text). */
    static FutureRecord after(String time) {
        return new FutureRecord(time.getBytes(StandardCharsets.US_ASCII));
    }

    /** The same search for a part of the chain, joined later with {@link #merge}. */
    FutureRecord forPart() {
        return new FutureRecord(after);
    }

    /** Notes the record {@code v} (which held) when it is the first stamped after the time. */
    void note(RecordView v) {
        if (v.compareTime(after) > 0 && (seq == 0 || v.seq() < seq)) {
            seq = v.seq();
            time = v.time();
        }
    }

    /** Takes a part's finding when it is earlier in the chain. */
    void merge(FutureRecord part) {
        if (part.seq != 0 && (seq == 0 || part.seq < seq)) {
            seq = part.seq;
            time = part.time;
        }
    }

    /** The SEQ of the first record stamped after the time, or 0. */
    long seq() {
        return seq;
    }

    /** The TIME of that record. */
    String time() {
        return time;
    }
}
