package loghost.ssh;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Arrays;

/**
 * The server's half of Streamlined NTRU Prime 761 (sntrup761, as in OpenSSH's sntrup761x25519-sha512): encapsulation
 * of a fresh secret to a client's public key, step by step as the NTRU Prime reference does it. BouncyCastle's port
 * computes the product h·r with a division and an array allocation for each of its 579,121 terms, about 20 ms of a
 * 25 ms handshake (docs/PERFORMANCE.md, "Connection cost"); here the product is summed in ints and reduced once per
 * coefficient, without a branch or division on the secret r. The result is byte for byte BouncyCastle's for the
 * same random bytes (Sntrup761Test), except for a malformed key whose last byte is 0x80 or more: BouncyCastle reads
 * that byte signed, the reference (and OpenSSH) unsigned, and this follows the reference.
 */
final class Sntrup761 {

    /** Bytes of an encoded public key. */
    static final int PUBLIC_KEY_BYTES = 1158;
    /** Bytes of a ciphertext: the rounded product and 32 bytes of confirmation hash. */
    static final int CIPHERTEXT_BYTES = 1039;

    private static final int P = 761;
    private static final int Q = 4591;
    private static final int Q12 = (Q - 1) / 2;
    private static final int W = 286;
    private static final int ROUNDED_BYTES = 1007;

    private Sntrup761() {
    }

    /** A secret and its encapsulation (the ciphertext sent to the client, who alone can recover the secret). */
    record Encapsulated(byte[] secret, byte[] ciphertext) {
    }

    /** Encapsulates a fresh 32-byte secret to {@code publicKey} ({@value #PUBLIC_KEY_BYTES} bytes). */
    static Encapsulated encapsulate(byte[] publicKey, SecureRandom random) {
        if (publicKey.length != PUBLIC_KEY_BYTES) {
            throw new IllegalArgumentException("sntrup761 public key of " + publicKey.length + " bytes");
        }
        byte[] cache = hash(4, publicKey);
        byte[] r = randomShort(random);
        byte[] encodedR = encodeSmall(r);
        int[] h = decodeRq(publicKey);
        int[] c = product(h, r);
        for (int i = 0; i < P; i++) {
            c[i] -= freeze(c[i], 3); // Round: the nearest multiple of 3
        }
        byte[] ciphertext = new byte[CIPHERTEXT_BYTES];
        encodeRounded(c, ciphertext);
        byte[] inner = Arrays.copyOf(hash(3, encodedR), 32);
        byte[] confirm = hash(2, concat(inner, Arrays.copyOf(cache, 32)));
        System.arraycopy(confirm, 0, ciphertext, ROUNDED_BYTES, 32);
        byte[] secret = Arrays.copyOf(hash(1, concat(inner, ciphertext)), 32);
        // The secret r and its hashes are no longer needed: cleared so that a heap dump of a later moment holds less.
        Arrays.fill(r, (byte) 0);
        Arrays.fill(encodedR, (byte) 0);
        Arrays.fill(inner, (byte) 0);
        return new Encapsulated(secret, ciphertext);
    }

    // A random polynomial with exactly W coefficients ±1 and the rest 0: W list entries marked "nonzero" in their low
    // bits, the list sorted by its random high bits in constant time, the low bits read off in the new order.
    private static byte[] randomShort(SecureRandom random) {
        byte[] bytes = new byte[4 * P];
        random.nextBytes(bytes);
        int[] list = new int[P];
        for (int i = 0; i < P; i++) {
            int v = (bytes[4 * i] & 0xff) | (bytes[4 * i + 1] & 0xff) << 8 | (bytes[4 * i + 2] & 0xff) << 16
                    | (bytes[4 * i + 3] & 0xff) << 24;
            list[i] = i < W ? v & -2 : (v & -3) | 1;
        }
        sort(list);
        byte[] r = new byte[P];
        for (int i = 0; i < P; i++) {
            r[i] = (byte) ((list[i] & 3) - 1);
        }
        return r;
    }

    // The reference's constant-time sorting network (djbsort's order of compare-exchanges), unsigned order.
    private static void sort(int[] x) {
        int n = x.length;
        int top = 1;
        while (top < n - top) {
            top += top;
        }
        for (int a = top; a > 0; a >>>= 1) {
            for (int i = 0; i < n - a; i++) {
                if ((i & a) == 0) {
                    minMax(x, i, i + a);
                }
            }
            for (int b = top; b > a; b >>>= 1) {
                for (int i = 0; i < n - b; i++) {
                    if ((i & a) == 0) {
                        minMax(x, i + a, i + b);
                    }
                }
            }
        }
    }

    // Puts the unsigned smaller of x[i], x[j] first without a branch on their values.
    private static void minMax(int[] x, int i, int j) {
        long a = x[i] & 0xffffffffL;
        long b = x[j] & 0xffffffffL;
        long swap = (b - a) >> 63; // all ones when b < a
        long t = (a ^ b) & swap;
        x[i] = (int) (a ^ t);
        x[j] = (int) (b ^ t);
    }

    private static byte[] encodeSmall(byte[] r) {
        byte[] out = new byte[(P + 3) / 4];
        for (int i = 0; i < P; i++) {
            out[i >> 2] |= (byte) ((r[i] + 1) << 2 * (i & 3));
        }
        return out;
    }

    // h·r in Z_q[x]/(x^P - x - 1): every term summed in an int (|h_i| <= 2295, r_i in {-1, 0, 1}: at most 761 terms,
    // then x^P = x + 1 folds each high coefficient onto two low ones: |sum| < 3·761·2295), reduced once at the end.
    private static int[] product(int[] h, byte[] r) {
        int[] full = new int[2 * P - 1];
        for (int i = 0; i < P; i++) {
            int hi = h[i];
            for (int j = 0; j < P; j++) {
                full[i + j] += hi * r[j];
            }
        }
        for (int i = 2 * P - 2; i >= P; i--) {
            full[i - P] += full[i];
            full[i - P + 1] += full[i];
        }
        int[] out = new int[P];
        for (int i = 0; i < P; i++) {
            out[i] = freeze(full[i], Q);
        }
        return out;
    }

    // x reduced into the centred range -(m-1)/2 .. (m-1)/2 (m odd, |x| < 2^30). x depends on the secret r, so no
    // division or branch on it (Math.floorMod branches on the sign of its remainder, and a CPU's divide may take
    // longer for some operands): a multiple of m near 2^31 makes it non-negative, then the reference's
    // uint32_mod_uint14.
    static int freeze(int x, int m) {
        long shift = (0x80000000L / m) * m;
        return mod14(x + (m - 1) / 2 + shift, m) - (m - 1) / 2;
    }

    // x mod m for 0 <= x < 2^32 and 0 < m < 2^14 (NTRU Prime's uint32_divmod_uint14): two multiplications by
    // 2^31/m leave 0 <= x <= m, and one masked subtraction of m the remainder.
    private static int mod14(long x, int m) {
        long v = 0x80000000L / m;
        x -= ((x * v) >>> 31) * m;
        x -= ((x * v) >>> 31) * m;
        x -= m;
        x += (x >> 63) & m;
        return (int) x;
    }

    private static int[] decodeRq(byte[] publicKey) {
        int[] m = new int[P];
        Arrays.fill(m, Q);
        int[] h = new int[P];
        decode(h, 0, publicKey, new int[] {0}, m, P);
        for (int i = 0; i < P; i++) {
            h[i] -= Q12;
        }
        return h;
    }

    private static void encodeRounded(int[] c, byte[] out) {
        int[] values = new int[P];
        int[] m = new int[P];
        for (int i = 0; i < P; i++) {
            values[i] = ((c[i] + Q12) * 10923) >>> 15; // (c + q12) / 3, c being a multiple of 3
            m[i] = (Q + 2) / 3;
        }
        encode(out, new int[] {0}, values, m, P);
    }

    // The reference's Encode: pairs of values in ranges m are merged into one in range m0·m1, bytes emitted while
    // the merged range is 2^14 or more, recursively until one value is left.
    private static void encode(byte[] out, int[] at, int[] r, int[] m, int len) {
        if (len == 1) {
            int v = r[0];
            for (int range = m[0]; range > 1; range = (range + 255) >>> 8) {
                out[at[0]++] = (byte) v;
                v >>>= 8;
            }
            return;
        }
        int half = (len + 1) / 2;
        int[] r2 = new int[half];
        int[] m2 = new int[half];
        int i = 0;
        for (; i < len - 1; i += 2) {
            long v = r[i] + (long) r[i + 1] * m[i];
            long range = (long) m[i + 1] * m[i];
            while (range >= 16384) {
                out[at[0]++] = (byte) v;
                v >>>= 8;
                range = (range + 255) >>> 8;
            }
            r2[i / 2] = (int) v;
            m2[i / 2] = (int) range;
        }
        if (i < len) {
            r2[i / 2] = r[i];
            m2[i / 2] = m[i];
        }
        encode(out, at, r2, m2, half);
    }

    // The reference's Decode, the inverse of encode (values outside their range, from a malformed key, are reduced
    // as the reference reduces them; bytes are unsigned). The key is public: its values may be branched on.
    private static void decode(int[] out, int outAt, byte[] s, int[] at, int[] m, int len) {
        if (len == 1) {
            if (m[0] == 1) {
                out[outAt] = 0;
            } else if (m[0] <= 256) {
                out[outAt] = (s[at[0]] & 0xff) % m[0];
            } else {
                out[outAt] = ((s[at[0]] & 0xff) + ((s[at[0] + 1] & 0xff) << 8)) % m[0];
            }
            return;
        }
        int half = (len + 1) / 2;
        int[] m2 = new int[half];
        int[] bottomR = new int[len / 2];
        int[] bottomT = new int[len / 2];
        int i = 0;
        for (; i < len - 1; i += 2) {
            long range = (long) m[i] * m[i + 1];
            if (range > 256 * 16383) {
                bottomT[i / 2] = 256 * 256;
                bottomR[i / 2] = (s[at[0]] & 0xff) + 256 * (s[at[0] + 1] & 0xff);
                at[0] += 2;
                m2[i / 2] = (int) ((((range + 255) >>> 8) + 255) >>> 8);
            } else if (range >= 16384) {
                bottomT[i / 2] = 256;
                bottomR[i / 2] = s[at[0]] & 0xff;
                at[0] += 1;
                m2[i / 2] = (int) ((range + 255) >>> 8);
            } else {
                bottomT[i / 2] = 1;
                bottomR[i / 2] = 0;
                m2[i / 2] = (int) range;
            }
        }
        if (i < len) {
            m2[i / 2] = m[i];
        }
        int[] r2 = new int[half];
        decode(r2, 0, s, at, m2, half);
        for (i = 0; i < len - 1; i += 2) {
            long v = bottomR[i / 2] + (long) bottomT[i / 2] * r2[i / 2];
            out[outAt++] = (int) (v % m[i]);
            out[outAt++] = (int) ((v / m[i]) % m[i + 1]);
        }
        if (i < len) {
            out[outAt] = r2[i / 2];
        }
    }

    private static byte[] hash(int prefix, byte[] input) {
        try {
            MessageDigest sha512 = MessageDigest.getInstance("SHA-512");
            sha512.update((byte) prefix);
            return sha512.digest(input);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-512", e);
        }
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
