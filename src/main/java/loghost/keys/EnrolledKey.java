package loghost.keys;

import java.security.PublicKey;
import java.time.Instant;

/**
 * One enrolled key: the host it may write for, the key itself (in OpenSSH's {@code type base64} form),
 * its comment, optional source-address patterns and when it was enrolled.
 */
public record EnrolledKey(String host, String keyType, String keyBase64, PublicKey key, String comment,
                          SourcePatterns from, Instant enrolled, String fingerprint) {

    /** The key as one {@code authorized_keys} line, with our options. */
    public String toLine() {
        StringBuilder sb = new StringBuilder();
        sb.append("host=\"").append(host).append('"');
        if (from != null) {
            sb.append(",from=\"").append(from.text()).append('"');
        }
        if (enrolled != null) {
            sb.append(",enrolled=\"").append(enrolled).append('"');
        }
        sb.append(' ').append(keyType).append(' ').append(keyBase64);
        if (!comment.isEmpty()) {
            sb.append(' ').append(comment);
        }
        return sb.toString();
    }
}
