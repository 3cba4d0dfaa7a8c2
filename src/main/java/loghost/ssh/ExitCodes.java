package loghost.ssh;

/** Exit statuses an SSH client sees (docs/PROTOCOL.md, "Exit status"); sysexits.h values where one fits. */
final class ExitCodes {

    /** Every line received was stored and synced to disk. */
    static final int OK = 0;
    /** The client broke the acknowledged protocol. */
    static final int DATA_ERROR = 65;
    /** Internal error: the session's identity was missing. */
    static final int SOFTWARE = 70;
    /** Storage failed: lines after the last stored record were not kept. */
    static final int IO_ERROR = 74;
    /** Try again later: the host has too many open sessions. */
    static final int TEMP_FAIL = 75;
    /** Refused: a shell, or a command other than append-log. */
    static final int NO_PERMISSION = 77;

    private ExitCodes() {
    }
}
