package loghost.pull;

import java.net.SocketAddress;
import java.security.PublicKey;
import org.apache.sshd.client.keyverifier.ServerKeyVerifier;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.config.keys.KeyUtils;

/**
 * Accepts a source only with the one host key configured for it (its {@code known-host}); checked during key
 * exchange, so an unknown or changed key ends the connection before anything is read or sent.
 */
final class PinnedHostKey implements ServerKeyVerifier {

    private final PublicKey expected;
    private volatile String presented;

    PinnedHostKey(PublicKey expected) {
        this.expected = expected;
    }

    @Override
    public boolean verifyServerKey(ClientSession session, SocketAddress remote, PublicKey serverKey) {
        if (KeyUtils.compareKeys(expected, serverKey)) {
            presented = null;
            return true;
        }
        presented = KeyUtils.getFingerPrint(serverKey);
        return false;
    }

    /** The fingerprint of the last key refused, or null when the last key matched. */
    String refusedFingerprint() {
        return presented;
    }
}
