package loghost.servelogs;

/**
 * The only path syntax serve-logs accepts (docs/PROTOCOL.md, "Pull mode"): absolute, at most {@link #MAX_LENGTH}
 * characters, components of {@code [A-Za-z0-9._+@:,=%-]}, never {@code .} or {@code ..}, no empty component.
 * Patterns may also hold {@code *} and {@code ?}, which match within one component. Checked and matched by loops,
 * never by a regular expression or recursion: a path of thousands of components or a pattern of thousands of
 * stars costs time in proportion, not the stack.
 */
public final class RemotePath {

    /** Longest path or pattern, in characters: Linux's PATH_MAX less its NUL; no longer path names a file. */
    public static final int MAX_LENGTH = 4095;

    private RemotePath() {
    }

    /** True when {@code s} is a plain path in the grammar. */
    public static boolean isPath(String s) {
        return valid(s, false);
    }

    /** True when {@code s} is a pattern in the grammar (a plain path is one). */
    public static boolean isPattern(String s) {
        return valid(s, true);
    }

    private static boolean valid(String s, boolean wildcards) {
        if (s.isEmpty() || s.length() > MAX_LENGTH || s.charAt(0) != '/') {
            return false;
        }
        int start = 1;
        for (int i = 1; i <= s.length(); i++) {
            if (i == s.length() || s.charAt(i) == '/') {
                int length = i - start;
                if (length == 0 || (length == 1 && s.charAt(start) == '.')
                        || (length == 2 && s.charAt(start) == '.' && s.charAt(start + 1) == '.')) {
                    return false;
                }
                start = i + 1;
            } else if (!allowed(s.charAt(i), wildcards)) {
                return false;
            }
        }
        return true;
    }

    private static boolean allowed(char c, boolean wildcards) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
                || ".+@:,=%-_".indexOf(c) >= 0 || (wildcards && (c == '*' || c == '?'));
    }

    /**
     * True when {@code path} matches {@code pattern} (both in the grammar, or both one component), as serve-logs'
     * list does: the same number of components, each matched with {@code *} and {@code ?} standing for characters
     * of that component only.
     */
    public static boolean matches(String pattern, String path) {
        String[] p = pattern.split("/", -1);
        String[] n = path.split("/", -1);
        if (p.length != n.length) {
            return false;
        }
        for (int i = 0; i < p.length; i++) {
            if (!component(p[i], n[i])) {
                return false;
            }
        }
        return true;
    }

    // Wildcard match of one component: on a mismatch, the last star takes one character more and matching goes on
    // from there (earlier stars never need to give back what they took), so this is at most |p| * |n| steps.
    private static boolean component(String p, String n) {
        int pi = 0;
        int ni = 0;
        int star = -1;
        int resume = 0;
        while (ni < n.length()) {
            if (pi < p.length() && (p.charAt(pi) == '?' || p.charAt(pi) == n.charAt(ni))) {
                pi++;
                ni++;
            } else if (pi < p.length() && p.charAt(pi) == '*') {
                star = pi++;
                resume = ni;
            } else if (star >= 0) {
                pi = star + 1;
                ni = ++resume;
            } else {
                return false;
            }
        }
        while (pi < p.length() && p.charAt(pi) == '*') {
            pi++;
        }
        return pi == p.length();
    }
}
