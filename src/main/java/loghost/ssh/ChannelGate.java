package loghost.ssh;

import java.io.IOException;
import java.util.List;
import loghost.refusal.Refusal;
import org.apache.sshd.common.NamedResource;
import org.apache.sshd.common.Service;
import org.apache.sshd.common.SshConstants;
import org.apache.sshd.common.session.Session;
import org.apache.sshd.common.util.buffer.Buffer;
import org.apache.sshd.server.session.AbstractServerSession;
import org.apache.sshd.server.session.ServerConnectionService;
import org.apache.sshd.server.session.ServerConnectionServiceFactory;

/**
 * The connection service with every channel open checked first: at most {@code maxChannels} channels open at
 * once on one connection (OpenSSH's {@code MaxSessions}), and a channel type nobody serves refused with a
 * reason. A refused open costs no thread and leaves the connection and its other channels running.
 */
final class ChannelGate extends ServerConnectionServiceFactory {

    private final int maxChannels;
    private final Refusals refusals;

    ChannelGate(int maxChannels, Refusals refusals) {
        this.maxChannels = maxChannels;
        this.refusals = refusals;
    }

    @Override
    public Service create(Session session) throws IOException {
        if (!(session instanceof AbstractServerSession server)) {
            throw new IOException("not a server session: " + session);
        }
        Gated service = new Gated(server);
        service.addPortForwardingEventListenerManager(this);
        return service;
    }

    /** One connection's service. */
    private final class Gated extends ServerConnectionService {

        Gated(AbstractServerSession session) throws IOException {
            super(session);
        }

        @Override
        protected void channelOpen(Buffer buffer) throws Exception {
            // Read the open's fields without consuming them: MINA's own handling reads them again.
            int start = buffer.rpos();
            String type = buffer.getString();
            long sender = buffer.getUInt();
            buffer.rpos(start);
            List<String> served = NamedResource.getNameList(getSession().getFactoryManager().getChannelFactories());
            if (!served.contains(type)) {
                // MINA answers it with an open failure, logging nothing the operator sees.
                refusals.log(Refusal.CHANNEL_REFUSED, getSession(), "type=" + Refusals.quote(type));
            } else if (getChannels().size() >= maxChannels) {
                refusals.log(Refusal.TOO_MANY_CHANNELS, getSession(), "type=" + type + " limit=" + maxChannels);
                sendChannelOpenFailure(buffer, sender, SshConstants.SSH_OPEN_RESOURCE_SHORTAGE,
                        "too many channels on this connection (at most " + maxChannels + ")", "");
                return;
            }
            super.channelOpen(buffer);
        }
    }
}
