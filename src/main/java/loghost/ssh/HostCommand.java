package loghost.ssh;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.apache.sshd.server.command.AbstractCommandSupport;
import org.apache.sshd.server.session.ServerSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What both append-log commands do before reading a byte: find the host the session's key is enrolled for
 * (set at authentication, never taken from the client), check that the key is still enrolled, and take one of
 * that host's session slots. Whatever a command throws ends that session, audited, and never its thread's caller.
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
        // The key may have been revoked since this connection authenticated: ask the enrolled keys again.
        String withdrawn = sessions.withdrawn(who, session);
        if (withdrawn != null) {
            refusals.log(withdrawn, session, "key=" + who.fingerprint());
            switch (withdrawn) {
                case "keys-unavailable" -> refuse(ExitCodes.TEMP_FAIL,
                        "refused: the enrolled keys cannot be read; try again later");
                case "source-not-allowed" -> refuse(ExitCodes.NO_PERMISSION,
                        "refused: this key is no longer allowed from this address");
                default -> refuse(ExitCodes.NO_PERMISSION,
                        "refused: this key is no longer enrolled for host " + who.host());
            }
            return;
        }
        ActiveSessions.Active registration = sessions.open(who);
        if (registration == null) {
            refusals.log("too-many-sessions", session, "limit=" + sessions.maxPerHost());
            refuse(ExitCodes.TEMP_FAIL, "refused: host " + who.host() + " already has " + sessions.maxPerHost()
                    + " open sessions");
            return;
        }
        try {
            serve(who, session);
        } catch (Throwable t) {
            failed(who, session, t);
        } finally {
            sessions.close(registration);
        }
    }

    // A bug or an exhausted JVM (OutOfMemoryError) must end this session, not leave it hanging.
    private void failed(AuthenticatedHost who, ServerSession session, Throwable t) {
        String detail = "host=" + who.host() + " source=" + Refusals.source(session) + " reason="
                + Refusals.quote(t.toString());
        try {
            LOG.error("command-failed {}", detail, t);
            refusals.audit().event("command-failed " + detail);
            refuse(ExitCodes.SOFTWARE, "internal error");
        } catch (Throwable again) {
            // Even logging failed (the heap is gone): the session must still end.
            onExit(ExitCodes.SOFTWARE, "internal error");
            session.close(true);
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
