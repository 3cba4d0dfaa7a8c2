package loghost.ssh;

import java.io.IOException;
import org.apache.sshd.server.channel.ChannelSession;
import org.apache.sshd.server.session.ServerSession;

/** What an append-log command needs of its SSH channel: MINA's {@link ChannelSession} in the server. */
interface SessionChannel {

    /** The host the connection's key is enrolled for, set at authentication; null if none was. */
    AuthenticatedHost who();

    /** The connection (for its address in refusal records); null where there is none. */
    ServerSession session();

    /** Lets the client send {@code bytes} more: called once that much input was handled. */
    void release(int bytes) throws IOException;

    /** True when the client sent EOF. */
    boolean eofSignalled();

    /** Closes the channel at once, dropping what is still queued for the client. */
    void closeNow();

    /** The real channel. */
    static SessionChannel of(ChannelSession channel) {
        return new SessionChannel() {
            @Override
            public AuthenticatedHost who() {
                ServerSession s = channel.getServerSession();
                return s == null ? null : s.getAttribute(AuthenticatedHost.ATTRIBUTE);
            }

            @Override
            public ServerSession session() {
                return channel.getServerSession();
            }

            @Override
            public void release(int bytes) throws IOException {
                channel.getLocalWindow().release(bytes);
            }

            @Override
            public boolean eofSignalled() {
                return channel.isEofSignalled();
            }

            @Override
            public void closeNow() {
                channel.close(true);
            }
        };
    }
}
