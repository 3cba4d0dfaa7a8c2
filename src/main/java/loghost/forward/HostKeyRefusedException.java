package loghost.forward;

import java.io.IOException;

/** The loghost's host key is not the one known_hosts lists for it: retrying cannot help, and sending would leak. */
public final class HostKeyRefusedException extends IOException {

    private static final long serialVersionUID = 1L;

    /** A refusal naming the fingerprints involved. */
    public HostKeyRefusedException(String message) {
        super(message);
    }
}
