package loghost.ssh;

import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import loghost.refusal.Refusal;
import org.apache.sshd.common.AttributeRepository.AttributeKey;
import org.apache.sshd.common.kex.KexProposalOption;
import org.apache.sshd.common.session.Session;
import org.apache.sshd.common.session.SessionListener;

/**
 * Caps what an unauthenticated client can hold, so that a scanner or a flood cannot starve enrolled hosts: at
 * most {@code maxUnauthenticated} connections not yet authenticated in all, at most {@code maxPerSource} of them
 * from one address (a connection stops counting once it authenticates, so any number of hosts behind one NAT
 * address can be logged in), and at most {@value #MAX_KEX_BEFORE_AUTH} key exchanges before authentication.
 * A connection over a cap is closed at once.
 */
final class ConnectionLimits implements SessionListener {

    /** Key exchanges a connection may run before it authenticates: the first one and two re-keys. */
    static final int MAX_KEX_BEFORE_AUTH = 3;

    private static final AttributeKey<AtomicInteger> KEX_BEFORE_AUTH = new AttributeKey<>();

    private final int maxUnauthenticated;
    private final int maxPerSource;
    private final Refusals refusals;
    private final Map<String, Integer> perSource = new HashMap<>();
    private final Map<Session, String> unauthenticated = new HashMap<>();

    ConnectionLimits(int maxUnauthenticated, int maxPerSource, Refusals refusals) {
        this.maxUnauthenticated = maxUnauthenticated;
        this.maxPerSource = maxPerSource;
        this.refusals = refusals;
    }

    @Override
    public void sessionCreated(Session session) {
        String ip = session.getRemoteAddress() instanceof InetSocketAddress isa && isa.getAddress() != null
                ? isa.getAddress().getHostAddress() : String.valueOf(session.getRemoteAddress());
        Refusal refusal = null;
        synchronized (this) {
            int fromSource = perSource.getOrDefault(ip, 0);
            if (fromSource >= maxPerSource) {
                refusal = Refusal.TOO_MANY_CONNECTIONS_FROM_SOURCE;
            } else if (unauthenticated.size() >= maxUnauthenticated) {
                refusal = Refusal.TOO_MANY_UNAUTHENTICATED;
            } else {
                perSource.put(ip, fromSource + 1);
                unauthenticated.put(session, ip);
            }
        }
        if (refusal != null) {
            int limit = refusal == Refusal.TOO_MANY_CONNECTIONS_FROM_SOURCE ? maxPerSource : maxUnauthenticated;
            refusals.log(refusal, session, "limit=" + limit);
            session.close(true);
        }
    }

    // Each key exchange costs the server a Diffie-Hellman (or post-quantum) computation: before authentication
    // anybody can ask for them, so they are bounded.
    @Override
    public void sessionNegotiationStart(Session session, Map<KexProposalOption, String> clientProposal,
            Map<KexProposalOption, String> serverProposal) {
        if (session.isAuthenticated()) {
            return;
        }
        int n = session.computeAttributeIfAbsent(KEX_BEFORE_AUTH, k -> new AtomicInteger()).incrementAndGet();
        if (n > MAX_KEX_BEFORE_AUTH) {
            refusals.log(Refusal.TOO_MANY_KEY_EXCHANGES, session, "limit=" + MAX_KEX_BEFORE_AUTH);
            // Closed first, so that MINA treats the exception below as part of the close and logs nothing.
            session.close(true);
            throw new IllegalStateException("too many key exchanges before authentication");
        }
    }

    @Override
    public void sessionEvent(Session session, Event event) {
        if (event == Event.Authenticated) {
            release(session);
        }
    }

    @Override
    public void sessionClosed(Session session) {
        release(session);
    }

    private synchronized void release(Session session) {
        String ip = unauthenticated.remove(session);
        if (ip != null) {
            perSource.computeIfPresent(ip, (k, n) -> n <= 1 ? null : n - 1);
        }
    }
}
