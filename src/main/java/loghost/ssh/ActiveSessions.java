package loghost.ssh;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import loghost.keys.EnrolledKey;
import loghost.keys.EnrolledKeys;
import org.apache.sshd.server.session.ServerSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The append-log sessions running now, per host: enforces the per-host limit and closes revoked keys' sessions. */
final class ActiveSessions {

    private static final Logger LOG = LoggerFactory.getLogger(ActiveSessions.class);

    /** One registered session. */
    record Active(AuthenticatedHost who, ServerSession session) {
    }

    private final int maxPerHost;
    private final Refusals refusals;
    private final Map<String, Set<Active>> byHost = new HashMap<>();

    ActiveSessions(int maxPerHost, Refusals refusals) {
        this.maxPerHost = maxPerHost;
        this.refusals = refusals;
    }

    /** Registers a session; null when its host already has the maximum open. */
    synchronized Active open(AuthenticatedHost who, ServerSession session) {
        Set<Active> set = byHost.computeIfAbsent(who.host(), h -> new LinkedHashSet<>());
        if (set.size() >= maxPerHost) {
            return null;
        }
        Active a = new Active(who, session);
        set.add(a);
        return a;
    }

    /** Unregisters a session returned by {@link #open}. */
    synchronized void close(Active a) {
        Set<Active> set = byHost.get(a.who().host());
        if (set != null) {
            set.remove(a);
            if (set.isEmpty()) {
                byHost.remove(a.who().host());
            }
        }
    }

    /** The per-host limit. */
    int maxPerHost() {
        return maxPerHost;
    }

    /**
     * Closes every session whose key is no longer enrolled for its host; with {@code keys} null (the file is
     * invalid) that is every session.
     */
    void closeRevoked(EnrolledKeys keys) {
        List<Active> revoked = new ArrayList<>();
        synchronized (this) {
            for (Set<Active> set : byHost.values()) {
                for (Active a : set) {
                    Optional<EnrolledKey> k = keys == null ? Optional.empty() : keys.find(a.who().key());
                    if (k.isEmpty() || !k.get().host().equals(a.who().host())) {
                        revoked.add(a);
                    }
                }
            }
        }
        for (Active a : revoked) {
            refusals.log(keys == null ? "keys-unavailable-session-closed" : "revoked-session-closed", a.session(),
                    "key=" + a.who().fingerprint());
            try {
                a.session().close(true);
            } catch (RuntimeException e) {
                LOG.error("session-close-failed host={} reason=\"{}\"", a.who().host(), e.toString());
            }
        }
    }
}
