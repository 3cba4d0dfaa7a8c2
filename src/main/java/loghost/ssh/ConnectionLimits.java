package loghost.ssh;

import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.Map;
import org.apache.sshd.common.session.Session;
import org.apache.sshd.common.session.SessionListener;

/**
 * Caps connections so that a scanner or a flood cannot starve enrolled hosts: at most {@code maxUnauthenticated}
 * connections that have not yet authenticated, and at most {@code maxPerSource} connections from one address.
 * A connection over a cap is closed at once, before key exchange.
 */
final class ConnectionLimits implements SessionListener {

    private final int maxUnauthenticated;
    private final int maxPerSource;
    private final Refusals refusals;
    private final Map<String, Integer> perSource = new HashMap<>();
    private final Map<Session, String> unauthenticated = new HashMap<>();
    private final Map<Session, String> open = new HashMap<>();

    ConnectionLimits(int maxUnauthenticated, int maxPerSource, Refusals refusals) {
        this.maxUnauthenticated = maxUnauthenticated;
        this.maxPerSource = maxPerSource;
        this.refusals = refusals;
    }

    @Override
    public void sessionCreated(Session session) {
        String ip = session.getRemoteAddress() instanceof InetSocketAddress isa && isa.getAddress() != null
                ? isa.getAddress().getHostAddress() : String.valueOf(session.getRemoteAddress());
        String refusal = null;
        synchronized (this) {
            int fromSource = perSource.getOrDefault(ip, 0);
            if (fromSource >= maxPerSource) {
                refusal = "too-many-connections-from-source";
            } else if (unauthenticated.size() >= maxUnauthenticated) {
                refusal = "too-many-unauthenticated";
            } else {
                perSource.put(ip, fromSource + 1);
                unauthenticated.put(session, ip);
                open.put(session, ip);
            }
        }
        if (refusal != null) {
            refusals.log(refusal, session, "limit=" + (refusal.endsWith("source") ? maxPerSource : maxUnauthenticated));
            session.close(true);
        }
    }

    @Override
    public void sessionEvent(Session session, Event event) {
        if (event == Event.Authenticated) {
            synchronized (this) {
                unauthenticated.remove(session);
            }
        }
    }

    @Override
    public void sessionClosed(Session session) {
        synchronized (this) {
            unauthenticated.remove(session);
            String ip = open.remove(session);
            if (ip != null) {
                perSource.computeIfPresent(ip, (k, n) -> n <= 1 ? null : n - 1);
            }
        }
    }
}
