package loghost.store;

/** A host's log could not be read or written; the message is for the operator's log, not for clients. */
public final class StorageException extends Exception {

    private static final long serialVersionUID = 1L;

    /** A failure with its cause. */
    public StorageException(String message, Throwable cause) {
        super(message, cause);
    }

    /** A failure found by inspection. */
    public StorageException(String message) {
        super(message);
    }
}
