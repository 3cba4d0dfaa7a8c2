package loghost.seal;

import java.security.KeyPair;
import java.util.Arrays;
import java.util.HexFormat;
import org.bouncycastle.math.ec.rfc8032.Ed25519;

/** Signs receipts with the loghost's SSH host key (Ed25519), the key every forwarder already pins. */
public final class ReceiptSigner {

    // RFC 8410 encodings of Ed25519 keys: in PKCS#8 (v1, or v2 with the public key after it: BouncyCastle writes
    // that) the secret follows the algorithm identifier and two OCTET STRING headers; X.509 is a fixed prefix.
    private static final byte[] PKCS8_SECRET = HexFormat.of().parseHex("300506032b657004220420");
    private static final byte[] X509_PREFIX = HexFormat.of().parseHex("302a300506032b6570032100");

    private final byte[] seed;
    private final String fingerprint;

    private ReceiptSigner(byte[] seed, String fingerprint) {
        this.seed = seed;
        this.fingerprint = fingerprint;
    }

    /** A signer with the Ed25519 host key {@code pair}, whose fingerprint ({@code SHA256:...}) receipts name. */
    public static ReceiptSigner of(KeyPair pair, String fingerprint) {
        byte[] enc = pair.getPrivate().getEncoded();
        // SEQUENCE header (2 bytes), INTEGER version (3 bytes), then the identifier and the secret's headers.
        int at = 5;
        if (enc == null || enc.length < at + PKCS8_SECRET.length + 32
                || !Arrays.equals(enc, at, at + PKCS8_SECRET.length, PKCS8_SECRET, 0, PKCS8_SECRET.length)) {
            throw new IllegalArgumentException("the host key is not an Ed25519 key in RFC 8410 encoding");
        }
        byte[] seed = Arrays.copyOfRange(enc, at + PKCS8_SECRET.length, at + PKCS8_SECRET.length + 32);
        Arrays.fill(enc, (byte) 0);
        // The public half derived from the secret must be the pair's: a wrong parse must never sign.
        byte[] pk = new byte[Ed25519.PUBLIC_KEY_SIZE];
        Ed25519.generatePublicKey(seed, 0, pk, 0);
        if (!publicKey(pair.getPublic()).equals(new VerificationKey(pk))) {
            throw new IllegalArgumentException("the host key's secret does not match its public half");
        }
        return new ReceiptSigner(seed, fingerprint);
    }

    /** The raw Ed25519 public key of an RFC 8410 encoded public key (a host key's public half). */
    public static VerificationKey publicKey(java.security.PublicKey key) {
        byte[] enc = key.getEncoded();
        if (enc == null || enc.length != X509_PREFIX.length + 32
                || !Arrays.equals(enc, 0, X509_PREFIX.length, X509_PREFIX, 0, X509_PREFIX.length)) {
            throw new IllegalArgumentException("not an Ed25519 public key in RFC 8410 encoding");
        }
        return new VerificationKey(Arrays.copyOfRange(enc, X509_PREFIX.length, enc.length));
    }

    /** The signed receipt line for a stream stored up to {@code cseq}, the host's chain then at {@code seq}. */
    public String receipt(String host, String stream, long cseq, long seq, String digestHex, long millis) {
        String unsigned = "receipt v1 host=" + host + " stream=" + stream + " cseq=" + Long.toUnsignedString(cseq)
                + " seq=" + seq + " digest=" + digestHex + " time=" + SealBlock.time(millis) + " key=" + fingerprint;
        byte[] m = Receipt.signed(unsigned);
        byte[] sig = new byte[Ed25519.SIGNATURE_SIZE];
        Ed25519.sign(seed, 0, m, 0, m.length, sig, 0);
        return unsigned + " sig=" + HexFormat.of().formatHex(sig);
    }
}
