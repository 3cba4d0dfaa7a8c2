package loghost.logging;

import ch.qos.logback.classic.PatternLayout;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.CoreConstants;

/**
 * A Logback pattern layout whose every event is exactly one line of printable text, whatever a client put into
 * the message, its arguments, an exception message or anything else the pattern renders: the line is rendered by
 * the pattern, then everything in it that could break the line or drive a terminal is escaped ({@link LogText}).
 *
 * <p>One event is one line: a stack trace stays on its event's line, its line breaks and tabs written as
 * {@code \n\tat ...}. The pattern must end with {@code %n}; that line end (or, with an exception, the stack trace's
 * last one) is the event's own, and is the only line break written. A line is cut at {@value #MAX_LINE}
 * characters with a note of how much was cut: journald splits a longer stream line (48 KiB by default, and at
 * every NUL) into records of its own, and client text padded to that length would start one; a character here is
 * at most 3 bytes of UTF-8.
 */
public class OneLineLayout extends PatternLayout {

    /** The longest line written, in characters, line end excluded. */
    public static final int MAX_LINE = 8192;

    private static final String CUT_NOTE = "...[cut %d chars]";
    private static final int CUT_ROOM = 32;

    /** Starts the layout; refuses a pattern that does not end with {@code %n} (the line end is the event's). */
    @Override
    public void start() {
        if (getPattern() == null || !getPattern().endsWith("%n")) {
            addError("OneLineLayout: the pattern must end with %n, got [" + getPattern() + "]");
            return;
        }
        super.start();
    }

    /** The event as one line: rendered by the pattern, escaped, cut if too long, ended by one line separator. */
    @Override
    public String doLayout(ILoggingEvent event) {
        if (!isStarted()) {
            return CoreConstants.EMPTY_STRING;
        }
        return oneLine(super.doLayout(event));
    }

    /** {@code rendered} (a pattern's output ending with its line end) as one escaped, bounded line. */
    static String oneLine(String rendered) {
        int end = rendered.endsWith(CoreConstants.LINE_SEPARATOR)
                ? rendered.length() - CoreConstants.LINE_SEPARATOR.length() : rendered.length();
        StringBuilder out = new StringBuilder(Math.min(end, MAX_LINE) + 16);
        int stop = LogText.escape(rendered, 0, end, out, MAX_LINE);
        if (stop < end) {
            // Cut at a character boundary, never inside an escape, leaving room for the note.
            out.setLength(0);
            stop = LogText.escape(rendered, 0, end, out, MAX_LINE - CUT_ROOM);
            out.append(String.format(CUT_NOTE, end - stop));
        }
        return out.append(CoreConstants.LINE_SEPARATOR).toString();
    }
}
