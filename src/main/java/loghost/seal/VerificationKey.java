package loghost.seal;

import java.util.Arrays;
import java.util.HexFormat;
import java.util.regex.Pattern;
import org.bouncycastle.math.ec.rfc8032.Ed25519;

/**
 * An Ed25519 public key as loghost writes it: {@code ed25519:} and 64 lowercase hex digits (docs/FORMAT.md,
 * "Seals and checkpoints"). The seal chain's verification key, and each epoch's key in a checkpoint, take this form.
 */
public record VerificationKey(byte[] bytes) {

    private static final String PREFIX = "ed25519:";
    private static final Pattern TEXT = Pattern.compile("ed25519:[0-9a-f]{64}");

    /** A key of exactly 32 bytes. */
    public VerificationKey {
        if (bytes.length != Ed25519.PUBLIC_KEY_SIZE) {
            throw new IllegalArgumentException("an Ed25519 public key is 32 bytes");
        }
        bytes = bytes.clone();
    }

    /** Parses {@code ed25519:HEX}; anything else (upper case, spaces, another length) is refused. */
    public static VerificationKey parse(String text) {
        if (!TEXT.matcher(text).matches()) {
            throw new IllegalArgumentException("not a loghost verification key (ed25519: and 64 lowercase hex digits)");
        }
        byte[] b = HexFormat.of().parseHex(text.substring(PREFIX.length()));
        if (!Ed25519.validatePublicKeyFull(b, 0)) {
            throw new IllegalArgumentException("not a valid Ed25519 public key");
        }
        return new VerificationKey(b);
    }

    /** True when {@code signature} (64 bytes) is this key's Ed25519 signature of {@code message}. */
    public boolean verifies(byte[] message, byte[] signature) {
        if (signature.length != Ed25519.SIGNATURE_SIZE) {
            return false;
        }
        return Ed25519.verify(signature, 0, bytes, 0, message, 0, message.length);
    }

    @Override
    public byte[] bytes() {
        return bytes.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof VerificationKey k && Arrays.equals(bytes, k.bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }

    /** {@code ed25519:} and the key in lowercase hex. */
    @Override
    public String toString() {
        return PREFIX + HexFormat.of().formatHex(bytes);
    }
}
