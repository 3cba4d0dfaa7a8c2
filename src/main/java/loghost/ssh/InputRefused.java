package loghost.ssh;

import loghost.refusal.Refusal;

/**
 * Input a raw session's rules refuse (a journal entry, a pushed file's header): the refusal and its client-line
 * detail, plain ASCII without input bytes. Thrown while the input is parsed, caught where the session ends.
 */
final class InputRefused extends Exception {

    private static final long serialVersionUID = 1L;

    private final transient Refusal reason;
    private final String detail;

    /** A refusal of {@code reason}, {@code detail} said to the client and logged quoted. */
    InputRefused(Refusal reason, String detail) {
        super(detail, null, false, false);
        this.reason = reason;
        this.detail = detail;
    }

    /** The refusal. */
    Refusal reason() {
        return reason;
    }

    /** What the client is told after the refusal's line. */
    String detail() {
        return detail;
    }
}
