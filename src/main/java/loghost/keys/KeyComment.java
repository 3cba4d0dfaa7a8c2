package loghost.keys;

import java.nio.charset.StandardCharsets;

/**
 * The free-text comment of a key line, the one field of the enrolled-keys file that no grammar limits. Printed
 * to an operator's terminal by {@code enroll} and {@code keys}, it must not move the cursor, fake a line or
 * reorder text: {@code enroll} refuses such characters, and printing escapes them (the file may be hand-edited).
 */
public final class KeyComment {

    private KeyComment() {
    }

    /**
     * Null when every character of {@code comment} prints as itself; otherwise which one does not. Refused:
     * controls (C0, DEL, C1 such as U+0085), format characters (bidi overrides and isolates such as U+202E and
     * U+2066, direction marks, zero-width characters, the BOM), line and paragraph separators, private-use,
     * unassigned and unpaired surrogate code points.
     */
    public static String problem(String comment) {
        for (int i = 0; i < comment.length(); ) {
            int cp = comment.codePointAt(i);
            if (!printable(cp)) {
                return String.format("key comment contains U+%04X (a control or invisible formatting character); "
                        + "remove it from the key line", cp);
            }
            i += Character.charCount(cp);
        }
        return null;
    }

    /** {@code comment} for a terminal: each UTF-8 byte of a character that {@link #problem} refuses as {@code \xHH},
     * and a backslash as {@code \\}, so that what is printed is one line that shows what is in the file. */
    public static String escape(String comment) {
        StringBuilder sb = new StringBuilder(comment.length());
        for (int i = 0; i < comment.length(); ) {
            int cp = comment.codePointAt(i);
            if (cp == '\\') {
                sb.append("\\\\");
            } else if (printable(cp)) {
                sb.appendCodePoint(cp);
            } else {
                for (byte b : new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8)) {
                    sb.append(String.format("\\x%02x", b & 0xff));
                }
            }
            i += Character.charCount(cp);
        }
        return sb.toString();
    }

    private static boolean printable(int cp) {
        switch (Character.getType(cp)) {
            case Character.CONTROL, Character.FORMAT, Character.LINE_SEPARATOR, Character.PARAGRAPH_SEPARATOR,
                    Character.PRIVATE_USE, Character.SURROGATE, Character.UNASSIGNED:
                return false;
            default:
                return true;
        }
    }
}
