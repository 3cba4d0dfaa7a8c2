package loghost.servelogs;

import java.util.regex.Pattern;

/**
 * The only path syntax serve-logs accepts (docs/PROTOCOL.md, "Pull mode"): absolute, components of
 * {@code [A-Za-z0-9._+@:,=%-]}, never {@code .} or {@code ..}, no empty component. Patterns may also hold
 * {@code *} and {@code ?}, which match within one component.
 */
public final class RemotePath {

    private static final Pattern PATH = Pattern.compile("(/[A-Za-z0-9._+@:,=%-]+)+");
    private static final Pattern PATTERN = Pattern.compile("(/[A-Za-z0-9._+@:,=%*?-]+)+");

    private RemotePath() {
    }

    /** True when {@code s} is a plain path in the grammar. */
    public static boolean isPath(String s) {
        return PATH.matcher(s).matches() && noDotComponents(s);
    }

    /** True when {@code s} is a pattern in the grammar (a plain path is one). */
    public static boolean isPattern(String s) {
        return PATTERN.matcher(s).matches() && noDotComponents(s);
    }

    /** True when pattern {@code pattern} (in the grammar) matches path {@code path}, as serve-logs' list does. */
    public static boolean matches(String pattern, String path) {
        return compile(pattern).matcher(path).matches();
    }

    /** A regular expression matching what {@code pattern} matches: {@code *} and {@code ?} stop at a slash. */
    static Pattern compile(String pattern) {
        StringBuilder re = new StringBuilder();
        for (char c : pattern.toCharArray()) {
            if (c == '*') {
                re.append("[^/]*");
            } else if (c == '?') {
                re.append("[^/]");
            } else {
                re.append(Pattern.quote(String.valueOf(c)));
            }
        }
        return Pattern.compile(re.toString());
    }

    private static boolean noDotComponents(String s) {
        for (String c : s.substring(1).split("/", -1)) {
            if (c.equals(".") || c.equals("..")) {
                return false;
            }
        }
        return true;
    }
}
