package loghost.refusal;

/**
 * The exit statuses a client of the loghost's SSH commands, or of serve-logs, sees (docs/PROTOCOL.md, "Exit
 * status"): sysexits.h values, so that the same number means the same thing on both ends of a connection.
 */
public final class ExitStatus {

    /** Done: for append-log, every line received was stored and synced to disk. */
    public static final int OK = 0;
    /** A command string outside the grammar (serve-logs). */
    public static final int USAGE = 64;
    /** The client broke the acknowledged protocol. */
    public static final int DATA_ERROR = 65;
    /** The file does not exist, or vanished (serve-logs). */
    public static final int NO_INPUT = 66;
    /** The file is not (or no longer) the identity asked for (serve-logs). */
    public static final int UNAVAILABLE = 69;
    /**
     * Internal error: a bug, or an exhausted heap; the server goes on (under the packaged launcher an exhausted heap
     * ends the server instead: -XX:+ExitOnOutOfMemoryError).
     */
    public static final int SOFTWARE = 70;
    /** Storage failed, or a file cannot be read. */
    public static final int IO_ERROR = 74;
    /** Try again later: a limit was reached, or the enrolled keys cannot be read now. */
    public static final int TEMP_FAIL = 75;
    /** Not allowed: a shell, another command, a key no longer enrolled, a path outside the allowed files. */
    public static final int NO_PERMISSION = 77;
    /** The configuration does not allow going on (serve-logs' allow file; a refused host key). */
    public static final int CONFIG = 78;

    private ExitStatus() {
    }
}
