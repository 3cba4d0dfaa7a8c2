package loghost.store;

import java.nio.charset.StandardCharsets;

/** The type word of a record (docs/FORMAT.md, "Record types"). */
public enum RecordType {
    /** One complete input line, without its LF. */
    LOG("log"),
    /** Part of a line: it continues in the next record of the same session, or ended at end of input without LF. */
    CONT("cont"),
    /** Reserved: a heartbeat from a forwarder. */
    MARK("mark"),
    /** Reserved: lines a forwarder could not keep, with their count and time span. */
    GAP("gap"),
    /** Reserved: a forward-secure seal over the chain so far. */
    SEAL("seal"),
    /** Reserved: the loghost's own security events. */
    AUDIT("audit");

    private final String word;
    private final byte[] bytes;

    RecordType(String word) {
        this.word = word;
        this.bytes = word.getBytes(StandardCharsets.US_ASCII);
    }

    /** The word as written in a record line. */
    public String word() {
        return word;
    }

    byte[] bytes() {
        return bytes;
    }
}
