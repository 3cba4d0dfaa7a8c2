package loghost.journal;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The part of a journal cursor ({@code __CURSOR=s=SEQNUM_ID;i=SEQNUM_HEX;...}) the loghost resumes by: the sequence
 * number id (32 lowercase hex digits) and the entry's sequence number. journalctl seeks by the partial cursor
 * {@code s=ID;i=HEX} alone (systemd 252 tested), which is what {@link #resume} gives.
 */
public record JournalCursor(String seqnumId, long seqnum) {

    private static final Pattern CURSOR = Pattern.compile("s=([0-9a-f]{32});i=([0-9a-f]{1,16});.*");
    /** A sequence number id alone. */
    public static final Pattern SEQNUM_ID = Pattern.compile("[0-9a-f]{32}");

    /**
     * The cursor's id and sequence number, or null when it does not start {@code s=ID;i=HEX;}. The sequence number
     * is taken as unsigned: one above 2^63−1 comes out negative, which callers refuse or skip.
     */
    public static JournalCursor parse(String cursor) {
        Matcher m = cursor == null ? null : CURSOR.matcher(cursor);
        if (m == null || !m.matches()) {
            return null;
        }
        return new JournalCursor(m.group(1), Long.parseUnsignedLong(m.group(2), 16));
    }

    /** True when {@code s} holds a byte below 0x20, DEL or a non-ASCII character. */
    public static boolean hasControlOrNonAscii(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c >= 0x7f) {
                return true;
            }
        }
        return false;
    }

    /** The partial cursor journalctl's {@code --after-cursor} takes: {@code s=ID;i=HEX}. */
    public String resume() {
        return "s=" + seqnumId + ";i=" + Long.toHexString(seqnum);
    }
}
