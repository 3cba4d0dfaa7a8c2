package loghost.keys;

import java.security.PublicKey;
import java.security.interfaces.RSAPublicKey;
import java.util.Set;

/** Which client keys may be enrolled: ed25519, ECDSA, and RSA of at least 2048 bits. */
final class KeyPolicy {

    static final int MIN_RSA_BITS = 2048;

    private static final Set<String> ACCEPTED = Set.of("ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384",
            "ecdsa-sha2-nistp521", "ssh-rsa");

    private KeyPolicy() {
    }

    /** Null when the key is acceptable, otherwise why not. */
    static String check(String keyType, PublicKey key) {
        if ("ssh-dss".equals(keyType)) {
            return "DSA keys are refused (1024-bit, SHA-1 signatures); use ed25519: ssh-keygen -t ed25519";
        }
        if (!ACCEPTED.contains(keyType)) {
            return "key type " + keyType + " is not supported; use ed25519, ECDSA or RSA (>= " + MIN_RSA_BITS
                    + " bits)";
        }
        if (key instanceof RSAPublicKey rsa && rsa.getModulus().bitLength() < MIN_RSA_BITS) {
            return "RSA key of " + rsa.getModulus().bitLength() + " bits refused; at least " + MIN_RSA_BITS
                    + " bits are required";
        }
        return null;
    }
}
