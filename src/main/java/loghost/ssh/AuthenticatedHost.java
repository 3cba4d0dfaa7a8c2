package loghost.ssh;

import java.security.PublicKey;
import org.apache.sshd.common.AttributeRepository.AttributeKey;

/** Who a session is, decided by its key alone at authentication and kept on the session for the command. */
record AuthenticatedHost(String host, String fingerprint, PublicKey key) {

    /** The session attribute holding it. */
    static final AttributeKey<AuthenticatedHost> ATTRIBUTE = new AttributeKey<>();
}
