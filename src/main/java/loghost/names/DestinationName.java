package loghost.names;

import java.util.regex.Pattern;

/**
 * Names of archive destinations ({@code archive.destinations.NAME} in the configuration), as they also appear in
 * {@code archive-state} lines and in the manifest's {@code to=NAME}.
 */
public final class DestinationName {

    /** The grammar, for patterns and messages that hold a destination name. */
    public static final String GRAMMAR = "[a-z0-9][a-z0-9_-]{0,31}";
    /** A destination name. */
    public static final Pattern PATTERN = Pattern.compile(GRAMMAR);

    private DestinationName() {
    }

    /** Whether {@code s} is a destination name. */
    public static boolean isValid(String s) {
        return s != null && PATTERN.matcher(s).matches();
    }
}
