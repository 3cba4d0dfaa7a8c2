package loghost.ssh;

import org.apache.sshd.common.channel.Channel;
import org.apache.sshd.common.channel.ChannelFactory;
import org.apache.sshd.common.session.Session;

/** Answers a forwarding channel open (direct-tcpip for -L/-D/-W, streamlocal, x11, agent) with a logged failure. */
final class RefusedChannelType implements ChannelFactory {

    /** The channel types a client may try, other than "session". */
    static final java.util.List<ChannelFactory> ALL = java.util.List.of(
            new RefusedChannelType("direct-tcpip"), new RefusedChannelType("direct-streamlocal@openssh.com"),
            new RefusedChannelType("forwarded-tcpip"), new RefusedChannelType("x11"),
            new RefusedChannelType("auth-agent@openssh.com"), new RefusedChannelType("tun@openssh.com"));

    private final String type;

    private RefusedChannelType(String type) {
        this.type = type;
    }

    @Override
    public String getName() {
        return type;
    }

    @Override
    public Channel createChannel(Session session) {
        Refusals.log("channel-refused", session, "type=" + type);
        // MINA answers a null channel with SSH_MSG_CHANNEL_OPEN_FAILURE.
        return null;
    }
}
