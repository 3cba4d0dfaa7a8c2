package loghost.ssh;

import loghost.refusal.Refusal;
import org.apache.sshd.common.channel.Channel;
import org.apache.sshd.common.channel.ChannelFactory;
import org.apache.sshd.common.session.Session;

/** Answers a forwarding channel open (direct-tcpip for -L/-D/-W, streamlocal, x11, agent) with a logged failure. */
final class RefusedChannelType implements ChannelFactory {

    /** The channel types a client may try, other than "session". */
    static java.util.List<ChannelFactory> all(Refusals refusals) {
        return java.util.stream.Stream.of("direct-tcpip", "direct-streamlocal@openssh.com", "forwarded-tcpip", "x11",
                "auth-agent@openssh.com", "tun@openssh.com")
                .map(t -> (ChannelFactory) new RefusedChannelType(t, refusals)).toList();
    }

    private final String type;
    private final Refusals refusals;

    private RefusedChannelType(String type, Refusals refusals) {
        this.type = type;
        this.refusals = refusals;
    }

    @Override
    public String getName() {
        return type;
    }

    @Override
    public Channel createChannel(Session session) {
        refusals.log(Refusal.CHANNEL_REFUSED, session, "type=" + type);
        // MINA answers a null channel with SSH_MSG_CHANNEL_OPEN_FAILURE.
        return null;
    }
}
