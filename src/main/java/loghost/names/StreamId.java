package loghost.names;

import java.util.regex.Pattern;

/**
 * Stream ids (docs/PROTOCOL.md, "Acknowledged mode"; docs/FORMAT.md, "META attributes"): what a HELLO opens, and
 * what a record's {@code c=STREAM:CSEQ} names.
 */
public final class StreamId {

    /** The grammar, for patterns that hold a stream id. */
    public static final String GRAMMAR = "[a-z0-9][a-z0-9._-]{0,63}";
    /** A stream id. */
    public static final Pattern PATTERN = Pattern.compile(GRAMMAR);
    /** A {@code c=STREAM:CSEQ} field in a record's META text: group 1 the stream, group 2 the cseq's digits. */
    public static final Pattern META_FIELD = Pattern.compile("(?:^|,)c=(" + GRAMMAR + "):(\\d{1,19})(?:,|$)");

    private StreamId() {
    }

    /** Whether {@code s} is a stream id. */
    public static boolean isValid(String s) {
        return s != null && PATTERN.matcher(s).matches();
    }
}
