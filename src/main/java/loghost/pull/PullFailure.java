package loghost.pull;

/** A pull that could not go on (a command refused or failed on the source, a lost connection); retried later. */
public class PullFailure extends Exception {

    private static final long serialVersionUID = 1L;

    PullFailure(String message) {
        super(message);
    }

    PullFailure(String message, Throwable cause) {
        super(message, cause);
    }

    /** Text from the source made safe for one log line: quoted, control and non-ASCII characters escaped. */
    static String quote(String untrusted) {
        StringBuilder sb = new StringBuilder("\"");
        for (char c : untrusted.strip().toCharArray()) {
            if (c < 0x20 || c > 0x7e || c == '"' || c == '\\') {
                sb.append(String.format("\\u%04x", (int) c));
            } else {
                sb.append(c);
            }
        }
        return sb.append('"').toString();
    }
}
