package loghost.ssh;

import loghost.refusal.Refusal;
import org.apache.sshd.common.session.Session;
import org.apache.sshd.common.util.net.SshdSocketAddress;
import org.apache.sshd.server.forward.ForwardingFilter;
import org.apache.sshd.server.forward.TcpForwardingFilter;

/** Refuses every kind of forwarding (-R listeners, -L/-D/-W connects, agent, X11), logging each attempt. */
final class RefuseForwarding implements ForwardingFilter {

    private final Refusals refusals;

    RefuseForwarding(Refusals refusals) {
        this.refusals = refusals;
    }

    @Override
    public boolean canForwardAgent(Session session, String requestType) {
        refusals.log(Refusal.AGENT_FORWARDING_REFUSED, session, null);
        return false;
    }

    @Override
    public boolean canForwardX11(Session session, String requestType) {
        refusals.log(Refusal.X11_FORWARDING_REFUSED, session, null);
        return false;
    }

    @Override
    public boolean canListen(SshdSocketAddress address, Session session) {
        refusals.log(Refusal.REMOTE_FORWARDING_REFUSED, session, "address=" + Refusals.quote(String.valueOf(address)));
        return false;
    }

    @Override
    public boolean canConnect(TcpForwardingFilter.Type type, SshdSocketAddress address, Session session) {
        refusals.log(Refusal.LOCAL_FORWARDING_REFUSED, session, "address=" + Refusals.quote(String.valueOf(address)));
        return false;
    }
}
