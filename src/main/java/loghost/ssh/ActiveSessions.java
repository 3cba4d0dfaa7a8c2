package loghost.ssh;

import java.util.HashMap;
import java.util.Map;
import loghost.metrics.ServerMetrics;
import loghost.refusal.Refusal;
import org.apache.sshd.server.session.ServerSession;

/**
 * The append-log commands running now, per host, counted per command (per channel), so that the per-host limit
 * holds however the commands are spread over connections; and the check, as each command starts, that its key
 * is still enrolled.
 */
final class ActiveSessions {

    /** One running command; identity matters: two channels of one connection are two registrations. */
    static final class Active {
        private final AuthenticatedHost who;
        private boolean closed;

        private Active(AuthenticatedHost who) {
            this.who = who;
        }
    }

    private final int maxPerHost;
    private final EnrolledKeysAuthenticator keys;
    private final ServerMetrics metrics;
    private final Map<String, Integer> byHost = new HashMap<>();

    ActiveSessions(int maxPerHost, EnrolledKeysAuthenticator keys, ServerMetrics metrics) {
        this.maxPerHost = maxPerHost;
        this.keys = keys;
        this.metrics = metrics;
    }

    /** A command admitted (its registration), or refused (what its client is told). */
    record Admission(Active active, Failure refused) {
    }

    /**
     * Admits a command of {@code who} on {@code session}, or refuses it, reported to {@code refusals}: the enrolled
     * keys are read again (the key may have been revoked since its connection authenticated), then a slot of its
     * host is taken.
     */
    Admission admit(AuthenticatedHost who, ServerSession session, Refusals refusals) {
        Refusal withdrawn = keys.recheck(who, session);
        if (withdrawn != null) {
            return new Admission(null, refusals.refuse(withdrawn, session, "key=" + who.fingerprint(), who.host()));
        }
        Active active = open(who);
        if (active == null) {
            return new Admission(null, refusals.refuse(Refusal.TOO_MANY_SESSIONS, session, "limit=" + maxPerHost,
                    who.host(), maxPerHost));
        }
        return new Admission(active, null);
    }

    // Registers a command; null when its host already has the maximum running.
    private synchronized Active open(AuthenticatedHost who) {
        int running = byHost.getOrDefault(who.host(), 0);
        if (running >= maxPerHost) {
            return null;
        }
        byHost.put(who.host(), running + 1);
        metrics.host(who.host()).sessionOpened();
        return new Active(who);
    }

    /** Unregisters a command admitted by {@link #admit}. */
    synchronized void close(Active a) {
        if (a.closed) {
            return;
        }
        a.closed = true;
        byHost.computeIfPresent(a.who.host(), (h, n) -> n <= 1 ? null : n - 1);
        metrics.host(a.who.host()).sessionClosed();
    }
}
