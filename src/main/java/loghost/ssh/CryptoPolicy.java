package loghost.ssh;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import loghost.config.Settings;
import org.apache.sshd.common.NamedFactory;
import org.apache.sshd.common.NamedResource;
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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The vetted algorithm sets, and the configured choice from them. Nothing outside these sets can be configured:
 * no CBC or arcfour/3DES ciphers, no SHA-1 or MD5 MACs, no SHA-1 key exchange, no SHA-1 ("ssh-rsa") or DSA
 * signatures, no compression. Strict key exchange against Terrapin is MINA's default and cannot be switched off.
 */
final class CryptoPolicy {

    private static final Logger LOG = LoggerFactory.getLogger(CryptoPolicy.class);

    static final Map<String, BuiltinCiphers> CIPHERS = byName(Stream.of(BuiltinCiphers.aes128gcm,
            BuiltinCiphers.aes256gcm, BuiltinCiphers.cc20p1305_openssh, BuiltinCiphers.aes128ctr,
            BuiltinCiphers.aes192ctr, BuiltinCiphers.aes256ctr));
    static final Map<String, BuiltinMacs> MACS = byName(Stream.of(BuiltinMacs.hmacsha256etm,
            BuiltinMacs.hmacsha512etm, BuiltinMacs.hmacsha256, BuiltinMacs.hmacsha512));
    static final Map<String, BuiltinDHFactories> KEX = byName(Stream.of(BuiltinDHFactories.mlkem768x25519,
            BuiltinDHFactories.sntrup761x25519_openssh, BuiltinDHFactories.sntrup761x25519,
            BuiltinDHFactories.curve25519, BuiltinDHFactories.curve25519_libssh, BuiltinDHFactories.ecdhp256,
            BuiltinDHFactories.ecdhp384, BuiltinDHFactories.ecdhp521, BuiltinDHFactories.dhg16_512,
            BuiltinDHFactories.dhg18_512));
    static final Map<String, BuiltinSignatures> SIGNATURES = byName(Stream.of(BuiltinSignatures.ed25519,
            BuiltinSignatures.nistp256, BuiltinSignatures.nistp384, BuiltinSignatures.nistp521,
            BuiltinSignatures.rsaSHA512, BuiltinSignatures.rsaSHA256));

    private final List<NamedFactory<Cipher>> ciphers;
    private final List<NamedFactory<Mac>> macs;
    private final List<KeyExchangeFactory> keyExchanges;
    private final List<NamedFactory<Signature>> signatures;

    /**
     * The configured choice, and one INFO line for the default algorithms this JVM cannot do; throws {@link
     * IllegalArgumentException} naming the setting and the bad name.
     */
    CryptoPolicy(Settings.Crypto crypto) {
        this(crypto, true);
    }

    private CryptoPolicy(Settings.Crypto crypto, boolean announce) {
        List<String> notOffered = new ArrayList<>();
        this.ciphers = List.copyOf(pick("loghost.ssh.ciphers", crypto, crypto.ciphers(), CIPHERS, notOffered,
                announce));
        this.macs = List.copyOf(pick("loghost.ssh.macs", crypto, crypto.macs(), MACS, notOffered, announce));
        List<BuiltinDHFactories> kex = pick("loghost.ssh.kex-algorithms", crypto, crypto.kexAlgorithms(), KEX,
                notOffered, announce);
        // One SecureRandom for every exchange: it is thread-safe, and seeding one per connection would cost more.
        SecureRandom random = new SecureRandom();
        this.keyExchanges = NamedFactory.setUpTransformedFactories(false,
                kex.stream().map(f -> Sntrup761Kex.forServer(f, random)).toList(), ServerBuilder.DH2KEX);
        this.signatures = List.copyOf(pick("loghost.ssh.signatures", crypto, crypto.signatures(), SIGNATURES,
                notOffered, announce));
        if (announce && !notOffered.isEmpty()) {
            LOG.info("algorithms-not-offered {}: in the default lists, but this JVM cannot do them (a newer JDK or "
                    + "BouncyCastle can); the others are offered", String.join(" ", notOffered));
        }
    }

    /** The configured choice, checked as by the constructor, without logging (a pull client's, once per connection). */
    static CryptoPolicy quiet(Settings.Crypto crypto) {
        return new CryptoPolicy(crypto, false);
    }

    List<NamedFactory<Cipher>> ciphers() {
        return ciphers;
    }

    List<NamedFactory<Mac>> macs() {
        return macs;
    }

    List<KeyExchangeFactory> keyExchanges() {
        return keyExchanges;
    }

    List<NamedFactory<Signature>> signatures() {
        return signatures;
    }

    static List<NamedFactory<Compression>> compressions() {
        return List.of(BuiltinCompressions.none);
    }

    private static <F extends NamedResource> Map<String, F> byName(Stream<F> s) {
        Map<String, F> m = new LinkedHashMap<>();
        s.forEach(f -> m.put(f.getName(), f));
        return m;
    }

    // Names this JVM cannot do are skipped: those an operator set in the config file with a warning each, those of
    // the built-in lists collected into notOffered (a JDK 17 lacks mlkem768x25519-sha256: not a fault).
    private static <F extends NamedResource & OptionalFeature> List<F> pick(String key, Settings.Crypto crypto,
            List<String> names, Map<String, F> allowed, List<String> notOffered, boolean announce) {
        List<F> out = new ArrayList<>();
        for (String n : names) {
            F f = allowed.get(n);
            if (f == null) {
                throw new IllegalArgumentException(key + ": \"" + n + "\" is not allowed (allowed: "
                        + String.join(", ", allowed.keySet()) + ")");
            }
            if (!f.isSupported()) {
                if (!crypto.inFile().contains(key)) {
                    notOffered.add(key.substring("loghost.ssh.".length()) + "=" + n);
                } else if (announce) {
                    LOG.warn("algorithm-unsupported setting={} name={}: skipped (this JVM cannot do it)", key, n);
                }
                continue;
            }
            out.add(f);
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException(key + ": none of the configured algorithms is supported here");
        }
        return out;
    }
}
