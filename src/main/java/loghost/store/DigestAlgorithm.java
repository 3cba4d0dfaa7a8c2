package loghost.store;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Optional;

/** The hash functions a chain may use, by the name that appears in file headers. */
public enum DigestAlgorithm {
    SHA256("sha256", "SHA-256", 32, false),
    SHA512("sha512", "SHA-512", 64, false),
    /** Legacy only: broken collision resistance; selectable for old tooling, with a warning at start. */
    MD5("md5", "MD5", 16, true);

    private final String headerName;
    private final String jcaName;
    private final int length;
    private final boolean legacy;

    DigestAlgorithm(String headerName, String jcaName, int length, boolean legacy) {
        this.headerName = headerName;
        this.jcaName = jcaName;
        this.length = length;
        this.legacy = legacy;
    }

    /** The name used in headers and config ({@code sha256}, {@code sha512}, {@code md5}). */
    public String headerName() {
        return headerName;
    }

    /** Digest length in bytes. */
    public int length() {
        return length;
    }

    /** True for algorithms kept only for compatibility. */
    public boolean legacy() {
        return legacy;
    }

    /** A fresh JCA digest for this algorithm. */
    public MessageDigest newDigest() {
        try {
            return MessageDigest.getInstance(jcaName);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("JVM lacks " + jcaName, e);
        }
    }

    /** The chain's starting value for a host: H("loghost-genesis " || host). */
    public byte[] genesis(String host) {
        return newDigest().digest(("loghost-genesis " + host).getBytes(StandardCharsets.US_ASCII));
    }

    /** Looks an algorithm up by its header name. */
    public static Optional<DigestAlgorithm> byName(String name) {
        return Arrays.stream(values()).filter(a -> a.headerName.equals(name)).findFirst();
    }
}
