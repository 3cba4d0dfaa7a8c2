package loghost.servelogs;

import loghost.refusal.ExitStatus;

/**
 * Why serve-logs will not do what was asked: the one stderr line and the exit status that say so
 * (docs/PROTOCOL.md, serve-logs' "exit status" table), each kind of line written here once. The exit statuses
 * are the loghost's own ({@link ExitStatus}), which pull mode reads on the other end.
 */
final class Refused extends Exception {

    private static final long serialVersionUID = 1L;

    private final int exitStatus;

    private Refused(int exitStatus, String line) {
        super(line);
        this.exitStatus = exitStatus;
    }

    /** The exit status. */
    int exitStatus() {
        return exitStatus;
    }

    /** Exit 64: a command string outside the grammar. */
    static Refused malformed() {
        return new Refused(ExitStatus.USAGE, "serve-logs: refused: malformed command");
    }

    /** Exit 66: the file does not exist, or vanished. */
    static Refused noSuchFile(Object path) {
        return new Refused(ExitStatus.NO_INPUT, "serve-logs: no such file: " + path);
    }

    /** Exit 69: the file is not (or no longer) the identity asked for; {@code what} says how. */
    static Refused notThisFile(Object path, String what) {
        return new Refused(ExitStatus.UNAVAILABLE, "serve-logs: not this file: " + path + " " + what);
    }

    /** Exit 74: {@code what} exists but cannot be read. */
    static Refused cannotRead(Object what) {
        return new Refused(ExitStatus.IO_ERROR, "serve-logs: cannot read " + what);
    }

    /** Exit 77: not allowed, for {@code reason}. */
    static Refused refused(String reason) {
        return new Refused(ExitStatus.NO_PERMISSION, "serve-logs: refused: " + reason);
    }

    /** Exit 78: the allow file is missing or malformed ({@code what}): nothing is served. */
    static Refused allowFile(Object what) {
        return new Refused(ExitStatus.CONFIG, "serve-logs: cannot read the allow file: " + what);
    }
}
