package loghost.seal;

import java.security.SecureRandom;
import java.util.Arrays;
import org.bouncycastle.math.ec.rfc8032.Ed25519;

/**
 * An Ed25519 private key held in one array that {@link #erase()} overwrites: the seal chain's root key (used once,
 * for the genesis block) or one epoch's key. BouncyCastle's low-level {@code Ed25519} is used rather than its
 * key-parameter objects, which keep private copies that cannot be overwritten.
 */
final class SigningKey implements AutoCloseable {

    private final byte[] seed;
    private final VerificationKey publicKey;
    private boolean erased;

    private SigningKey(byte[] seed) {
        this.seed = seed;
        byte[] pk = new byte[Ed25519.PUBLIC_KEY_SIZE];
        Ed25519.generatePublicKey(seed, 0, pk, 0);
        this.publicKey = new VerificationKey(pk);
    }

    /** A fresh key from {@code random}. */
    static SigningKey generate(SecureRandom random) {
        byte[] seed = new byte[Ed25519.SECRET_KEY_SIZE];
        random.nextBytes(seed);
        return new SigningKey(seed);
    }

    /** The key whose 32-byte secret is {@code seed}; the array is taken over (and erased by {@link #erase()}). */
    static SigningKey fromSeed(byte[] seed) {
        if (seed.length != Ed25519.SECRET_KEY_SIZE) {
            throw new IllegalArgumentException("an Ed25519 secret key is 32 bytes");
        }
        return new SigningKey(seed);
    }

    /** The public half. */
    VerificationKey publicKey() {
        return publicKey;
    }

    /** A copy of the 32-byte secret, for writing it to the key file (the caller erases the copy). */
    byte[] seedCopy() {
        check();
        return seed.clone();
    }

    /** The Ed25519 signature (64 bytes) of {@code message}. */
    byte[] sign(byte[] message) {
        check();
        byte[] sig = new byte[Ed25519.SIGNATURE_SIZE];
        Ed25519.sign(seed, 0, message, 0, message.length, sig, 0);
        return sig;
    }

    /** Overwrites the secret; the key cannot sign afterwards. */
    void erase() {
        Arrays.fill(seed, (byte) 0);
        erased = true;
    }

    @Override
    public void close() {
        erase();
    }

    private void check() {
        if (erased) {
            throw new IllegalStateException("signing key already erased");
        }
    }
}
