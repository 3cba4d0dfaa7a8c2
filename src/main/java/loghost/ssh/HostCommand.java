package loghost.ssh;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.apache.sshd.server.command.AbstractCommandSupport;
import org.apache.sshd.server.session.ServerSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What both append-log commands do before reading a byte: find the host the session's key is enrolled for
 * (set at authentication, never taken from the client) and take one of that host's session slots.
 */
abstract class HostCommand extends AbstractCommandSupport {

    private static final Logger LOG = LoggerFactory.getLogger(HostCommand.class);

    /** Where refusals go; subclasses report through it too. */
    protected final Refusals refusals;
    private final ActiveSessions sessions;

    HostCommand(ActiveSessions sessions, Refusals refusals) {
        // A null executor makes MINA give the command its own thread, shut down when the command ends.
        super(CommandRouter.APPEND_LOG, null);
        this.sessions = sessions;
        this.refusals = refusals;
    }

    @Override
    public final void run() {
        ServerSession session = getServerSession();
        AuthenticatedHost who = session == null ? null : session.getAttribute(AuthenticatedHost.ATTRIBUTE);
        if (who == null) {
            refusals.log("no-identity", session, null);
            refuse(ExitCodes.SOFTWARE, "internal error");
            return;
        }
        ActiveSessions.Active registration = sessions.open(who, session);
        if (registration == null) {
            refusals.log("too-many-sessions", session, "limit=" + sessions.maxPerHost());
            refuse(ExitCodes.TEMP_FAIL, "refused: host " + who.host() + " already has " + sessions.maxPerHost()
                    + " open sessions");
            return;
        }
        try {
            serve(who, session);
        } finally {
            sessions.close(registration);
        }
    }

    /** Receives the host's stream; must end by calling {@code onExit} (directly or through {@link #refuse}). */
    protected abstract void serve(AuthenticatedHost who, ServerSession session);

    /** Tells the client why the session ends, in the command's own way, and ends it with {@code code}. */
    protected abstract void refuse(int code, String message);

    /** Ends the session with {@code code} after one line {@code loghost: MESSAGE} on the client's stderr. */
    protected final void exitWithMessage(int code, String message) {
        try {
            getErrorStream().write(("loghost: " + message + "\n").getBytes(StandardCharsets.UTF_8));
            getErrorStream().flush();
        } catch (IOException e) {
            LOG.debug("could not send the message to the client (gone?): {}", e.toString());
        }
        onExit(code, message);
    }
}
