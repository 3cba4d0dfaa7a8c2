package loghost.journal;

/** Input that is not journalctl's export format within the loghost's bounds; the message says what, for a client. */
public final class ExportException extends Exception {

    private static final long serialVersionUID = 1L;

    /** A failure described by {@code message} (plain ASCII, no input bytes). */
    public ExportException(String message) {
        super(message);
    }
}
