package loghost.store;

import java.util.regex.Pattern;

/** Host names: they become directory names, so nothing outside {@code [a-z0-9][a-z0-9.-]{0,62}} may pass. */
public final class HostName {

    /** The loghost's own audit trail; cannot be enrolled because enrolled names never start with '_'. */
    public static final String AUDIT = "_loghost";

    private static final Pattern ENROLLABLE = Pattern.compile("[a-z0-9][a-z0-9.-]{0,62}");

    private HostName() {
    }

    /** True for a name a key may be enrolled under. */
    public static boolean isEnrollable(String name) {
        return name != null && ENROLLABLE.matcher(name).matches();
    }

    /** True for a name that may have a log directory: an enrollable name or the reserved audit name. */
    public static boolean isStorable(String name) {
        return isEnrollable(name) || AUDIT.equals(name);
    }

    /** The rule, as shown in error messages. */
    public static String rule() {
        return "[a-z0-9][a-z0-9.-]{0,62} (lowercase letters, digits, '.', '-'; at most 63 characters)";
    }
}
