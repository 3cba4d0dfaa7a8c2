package loghost.ssh;

import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import loghost.refusal.Refusal;
import org.apache.sshd.common.AttributeRepository.AttributeKey;
import org.apache.sshd.common.kex.KexProposalOption;
import org.apache.sshd.common.session.Session;
import org.apache.sshd.common.session.SessionListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Caps what an unauthenticated client can hold, so that a scanner or a flood cannot starve enrolled hosts: at
 * most {@code maxUnauthenticated} connections not yet authenticated in all, at most {@code maxPerSource} of them
 * from one address in key exchange or authentication at once (a connection stops counting once it authenticates,
 * so any number of hosts behind one NAT address can be logged in), and at most {@value #MAX_KEX_BEFORE_AUTH} key
 * exchanges before authentication. A connection from an address at its cap is not refused but waits, reads paused
 * and so costing no key exchange, until one of that address's connections authenticates or closes: a fleet behind
 * one NAT address reconnecting at once is admitted in turn. At most {@code maxWaitingPerSource} wait per address;
 * a connection over that, or over {@code maxUnauthenticated}, is closed at once and its refusal logged.
 */
final class ConnectionLimits implements SessionListener {

    /** Key exchanges a connection may run before it authenticates: the first one and two re-keys. */
    static final int MAX_KEX_BEFORE_AUTH = 3;

    private static final Logger LOG = LoggerFactory.getLogger(ConnectionLimits.class);
    private static final AttributeKey<AtomicInteger> KEX_BEFORE_AUTH = new AttributeKey<>();

    private final int maxUnauthenticated;
    private final int maxPerSource;
    private final int maxWaitingPerSource;
    private final Refusals refusals;
    // All three guarded by this. perSource counts the admitted (not waiting) unauthenticated connections.
    private final Map<String, Integer> perSource = new HashMap<>();
    private final Map<Session, String> unauthenticated = new HashMap<>();
    private final Map<String, Deque<Session>> waiting = new HashMap<>();

    ConnectionLimits(int maxUnauthenticated, int maxPerSource, int maxWaitingPerSource, Refusals refusals) {
        this.maxUnauthenticated = maxUnauthenticated;
        this.maxPerSource = maxPerSource;
        this.maxWaitingPerSource = maxWaitingPerSource;
        this.refusals = refusals;
    }

    @Override
    public void sessionCreated(Session session) {
        String ip = source(session);
        Refusal refusal = null;
        String limit = null;
        synchronized (this) {
            int fromSource = perSource.getOrDefault(ip, 0);
            Deque<Session> queue = waiting.get(ip);
            if (fromSource >= maxPerSource && (queue == null || queue.size() < maxWaitingPerSource)) {
                // Paused before MINA reads the first byte (this runs before it starts reading), and under the
                // lock, so that a release cannot resume it before it is paused.
                session.getIoSession().suspendRead();
                waiting.computeIfAbsent(ip, k -> new ArrayDeque<>()).addLast(session);
            } else if (fromSource >= maxPerSource) {
                refusal = Refusal.TOO_MANY_CONNECTIONS_FROM_SOURCE;
                limit = "limit=" + maxPerSource + " waiting=" + maxWaitingPerSource;
            } else if (unauthenticated.size() >= maxUnauthenticated) {
                refusal = Refusal.TOO_MANY_UNAUTHENTICATED;
                limit = "limit=" + maxUnauthenticated;
            } else {
                perSource.put(ip, fromSource + 1);
                unauthenticated.put(session, ip);
            }
        }
        if (refusal != null) {
            refusals.log(refusal, session, limit);
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

    // A connection that authenticated or closed gives its place to the next one waiting from its address, if any:
    // that one takes over the slot, so neither count changes.
    private synchronized void release(Session session) {
        String ip = unauthenticated.remove(session);
        if (ip == null) {
            Deque<Session> queue = waiting.get(source(session));
            if (queue != null && queue.remove(session) && queue.isEmpty()) {
                waiting.remove(source(session));
            }
            return;
        }
        Deque<Session> queue = waiting.get(ip);
        Session next = queue == null ? null : queue.pollFirst();
        if (queue != null && queue.isEmpty()) {
            waiting.remove(ip);
        }
        if (next == null) {
            perSource.computeIfPresent(ip, (k, n) -> n <= 1 ? null : n - 1);
            return;
        }
        unauthenticated.put(next, ip);
        LOG.debug("admitted a waiting connection from {}", ip);
        next.getIoSession().resumeRead(); // hands the read to MINA's executor: no work of that session runs here
    }

    private static String source(Session session) {
        return session.getRemoteAddress() instanceof InetSocketAddress isa && isa.getAddress() != null
                ? isa.getAddress().getHostAddress() : String.valueOf(session.getRemoteAddress());
    }
}
