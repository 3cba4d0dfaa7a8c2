package loghost.ssh;

import java.io.IOException;
import java.util.Map;
import org.apache.sshd.common.channel.Channel;
import org.apache.sshd.common.channel.ChannelFactory;
import org.apache.sshd.common.channel.PtyMode;
import org.apache.sshd.common.channel.RequestHandler;
import org.apache.sshd.common.session.Session;
import org.apache.sshd.server.channel.ChannelSession;
import org.apache.sshd.server.session.ServerSession;

/**
 * The session channel with every request but exec and shell refused and logged: no pty, no environment,
 * no subsystem (sftp), no agent or X11 forwarding. Exec and shell go to {@link CommandRouter}.
 */
final class AppendOnlyChannel extends ChannelSession {

    private final Refusals refusals;

    private AppendOnlyChannel(Refusals refusals) {
        this.refusals = refusals;
    }

    /** Creates these channels for "session" opens. */
    static ChannelFactory factory(Refusals refusals) {
        return new ChannelFactory() {
            @Override
            public String getName() {
                return "session";
            }

            @Override
            public Channel createChannel(Session session) {
                return new AppendOnlyChannel(refusals);
            }
        };
    }

    @Override
    protected RequestHandler.Result handlePtyReqParsed(String term, int cols, int rows, int width, int height,
            Map<PtyMode, Integer> modes) {
        refusals.log("pty-refused", getSession(), null);
        return RequestHandler.Result.ReplyFailure;
    }

    @Override
    protected RequestHandler.Result handleEnvParsed(String name, String value) {
        refusals.log("env-refused", getSession(), "name=" + Refusals.quote(name));
        return RequestHandler.Result.ReplyFailure;
    }

    @Override
    protected RequestHandler.Result handleSubsystemParsed(String request, String name) {
        refusals.log("subsystem-refused", getSession(), "name=" + Refusals.quote(name));
        return RequestHandler.Result.ReplyFailure;
    }

    @Override
    protected RequestHandler.Result handleAgentForwardingParsed(String requestType) {
        refusals.log("agent-forwarding-refused", getSession(), null);
        return RequestHandler.Result.ReplyFailure;
    }

    @Override
    protected RequestHandler.Result handleX11ForwardingParsed(String requestType, ServerSession session,
            boolean singleConnection, String authProtocol, String authCookie, int screenId) {
        refusals.log("x11-forwarding-refused", session, null);
        return RequestHandler.Result.ReplyFailure;
    }

    @Override
    protected RequestHandler.Result handleSignalParsed(String signal) throws IOException {
        return RequestHandler.Result.ReplyFailure;
    }
}
