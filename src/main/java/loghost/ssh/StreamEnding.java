package loghost.ssh;

import loghost.refusal.ExitStatus;
import loghost.ssh.SessionInbox.InputEnd;

/**
 * How an acknowledged session ended: the word in its {@code stream-end} record, and how its client is told
 * (null: exit 0; else the exit status, and the ERROR frame's and stderr line's text if the failure has one).
 */
record StreamEnding(String name, Failure failure) {

    /** A write or fsync failed: exit 74. */
    static final StreamEnding STORAGE = new StreamEnding("storage-error",
            new Failure(ExitStatus.IO_ERROR, "the loghost could not store your lines"));
    /** Anything else, an exhausted JVM included: exit 70. */
    static final StreamEnding INTERNAL = new StreamEnding("internal-error", Failure.INTERNAL);

    /** The input ended {@code how}, nothing went wrong: exit 0. */
    static StreamEnding of(InputEnd how) {
        return new StreamEnding(how.word, null);
    }

    /** Whether the client is told in words (an ERROR frame and a stderr line), not only by the exit status. */
    boolean tellsClient() {
        return failure != null && failure.message() != null;
    }
}
