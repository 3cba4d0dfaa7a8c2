package loghost.ssh;

import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import loghost.keys.EnrolledKeys;
import loghost.refusal.Refusal;
import org.apache.sshd.common.session.Session;
import org.apache.sshd.common.session.SessionListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every authenticated connection, whether or not it runs a command, so that revoking a key closes all of its
 * connections and every channel on them: a connection that authenticated and opened nothing yet is as much a
 * key's foothold as one that is writing.
 */
final class AuthenticatedConnections implements SessionListener {

    private static final Logger LOG = LoggerFactory.getLogger(AuthenticatedConnections.class);

    private final Refusals refusals;
    private final int maxPerHost;
    private final Set<Session> sessions = ConcurrentHashMap.newKeySet();

    AuthenticatedConnections(Refusals refusals, int maxPerHost) {
        this.refusals = refusals;
        this.maxPerHost = maxPerHost;
    }

    @Override
    public void sessionEvent(Session session, Event event) {
        AuthenticatedHost who = session.getAttribute(AuthenticatedHost.ATTRIBUTE);
        if (event != Event.Authenticated || who == null) {
            return;
        }
        // A stolen key must not hold thousands of idle logged-in connections (keepalives defeat the idle
        // timeout) until the process runs out of file descriptors for every host.
        boolean over;
        synchronized (this) {
            long open = sessions.stream().filter(s -> who.host().equals(hostOf(s))).count();
            over = open >= maxPerHost;
            if (!over) {
                sessions.add(session);
            }
        }
        if (over) {
            refusals.log(Refusal.TOO_MANY_CONNECTIONS_FOR_HOST, session, "limit=" + maxPerHost);
            session.close(true);
        }
    }

    private static String hostOf(Session s) {
        AuthenticatedHost h = s.getAttribute(AuthenticatedHost.ATTRIBUTE);
        return h == null ? null : h.host();
    }

    @Override
    public void sessionClosed(Session session) {
        sessions.remove(session);
    }

    /**
     * Closes every connection whose key is no longer enrolled for its host (or no longer from its address); with
     * {@code keys} null (the file is invalid) that is every connection. Run at every keys-reload-interval, so a
     * connection that authenticated while a sweep ran is caught by the next one.
     */
    void closeRevoked(EnrolledKeys keys) {
        for (Session s : List.copyOf(sessions)) {
            AuthenticatedHost who = s.getAttribute(AuthenticatedHost.ATTRIBUTE);
            Refusal why = EnrolledKeysAuthenticator.withdrawn(who, s, keys);
            if (why == null) {
                continue;
            }
            sessions.remove(s);
            refusals.log(keys == null ? Refusal.KEYS_UNAVAILABLE_SESSION_CLOSED : Refusal.REVOKED_SESSION_CLOSED, s,
                    "key=" + who.fingerprint() + " cause=" + why.code());
            try {
                s.close(true);
            } catch (RuntimeException e) {
                LOG.error("session-close-failed host={} reason={}", who.host(), Refusals.quote(e.toString()));
            }
        }
    }
}
