package loghost.ssh;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.SecureRandom;
import org.bouncycastle.crypto.AsymmetricCipherKeyPair;
import org.bouncycastle.crypto.SecretWithEncapsulation;
import org.bouncycastle.pqc.crypto.ntruprime.SNTRUPrimeKEMExtractor;
import org.bouncycastle.pqc.crypto.ntruprime.SNTRUPrimeKEMGenerator;
import org.bouncycastle.pqc.crypto.ntruprime.SNTRUPrimeKeyGenerationParameters;
import org.bouncycastle.pqc.crypto.ntruprime.SNTRUPrimeKeyPairGenerator;
import org.bouncycastle.pqc.crypto.ntruprime.SNTRUPrimeParameters;
import org.bouncycastle.pqc.crypto.ntruprime.SNTRUPrimePrivateKeyParameters;
import org.bouncycastle.pqc.crypto.ntruprime.SNTRUPrimePublicKeyParameters;
import org.junit.jupiter.api.Test;

/** The fast sntrup761 encapsulation against BouncyCastle's, the implementation it replaces on the server. */
class Sntrup761Test {

    @Test
    void encapsulatesByteForByteAsBouncyCastleForTheSameRandomBytes() throws Exception {
        for (int seed = 0; seed < 16; seed++) {
            AsymmetricCipherKeyPair keys = keyPair(seed);
            byte[] pk = ((SNTRUPrimePublicKeyParameters) keys.getPublic()).getEncoded();
            SecretWithEncapsulation theirs = new SNTRUPrimeKEMGenerator(new Stream(1000 + seed))
                    .generateEncapsulated(keys.getPublic());
            Sntrup761.Encapsulated ours = Sntrup761.encapsulate(pk, new Stream(1000 + seed));
            assertArrayEquals(theirs.getEncapsulation(), ours.ciphertext(), "ciphertext, seed " + seed);
            assertArrayEquals(theirs.getSecret(), ours.secret(), "secret, seed " + seed);
        }
    }

    @Test
    void holderOfThePrivateKeyRecoversTheSecret() throws Exception {
        AsymmetricCipherKeyPair keys = keyPair(99);
        byte[] pk = ((SNTRUPrimePublicKeyParameters) keys.getPublic()).getEncoded();
        Sntrup761.Encapsulated ours = Sntrup761.encapsulate(pk, new SecureRandom());
        assertEquals(Sntrup761.CIPHERTEXT_BYTES, ours.ciphertext().length);
        byte[] recovered = new SNTRUPrimeKEMExtractor((SNTRUPrimePrivateKeyParameters) keys.getPrivate())
                .extractSecret(ours.ciphertext());
        assertArrayEquals(ours.secret(), recovered);
    }

    @Test
    void refusesAPublicKeyOfTheWrongLength() {
        assertThrows(IllegalArgumentException.class,
                () -> Sntrup761.encapsulate(new byte[Sntrup761.PUBLIC_KEY_BYTES - 1], new SecureRandom()));
    }

    private static AsymmetricCipherKeyPair keyPair(int seed) {
        SNTRUPrimeKeyPairGenerator g = new SNTRUPrimeKeyPairGenerator();
        g.init(new SNTRUPrimeKeyGenerationParameters(new Stream(seed), SNTRUPrimeParameters.sntrup761));
        return g.generateKeyPair();
    }

    /** A repeatable byte stream (SHA-256 of seed and counter), handed out in order however it is asked for. */
    private static final class Stream extends SecureRandom {

        private final long seed;
        private long counter;
        private ByteBuffer block = ByteBuffer.allocate(0);

        Stream(long seed) {
            this.seed = seed;
        }

        @Override
        public void nextBytes(byte[] out) {
            for (int i = 0; i < out.length; i++) {
                if (!block.hasRemaining()) {
                    try {
                        MessageDigest sha = MessageDigest.getInstance("SHA-256");
                        block = ByteBuffer.wrap(sha.digest(ByteBuffer.allocate(16).putLong(seed).putLong(counter++)
                                .array()));
                    } catch (java.security.NoSuchAlgorithmException e) {
                        throw new IllegalStateException(e);
                    }
                }
                out[i] = block.get();
            }
        }
    }
}
