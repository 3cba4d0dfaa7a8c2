package loghost.ssh;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import loghost.audit.AuditTrail;
import loghost.metrics.ServerMetrics;
import loghost.refusal.Refusal;
import org.apache.sshd.common.session.Session;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place refusals are reported: one operational log line each and one audit record, both with a short
 * reason code, the source address and the host the key belongs to when known. Client-supplied text is quoted
 * with control characters escaped.
 */
final class Refusals {

    private static final Logger LOG = LoggerFactory.getLogger("loghost.refusal");

    private final AuditTrail audit;
    private final ServerMetrics metrics;

    Refusals(AuditTrail audit, ServerMetrics metrics) {
        this.audit = audit;
        this.metrics = metrics;
    }

    /** Reports a refusal of {@code session} for {@code reason}, with optional detail. */
    void log(Refusal reason, Session session, String detail) {
        AuthenticatedHost who = session == null ? null : session.getAttribute(AuthenticatedHost.ATTRIBUTE);
        String line = reason.logPrefix() + " source=" + source(session) + " host=" + (who == null ? "-" : who.host())
                + (detail == null || detail.isEmpty() ? "" : " " + detail);
        LOG.warn("{}", line);
        metrics.refused(reason);
        audit.refusal(line);
    }

    /**
     * Reports a refusal that ends a command, as {@link #log} does, and returns what its client is told: the
     * refusal's exit status and line, the line's blanks filled from {@code lineArgs}.
     */
    Failure refuse(Refusal reason, Session session, String detail, Object... lineArgs) {
        log(reason, session, detail);
        return Failure.of(reason, lineArgs);
    }

    /** The audit trail refusals go to, for the other security events of the same components. */
    AuditTrail audit() {
        return audit;
    }

    /** The client's IP and port, or "-". */
    static String source(Session session) {
        if (session == null) {
            return "-";
        }
        SocketAddress a = session.getRemoteAddress();
        if (a instanceof InetSocketAddress isa && isa.getAddress() != null) {
            return isa.getAddress().getHostAddress() + ":" + isa.getPort();
        }
        return String.valueOf(a);
    }

    /** Client-supplied text made safe for a log line: quoted, control and non-ASCII characters escaped. */
    static String quote(String untrusted) {
        if (untrusted == null) {
            return "-";
        }
        StringBuilder sb = new StringBuilder(untrusted.length() + 2).append('"');
        int max = Math.min(untrusted.length(), 200);
        for (int i = 0; i < max; i++) {
            char c = untrusted.charAt(i);
            if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
                sb.append(c);
            } else {
                sb.append(String.format("\\u%04x", (int) c));
            }
        }
        if (untrusted.length() > max) {
            sb.append("...");
        }
        return sb.append('"').toString();
    }
}
