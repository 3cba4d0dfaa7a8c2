package loghost.forward;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.sshd.client.config.hosts.KnownHostEntry;
import org.apache.sshd.client.keyverifier.ServerKeyVerifier;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.PublicKeyEntryResolver;

/**
 * Accepts the loghost only with a host key listed for it in an OpenSSH known_hosts file. An unknown or changed
 * key is refused, and the reason, naming the fingerprints, is kept for the operator.
 */
final class StrictKnownHosts implements ServerKeyVerifier {

    private final Path file;
    private volatile String refusal;

    StrictKnownHosts(Path file) {
        this.file = file;
    }

    /** Why the last key was refused, or null. */
    String refusal() {
        return refusal;
    }

    @Override
    public boolean verifyServerKey(ClientSession session, SocketAddress remote, PublicKey serverKey) {
        String presented = KeyUtils.getFingerPrint(serverKey);
        InetSocketAddress isa = (InetSocketAddress) remote;
        String host = isa.getHostString();
        int port = isa.getPort();
        String name = port == 22 ? host : "[" + host + "]:" + port;
        List<String> expected = new ArrayList<>();
        try {
            for (KnownHostEntry e : KnownHostEntry.readKnownHostEntries(file)) {
                if (!e.isHostMatch(host, port) || e.getMarker() != null) {
                    continue;
                }
                PublicKey k = e.getKeyEntry().resolvePublicKey(null, Map.of(), PublicKeyEntryResolver.IGNORING);
                if (k == null) {
                    continue;
                }
                if (KeyUtils.compareKeys(k, serverKey)) {
                    refusal = null;
                    return true;
                }
                expected.add(KeyUtils.getFingerPrint(k));
            }
        } catch (IOException | GeneralSecurityException | RuntimeException e) {
            refusal = "cannot read known_hosts file " + file + ": " + e.getMessage();
            return false;
        }
        refusal = expected.isEmpty()
                ? "host key " + presented + " of " + name + " is not in " + file + " (add the loghost's "
                        + "ssh_host_ed25519_key.pub, checked by its fingerprint)"
                : "HOST KEY CHANGED: " + name + " presented " + presented + ", but " + file + " expects "
                        + String.join(" or ", expected) + " (possible man-in-the-middle; refusing to send)";
        return false;
    }
}
