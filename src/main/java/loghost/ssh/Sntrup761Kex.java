package loghost.ssh;

import java.security.SecureRandom;
import java.util.Arrays;
import org.apache.sshd.common.digest.BuiltinDigests;
import org.apache.sshd.common.digest.Digest;
import org.apache.sshd.common.kex.AbstractDH;
import org.apache.sshd.common.kex.BuiltinDHFactories;
import org.apache.sshd.common.kex.DHFactory;
import org.apache.sshd.common.kex.KeyEncapsulationMethod;
import org.apache.sshd.common.kex.MontgomeryCurve;
import org.apache.sshd.common.kex.XDH;

/**
 * sntrup761x25519-sha512 (both of its names) for the server, with {@link Sntrup761}'s encapsulation in place of
 * BouncyCastle's: the same exchange on the wire, at a fraction of the CPU. Only the server's half: a client (pull
 * mode) keeps MINA's.
 */
final class Sntrup761Kex implements DHFactory {

    private final String name;
    private final SecureRandom random;

    private Sntrup761Kex(String name, SecureRandom random) {
        this.name = name;
        this.random = random;
    }

    /** {@code f} itself, or this faster server side when {@code f} is one of sntrup761x25519-sha512's names. */
    static DHFactory forServer(BuiltinDHFactories f, SecureRandom random) {
        return f == BuiltinDHFactories.sntrup761x25519 || f == BuiltinDHFactories.sntrup761x25519_openssh
                ? new Sntrup761Kex(f.getName(), random) : f;
    }

    @Override
    public String getName() {
        return name;
    }

    @Override
    public boolean isGroupExchange() {
        return false;
    }

    @Override
    public boolean isSupported() {
        return MontgomeryCurve.x25519.isSupported() && BuiltinDigests.sha512.isSupported();
    }

    @Override
    public AbstractDH create(Object... params) throws Exception {
        if (params.length != 0) {
            throw new IllegalArgumentException(name + " takes no parameters");
        }
        KeyEncapsulationMethod kem = new KeyEncapsulationMethod() {
            @Override
            public Client getClient() {
                throw new UnsupportedOperationException("server side only");
            }

            @Override
            public Server getServer() {
                return new Encapsulating(random);
            }
        };
        return new XDH(MontgomeryCurve.x25519, true) {
            @Override
            public KeyEncapsulationMethod getKeyEncapsulation() {
                return kem;
            }

            @Override
            public Digest getHash() throws Exception {
                return BuiltinDigests.sha512.create();
            }
        };
    }

    @Override
    public String toString() {
        return name;
    }

    /** One exchange's server half: MINA hands it the client's sntrup761 key followed by its X25519 key. */
    private static final class Encapsulating implements KeyEncapsulationMethod.Server {

        private final SecureRandom random;
        private Sntrup761.Encapsulated value;

        Encapsulating(SecureRandom random) {
            this.random = random;
        }

        @Override
        public int getPublicKeyLength() {
            return Sntrup761.PUBLIC_KEY_BYTES;
        }

        @Override
        public byte[] init(byte[] publicKeys) {
            if (publicKeys.length < Sntrup761.PUBLIC_KEY_BYTES) {
                throw new IllegalArgumentException("KEM public key too short: " + publicKeys.length);
            }
            value = Sntrup761.encapsulate(Arrays.copyOf(publicKeys, Sntrup761.PUBLIC_KEY_BYTES), random);
            return Arrays.copyOfRange(publicKeys, Sntrup761.PUBLIC_KEY_BYTES, publicKeys.length);
        }

        @Override
        public byte[] getSecret() {
            return value.secret().clone();
        }

        @Override
        public byte[] getEncapsulation() {
            return value.ciphertext().clone();
        }
    }
}
