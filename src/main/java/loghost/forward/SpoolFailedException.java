package loghost.forward;

import java.io.IOException;

/** The spool on disk cannot be trusted or written any more: retrying cannot help, so the forwarder stops. */
final class SpoolFailedException extends IOException {

    private static final long serialVersionUID = 1L;

    /** A failure whose message says what broke, where, and what was not sent because of it. */
    SpoolFailedException(String message, Throwable cause) {
        super(message, cause);
    }
}
