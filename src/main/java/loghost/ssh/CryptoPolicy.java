package loghost.ssh;

import java.util.List;
import java.util.function.Predicate;
import org.apache.sshd.common.NamedFactory;
import org.apache.sshd.common.OptionalFeature;
import org.apache.sshd.common.cipher.BuiltinCiphers;
import org.apache.sshd.common.cipher.Cipher;
import org.apache.sshd.common.compression.BuiltinCompressions;
import org.apache.sshd.common.compression.Compression;
import org.apache.sshd.common.kex.BuiltinDHFactories;
import org.apache.sshd.common.kex.KeyExchangeFactory;
import org.apache.sshd.common.mac.BuiltinMacs;
import org.apache.sshd.common.mac.Mac;
import org.apache.sshd.common.signature.BuiltinSignatures;
import org.apache.sshd.common.signature.Signature;
import org.apache.sshd.server.ServerBuilder;

/**
 * The algorithms the server offers. No SHA-1 key exchange or signatures, no CBC, no compression. Ciphers are
 * AES-GCM only: OpenSSH clients prefer ChaCha20-Poly1305, which is pure Java in MINA and about half the speed of
 * AES-GCM with AES-NI (docs/PERFORMANCE.md), so offering it would make every stock client pick the slow one.
 */
final class CryptoPolicy {

    private CryptoPolicy() {
    }

    static List<NamedFactory<Cipher>> ciphers() {
        return supported(List.of(BuiltinCiphers.aes128gcm, BuiltinCiphers.aes256gcm));
    }

    static List<NamedFactory<Mac>> macs() {
        // Only used if a client negotiates a non-AEAD cipher, which the list above does not allow; ETM only.
        return supported(List.of(BuiltinMacs.hmacsha256etm, BuiltinMacs.hmacsha512etm));
    }

    static List<KeyExchangeFactory> keyExchanges() {
        List<BuiltinDHFactories> kex = List.of(BuiltinDHFactories.mlkem768x25519,
                BuiltinDHFactories.sntrup761x25519_openssh, BuiltinDHFactories.sntrup761x25519,
                BuiltinDHFactories.curve25519, BuiltinDHFactories.curve25519_libssh,
                BuiltinDHFactories.ecdhp256, BuiltinDHFactories.ecdhp384, BuiltinDHFactories.ecdhp521,
                BuiltinDHFactories.dhg16_512, BuiltinDHFactories.dhg18_512);
        return NamedFactory.setUpTransformedFactories(false,
                kex.stream().filter(BuiltinDHFactories::isSupported).toList(), ServerBuilder.DH2KEX);
    }

    static List<NamedFactory<Signature>> signatures() {
        return supported(List.of(BuiltinSignatures.ed25519, BuiltinSignatures.nistp256, BuiltinSignatures.nistp384,
                BuiltinSignatures.nistp521, BuiltinSignatures.rsaSHA512, BuiltinSignatures.rsaSHA256));
    }

    static List<NamedFactory<Compression>> compressions() {
        return List.of(BuiltinCompressions.none);
    }

    private static <T, F extends NamedFactory<T> & OptionalFeature> List<NamedFactory<T>> supported(List<F> l) {
        Predicate<F> ok = OptionalFeature::isSupported;
        return l.stream().filter(ok).map(f -> (NamedFactory<T>) f).toList();
    }
}
