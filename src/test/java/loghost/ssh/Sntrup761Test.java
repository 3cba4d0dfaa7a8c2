package loghost.ssh;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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

    // A client's key is 1,158 bytes from the network: random bytes hold coefficients outside 0..q-1 and pairs whose
    // merged value exceeds its range, which the NTRU Prime reference's Decode reduces in a fixed way. Where
    // BouncyCastle follows the reference, the ciphertext must be BouncyCastle's for such a key too.
    @Test
    void decodesMalformedPublicKeysAsBouncyCastleDoesWhereItFollowsTheReference() throws Exception {
        for (int seed = 0; seed < 16; seed++) {
            byte[] pk = new byte[Sntrup761.PUBLIC_KEY_BYTES];
            new Stream(5000 + seed).nextBytes(pk);
            pk[Sntrup761.PUBLIC_KEY_BYTES - 1] &= 0x7f; // BouncyCastle's sign slip (next test) needs this byte >= 0x80
            assertSameAsBouncyCastle(pk, 7000 + seed);
        }
    }

    // The key's last two bytes hold one value below the last merged range m; the reference reads them as an unsigned
    // lo + 256·hi and reduces mod m. BouncyCastle (1.82) shifts the signed byte, so for hi >= 0x80 it reduces
    // lo + 256·hi - 65536 + 2^32 instead and encapsulates to another polynomial. OpenSSH uses the reference, so the
    // server follows it: the key with those two bytes replaced by their reduced value, which BouncyCastle reads
    // right, must give the same rounded product h·r (the ciphertext's first 1,007 bytes; the 32 after them hash the
    // key's own bytes).
    @Test
    void readsTheLastTwoBytesUnsignedAsTheReferenceDoes() throws Exception {
        int m = lastRange();
        for (int seed = 0; seed < 8; seed++) {
            byte[] pk = new byte[Sntrup761.PUBLIC_KEY_BYTES];
            new Stream(9000 + seed).nextBytes(pk);
            int n = Sntrup761.PUBLIC_KEY_BYTES;
            pk[n - 1] |= (byte) 0x80;
            int reduced = ((pk[n - 2] & 0xff) + 256 * (pk[n - 1] & 0xff)) % m;
            byte[] same = pk.clone();
            same[n - 2] = (byte) reduced;
            same[n - 1] = (byte) (reduced >> 8);
            Sntrup761.Encapsulated ours = Sntrup761.encapsulate(pk, new Stream(11000 + seed));
            byte[] expected = assertSameAsBouncyCastle(same, 11000 + seed).ciphertext();
            assertArrayEquals(java.util.Arrays.copyOf(expected, 1007), java.util.Arrays.copyOf(ours.ciphertext(), 1007),
                    "seed " + seed);
        }
    }

    private static Sntrup761.Encapsulated assertSameAsBouncyCastle(byte[] pk, long randomSeed) {
        SecretWithEncapsulation theirs = new SNTRUPrimeKEMGenerator(new Stream(randomSeed))
                .generateEncapsulated(new SNTRUPrimePublicKeyParameters(SNTRUPrimeParameters.sntrup761, pk));
        Sntrup761.Encapsulated ours = Sntrup761.encapsulate(pk, new Stream(randomSeed));
        assertArrayEquals(theirs.getEncapsulation(), ours.ciphertext(), "ciphertext, random seed " + randomSeed);
        assertArrayEquals(theirs.getSecret(), ours.secret(), "secret, random seed " + randomSeed);
        return ours;
    }

    // The range of the single value left at the bottom of Decode's recursion for 761 coefficients mod 4591.
    private static int lastRange() {
        long[] m = new long[761];
        java.util.Arrays.fill(m, 4591);
        while (m.length > 1) {
            long[] m2 = new long[(m.length + 1) / 2];
            for (int i = 0; i + 1 < m.length; i += 2) {
                long r = m[i] * m[i + 1];
                m2[i / 2] = r > 256 * 16383 ? (((r + 255) >>> 8) + 255) >>> 8 : r >= 16384 ? (r + 255) >>> 8 : r;
            }
            if (m.length % 2 == 1) {
                m2[m2.length - 1] = m[m.length - 1];
            }
            m = m2;
        }
        assertTrue(m[0] > 256, "two bytes are read at the bottom: " + m[0]);
        return (int) m[0];
    }

    // freeze runs on values that depend on the secret r, so it is written without division or branch; it must still
    // be the centred remainder for every value the product and the rounding can give (|x| < 3 * 761 * 2295).
    @Test
    void constantTimeFreezeIsTheCentredRemainder() {
        for (int m : new int[] {3, 4591}) {
            for (int x = -5_300_000; x <= 5_300_000; x++) {
                int expected = Math.floorMod(x + (m - 1) / 2, m) - (m - 1) / 2;
                if (Sntrup761.freeze(x, m) != expected) {
                    assertEquals(expected, Sntrup761.freeze(x, m), "x=" + x + " m=" + m);
                }
            }
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
