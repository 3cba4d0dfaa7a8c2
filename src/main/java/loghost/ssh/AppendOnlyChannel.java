package loghost.ssh;

import java.io.IOException;
import java.util.Map;
import loghost.refusal.Refusal;
import org.apache.sshd.common.channel.Channel;
import org.apache.sshd.common.channel.ChannelFactory;
import org.apache.sshd.common.channel.PtyMode;
import org.apache.sshd.common.channel.RequestHandler;
import org.apache.sshd.common.session.Session;
import org.apache.sshd.common.util.buffer.Buffer;
import org.apache.sshd.server.channel.ChannelSession;
import org.apache.sshd.server.session.ServerSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The session channel with every request but exec and shell refused and logged: no pty, no subsystem (sftp), no
 * agent or X11 forwarding; environment variables are ignored. Exec and shell go to {@link CommandRouter}.
 */
final class AppendOnlyChannel extends ChannelSession {

    private static final Logger LOG = LoggerFactory.getLogger(AppendOnlyChannel.class);

    private final Refusals refusals;
    private int envIgnored;
    private boolean extendedDataRefused;
    private boolean dataBeforeCommandRefused;

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
        refusals.log(Refusal.PTY_REFUSED, getSession(), null);
        return RequestHandler.Result.ReplyFailure;
    }

    // Never applied; not a refusal worth an audit record: Debian's default "SendEnv LANG LC_*" sends these with
    // every session of every host, and the trail would drown in them. Counted at debug for troubleshooting.
    @Override
    protected RequestHandler.Result handleEnvParsed(String name, String value) {
        envIgnored++;
        LOG.debug("env-ignored source={} name={} count={}", Refusals.source(getSession()), Refusals.quote(name),
                envIgnored);
        return RequestHandler.Result.ReplyFailure;
    }

    @Override
    protected RequestHandler.Result handleSubsystemParsed(String request, String name) {
        refusals.log(Refusal.SUBSYSTEM_REFUSED, getSession(), "name=" + Refusals.quote(name));
        return RequestHandler.Result.ReplyFailure;
    }

    @Override
    protected RequestHandler.Result handleAgentForwardingParsed(String requestType) {
        refusals.log(Refusal.AGENT_FORWARDING_REFUSED, getSession(), null);
        return RequestHandler.Result.ReplyFailure;
    }

    @Override
    protected RequestHandler.Result handleX11ForwardingParsed(String requestType, ServerSession session,
            boolean singleConnection, String authProtocol, String authCookie, int screenId) {
        refusals.log(Refusal.X11_FORWARDING_REFUSED, session, null);
        return RequestHandler.Result.ReplyFailure;
    }

    @Override
    protected RequestHandler.Result handleSignalParsed(String signal) throws IOException {
        refusals.log(Refusal.SIGNAL_REFUSED, getSession(), "signal=" + Refusals.quote(signal));
        return RequestHandler.Result.ReplyFailure;
    }

    @Override
    protected RequestHandler.Result handleBreakParsed(long breakLength) throws IOException {
        // MINA would deliver a break to the command as SIGINT.
        refusals.log(Refusal.SIGNAL_REFUSED, getSession(), "signal=break");
        return RequestHandler.Result.ReplyFailure;
    }

    // Data before any exec or shell request has no command to go to: MINA would hold it, up to the channel's whole
    // window (2 MiB), for a command that may never come, and every channel of every connection of a host could do
    // the same. The channel is refused and closed at the first such packet, with one record; nothing is stored, so
    // nothing the client sent is taken for a line. (Data right after an exec request is not this: MINA starts the
    // command before it reads the next packet.)
    @Override
    protected void doWriteData(byte[] data, int off, long len) throws IOException {
        if (type == null) {
            if (!dataBeforeCommandRefused) {
                dataBeforeCommandRefused = true;
                refusals.log(Refusal.DATA_BEFORE_COMMAND, getSession(), "bytes=" + len);
                close(false);
            }
            return;
        }
        super.doWriteData(data, off, len);
    }

    // A client has nothing to send on a second stream (extended data, "stderr"): MINA would take it as an error
    // and close the whole connection, every session on it ending as connection-lost with no reason given. It is
    // refused instead, with one record per channel however much comes, and discarded (its window given back);
    // the command goes on with the client's ordinary data.
    @Override
    protected void doWriteExtendedData(byte[] data, int off, long len) throws IOException {
        if (!extendedDataRefused) {
            extendedDataRefused = true;
            refusals.log(Refusal.EXTENDED_DATA_REFUSED, getSession(), "bytes=" + len);
        }
        getLocalWindow().release(len);
    }

    @Override
    protected RequestHandler.Result handleInternalRequest(String requestType, boolean wantReply, Buffer buffer)
            throws IOException {
        if (type != null && (CHANNEL_EXEC.equals(requestType) || CHANNEL_SHELL.equals(requestType)
                || CHANNEL_SUBSYSTEM.equals(requestType))) {
            // MINA fails these quietly; a client trying to start a second command on a channel is worth a record.
            refusals.log(Refusal.SECOND_COMMAND_REFUSED, getSession(), "request=" + requestType + " running=" + type);
            return RequestHandler.Result.ReplyFailure;
        }
        RequestHandler.Result r = super.handleInternalRequest(requestType, wantReply, buffer);
        if (r == null || r == RequestHandler.Result.Unsupported) {
            // Answered here rather than by MINA, which would log the client's request name raw at WARN.
            refusals.log(Refusal.CHANNEL_REQUEST_REFUSED, getSession(), "request=" + Refusals.quote(requestType));
            return RequestHandler.Result.ReplyFailure;
        }
        return r;
    }
}
