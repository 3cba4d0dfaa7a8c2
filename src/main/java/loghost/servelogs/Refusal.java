package loghost.servelogs;

/** Why serve-logs will not do what was asked: the one stderr line and the exit status that say so. */
final class Refusal extends Exception {

    private static final long serialVersionUID = 1L;

    /** A command string outside the grammar. */
    static final int MALFORMED = 64;
    /** The file does not exist, or vanished. */
    static final int NO_SUCH_FILE = 66;
    /** The file is not (or no longer) the identity asked for. */
    static final int NOT_THIS_FILE = 69;
    /** The file exists but cannot be read. */
    static final int CANNOT_READ = 74;
    /** Not allowed: another command, a path outside the allow file, a link leading out, a bad byte. */
    static final int REFUSED = 77;
    /** The allow file is missing or malformed: nothing is served. */
    static final int CONFIG = 78;

    private final int exitCode;

    Refusal(int exitCode, String line) {
        super(line);
        this.exitCode = exitCode;
    }

    /** The exit status. */
    int exitCode() {
        return exitCode;
    }

    static Refusal refused(String reason) {
        return new Refusal(REFUSED, "serve-logs: refused: " + reason);
    }
}
