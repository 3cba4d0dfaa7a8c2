package loghost.logging;

/**
 * The rule that makes any text one line of printable text for the operator's log: every character that could break
 * the line, move the cursor, drive a terminal or reorder what the operator reads is written as an escape.
 *
 * <p>Escaped: C0 controls (LF, CR and TAB as {@code \n \r \t}, the rest as {@code \xHH}), DEL and the C1 controls
 * ({@code \x7f}, {@code \x80}..{@code \x9f}), and every other code point that is a format character (bidi
 * embeddings, overrides and isolates, LRM, RLM, ALM, BOM, zero-width characters), a line or paragraph separator,
 * an unpaired surrogate, private use or unassigned (<code>&#92;uHHHH</code>, or <code>&#92;UHHHHHHHH</code> beyond
 * the BMP).
 *
 * <p>A backslash is left as it is: the operator's log is for reading, not for decoding, so a client can make
 * text that looks like an escape but never a real line break. The exact bytes a client sent are kept, reversibly
 * escaped, in the audit trail and the host logs (docs/FORMAT.md).
 */
final class LogText {

    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private LogText() {
    }

    /** True when {@code cp} must be escaped. */
    static boolean needsEscape(int cp) {
        if (cp < 0x7f) {
            return cp < 0x20;
        }
        if (cp <= 0x9f) {
            return true;
        }
        return switch (Character.getType(cp)) {
            case Character.CONTROL, Character.FORMAT, Character.LINE_SEPARATOR, Character.PARAGRAPH_SEPARATOR,
                    Character.SURROGATE, Character.PRIVATE_USE, Character.UNASSIGNED -> true;
            default -> false;
        };
    }

    /**
     * Appends {@code text[from, to)} to {@code out} escaped, stopping before {@code out} would grow beyond
     * {@code limit} characters; returns the index of the first character of {@code text} not appended.
     */
    static int escape(CharSequence text, int from, int to, StringBuilder out, int limit) {
        int i = from;
        while (i < to) {
            int cp = codePointAt(text, i, to);
            int n = Character.charCount(cp);
            if (!needsEscape(cp)) {
                if (out.length() + n > limit) {
                    return i;
                }
                out.appendCodePoint(cp);
            } else {
                int room = limit - out.length();
                if (room < escapedLength(cp)) {
                    return i;
                }
                appendEscape(cp, out);
            }
            i += n;
        }
        return i;
    }

    /** The whole of {@code text}, escaped, without a length limit. */
    static String escape(CharSequence text) {
        StringBuilder out = new StringBuilder(text.length() + 16);
        escape(text, 0, text.length(), out, Integer.MAX_VALUE);
        return out.toString();
    }

    /** The code point at {@code i}; an unpaired surrogate (or one cut off by {@code to}) is a code point alone. */
    private static int codePointAt(CharSequence text, int i, int to) {
        char c = text.charAt(i);
        if (Character.isHighSurrogate(c) && i + 1 < to) {
            char d = text.charAt(i + 1);
            if (Character.isLowSurrogate(d)) {
                return Character.toCodePoint(c, d);
            }
        }
        return c;
    }

    private static int escapedLength(int cp) {
        if (cp == '\n' || cp == '\r' || cp == '\t') {
            return 2;
        }
        return cp <= 0xff ? 4 : cp <= 0xffff ? 6 : 10;
    }

    private static void appendEscape(int cp, StringBuilder out) {
        switch (cp) {
            case '\n' -> out.append("\\n");
            case '\r' -> out.append("\\r");
            case '\t' -> out.append("\\t");
            default -> {
                if (cp <= 0xff) {
                    out.append("\\x");
                    hex(cp, 2, out);
                } else if (cp <= 0xffff) {
                    out.append("\\u");
                    hex(cp, 4, out);
                } else {
                    out.append("\\U");
                    hex(cp, 8, out);
                }
            }
        }
    }

    private static void hex(int v, int digits, StringBuilder out) {
        for (int shift = 4 * (digits - 1); shift >= 0; shift -= 4) {
            out.append(HEX[(v >>> shift) & 0xf]);
        }
    }
}
