package loghost.ssh;

import java.nio.charset.StandardCharsets;
import loghost.refusal.ExitStatus;
import loghost.refusal.Refusal;

/**
 * How a command ends when it does not succeed: its exit status and the one line the client reads on stderr
 * (after {@code loghost: }), or no line. As Gerrit's {@code BaseCommand.Failure}: made where the command fails,
 * turned into bytes and an exit status in one place ({@link HostCommand#exitWith}, {@link RefusalCommand}).
 */
record Failure(int exitStatus, String message) {

    /** A bug, or an exhausted JVM: exit 70. */
    static final Failure INTERNAL = new Failure(ExitStatus.SOFTWARE, "internal error");

    /** What the client of a command ended by {@code refusal} is told, its line's blanks filled from {@code args}. */
    static Failure of(Refusal refusal, Object... args) {
        return new Failure(refusal.exitStatus(), refusal.clientLine(args));
    }

    /** The stderr line's bytes: {@code loghost: MESSAGE} and LF. */
    byte[] stderrLine() {
        return ("loghost: " + message + "\n").getBytes(StandardCharsets.UTF_8);
    }
}
