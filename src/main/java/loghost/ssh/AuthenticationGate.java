package loghost.ssh;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import loghost.refusal.Refusal;
import org.apache.sshd.common.AttributeRepository.AttributeKey;
import org.apache.sshd.common.NamedFactory;
import org.apache.sshd.common.Service;
import org.apache.sshd.common.SshConstants;
import org.apache.sshd.common.kex.KexProposalOption;
import org.apache.sshd.common.session.Session;
import org.apache.sshd.common.session.SessionDisconnectHandler;
import org.apache.sshd.common.session.SessionListener;
import org.apache.sshd.common.signature.Signature;
import org.apache.sshd.common.util.buffer.Buffer;
import org.apache.sshd.common.util.buffer.ByteArrayBuffer;
import org.apache.sshd.server.auth.pubkey.UserAuthPublicKey;
import org.apache.sshd.server.auth.pubkey.UserAuthPublicKeyFactory;
import org.apache.sshd.server.session.ServerSession;
import org.apache.sshd.server.session.ServerUserAuthService;
import org.apache.sshd.server.session.ServerUserAuthServiceFactory;

/**
 * What happens before a key is admitted, held per connection and every refusal audited: at most
 * {@code maxAuthRequests} authentication requests per connection (MINA counts per userauth service, and a
 * client gets a fresh one with every SERVICE_REQUEST), no certificate keys, a failed algorithm negotiation, and
 * an enrolled key that was only probed (answered PK_OK) and never used to log in.
 */
final class AuthenticationGate {

    private static final AttributeKey<AtomicInteger> AUTH_REQUESTS = new AttributeKey<>();
    // Enrolled keys this connection asked about without a signature and was told "yes" (PK_OK): fingerprint to
    // enrolled host. Bounded by maxAuthRequests.
    private static final AttributeKey<Map<String, String>> PROBED = new AttributeKey<>();
    private static final String CERTIFICATE = "-cert-v01@openssh.com";

    private final int maxAuthRequests;
    private final Refusals refusals;

    AuthenticationGate(int maxAuthRequests, Refusals refusals) {
        this.maxAuthRequests = maxAuthRequests;
        this.refusals = refusals;
    }

    /** The "ssh-userauth" service, counting requests per connection. */
    ServerUserAuthServiceFactory userAuthService() {
        return new ServerUserAuthServiceFactory() {
            @Override
            public Service create(Session session) throws IOException {
                return new Counted(session);
            }
        };
    }

    /** The "publickey" method, refusing certificates before MINA tries to check them. */
    UserAuthPublicKeyFactory publicKey() {
        return new UserAuthPublicKeyFactory() {
            @Override
            public UserAuthPublicKey createUserAuth(ServerSession session) {
                return new PlainKeysOnly(getSignatureFactories());
            }
        };
    }

    /** Audits a key exchange that found no common algorithm; the connection is then closed by MINA. */
    SessionDisconnectHandler disconnects() {
        return new SessionDisconnectHandler() {
            @Override
            public boolean handleKexDisconnectReason(Session session, Map<KexProposalOption, String> c2sOptions,
                    Map<KexProposalOption, String> s2cOptions, Map<KexProposalOption, String> negotiatedGuess,
                    KexProposalOption option) {
                if (option == KexProposalOption.S2CLANG || option == KexProposalOption.C2SLANG) {
                    return true; // languages need not agree
                }
                refusals.log(Refusal.KEX_FAILED, session, "option=" + Refusals.quote(option.getDescription())
                        + " client=" + Refusals.quote(c2sOptions.get(option)));
                return false;
            }
        };
    }

    /**
     * Audits each enrolled key a connection probed but did not log in with, once it logs in with another or
     * closes: a client that only asks "is this key enrolled?" learns it (OpenSSH answers alike), so the operator
     * sees it. A normal login probes its key and then signs with it, and is not reported.
     */
    SessionListener probes() {
        return new SessionListener() {
            @Override
            public void sessionEvent(Session session, Event event) {
                if (event == Event.Authenticated) {
                    reportProbes(session);
                }
            }

            @Override
            public void sessionClosed(Session session) {
                reportProbes(session);
            }
        };
    }

    private void reportProbes(Session session) {
        Map<String, String> probed = session.removeAttribute(PROBED);
        if (probed == null) {
            return;
        }
        AuthenticatedHost who = session.getAttribute(AuthenticatedHost.ATTRIBUTE);
        String loggedIn = session instanceof ServerSession s && s.isAuthenticated() && who != null
                ? who.fingerprint() : null;
        probed.forEach((fingerprint, host) -> {
            if (!fingerprint.equals(loggedIn)) {
                refusals.log(Refusal.KEY_PROBE, session, "key=" + fingerprint + " enrolled-host=" + host);
            }
        });
    }

    private final class Counted extends ServerUserAuthService {

        Counted(Session session) throws IOException {
            super(session);
        }

        @Override
        public synchronized void process(int cmd, Buffer buffer) throws Exception {
            ServerSession session = getServerSession();
            if (cmd == SshConstants.SSH_MSG_USERAUTH_REQUEST && !session.isAuthenticated()) {
                int n = session.computeAttributeIfAbsent(AUTH_REQUESTS, k -> new AtomicInteger()).incrementAndGet();
                if (n > maxAuthRequests) {
                    refusals.log(Refusal.TOO_MANY_AUTH_REQUESTS, session, "limit=" + maxAuthRequests);
                    session.disconnect(SshConstants.SSH2_DISCONNECT_NO_MORE_AUTH_METHODS_AVAILABLE,
                            "too many authentication requests");
                    return;
                }
            }
            super.process(cmd, buffer);
        }
    }

    private final class PlainKeysOnly extends UserAuthPublicKey {

        PlainKeysOnly(List<NamedFactory<Signature>> signatures) {
            super(signatures);
        }

        @Override
        public Boolean doAuth(Buffer buffer, boolean init) throws Exception {
            // The algorithm name and the key blob's own type name: a client may send a certificate under either.
            int start = buffer.rpos();
            boolean signed;
            String algorithm;
            String keyType;
            try {
                signed = buffer.getBoolean();
                algorithm = buffer.getString();
                keyType = new ByteArrayBuffer(buffer.getBytes()).getString();
            } finally {
                buffer.rpos(start);
            }
            if (algorithm.endsWith(CERTIFICATE) || keyType.endsWith(CERTIFICATE)) {
                refusals.log(Refusal.CERTIFICATE_REFUSED, getServerSession(), "algorithm=" + Refusals.quote(algorithm)
                        + " user=" + Refusals.quote(getUsername()));
                return Boolean.FALSE;
            }
            Boolean result = super.doAuth(buffer, init);
            // null without a signature: the key is enrolled and MINA answered PK_OK; the authenticator, which
            // MINA asks the same question with and without one, named its host.
            AuthenticatedHost who = getServerSession().getAttribute(AuthenticatedHost.ATTRIBUTE);
            if (!signed && result == null && who != null) {
                getServerSession().computeAttributeIfAbsent(PROBED, k -> new ConcurrentHashMap<>())
                        .put(who.fingerprint(), who.host());
            }
            return result;
        }
    }
}
