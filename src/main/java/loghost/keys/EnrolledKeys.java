package loghost.keys;

import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import loghost.store.HostName;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.apache.sshd.common.config.keys.PublicKeyEntryResolver;

/**
 * An immutable snapshot of the enrolled-keys file, parsed strictly: any line that is not exactly our subset of
 * {@code authorized_keys} syntax makes the whole file invalid (the server then admits nobody).
 */
public final class EnrolledKeys {

    private final List<EnrolledKey> keys;
    private final Map<String, EnrolledKey> byFingerprint;

    private EnrolledKeys(List<EnrolledKey> keys) {
        this.keys = List.copyOf(keys);
        Map<String, EnrolledKey> m = new LinkedHashMap<>();
        for (EnrolledKey k : keys) {
            m.put(k.fingerprint(), k);
        }
        this.byFingerprint = Collections.unmodifiableMap(m);
    }

    /** No keys at all. */
    public static EnrolledKeys empty() {
        return new EnrolledKeys(List.of());
    }

    /** All keys in file order. */
    public List<EnrolledKey> all() {
        return keys;
    }

    /** The entry for exactly this public key, if enrolled. */
    public Optional<EnrolledKey> find(PublicKey key) {
        EnrolledKey k = byFingerprint.get(KeyUtils.getFingerPrint(key));
        return k != null && KeyUtils.compareKeys(k.key(), key) ? Optional.of(k) : Optional.empty();
    }

    /** The entry with this SHA256 fingerprint, if enrolled. */
    public Optional<EnrolledKey> findByFingerprint(String fingerprint) {
        return Optional.ofNullable(byFingerprint.get(fingerprint));
    }

    /** A copy with {@code key} added; refuses a key that is already enrolled, for any host. */
    public EnrolledKeys with(EnrolledKey key) {
        EnrolledKey existing = byFingerprint.get(key.fingerprint());
        if (existing != null) {
            throw new IllegalArgumentException(existing.host().equals(key.host())
                    ? "key " + key.fingerprint() + " is already enrolled for host " + key.host()
                    : "key " + key.fingerprint() + " is already enrolled for host " + existing.host()
                            + "; one key may write for one host only");
        }
        List<EnrolledKey> l = new ArrayList<>(keys);
        l.add(key);
        return new EnrolledKeys(l);
    }

    /** A copy without the given keys. */
    public EnrolledKeys without(List<EnrolledKey> removed) {
        List<EnrolledKey> l = new ArrayList<>(keys);
        l.removeAll(removed);
        return new EnrolledKeys(l);
    }

    /** Parses a whole file's text. */
    public static EnrolledKeys parse(String text) {
        List<EnrolledKey> keys = new ArrayList<>();
        Map<String, String> seen = new LinkedHashMap<>();
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            EnrolledKey k;
            try {
                k = parseLine(line);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("line " + (i + 1) + ": " + e.getMessage(), e);
            }
            String other = seen.putIfAbsent(k.fingerprint(), k.host());
            if (other != null) {
                throw new IllegalArgumentException("line " + (i + 1) + ": key " + k.fingerprint()
                        + " appears twice (hosts " + other + " and " + k.host() + ")");
            }
            keys.add(k);
        }
        return new EnrolledKeys(keys);
    }

    /** Parses one {@code options type base64 [comment]} line. */
    static EnrolledKey parseLine(String line) {
        int sp = optionsEnd(line);
        Map<String, String> options = parseOptions(line.substring(0, sp));
        String rest = line.substring(sp).strip();
        String host = options.remove("host");
        if (host == null) {
            throw new IllegalArgumentException("missing host=\"...\" option");
        }
        SourcePatterns from = options.containsKey("from") ? SourcePatterns.parse(options.remove("from")) : null;
        Instant enrolled = null;
        String when = options.remove("enrolled");
        if (when != null) {
            try {
                enrolled = Instant.parse(when);
            } catch (DateTimeParseException e) {
                throw new IllegalArgumentException("bad enrolled= time \"" + when + "\"", e);
            }
        }
        if (!options.isEmpty()) {
            throw new IllegalArgumentException("unsupported option " + options.keySet().iterator().next()
                    + " (allowed: host, from, enrolled)");
        }
        return publicKey(host, rest, from, enrolled);
    }

    /** Builds an entry from a public key line ({@code type base64 [comment]}) and the host it is for. */
    public static EnrolledKey publicKey(String host, String keyLine, SourcePatterns from, Instant enrolled) {
        if (!HostName.isEnrollable(host)) {
            throw new IllegalArgumentException("host name \"" + host + "\" not allowed; it must match "
                    + HostName.rule());
        }
        String[] parts = keyLine.strip().split("[ \t]+", 3);
        if (parts.length < 2) {
            throw new IllegalArgumentException("not an OpenSSH public key line (expected: type base64 [comment])");
        }
        PublicKey key;
        try {
            PublicKeyEntry entry = PublicKeyEntry.parsePublicKeyEntry(parts[0] + " " + parts[1]);
            key = entry.resolvePublicKey(null, Collections.emptyMap(), PublicKeyEntryResolver.FAILING);
        } catch (IOException | GeneralSecurityException | RuntimeException e) {
            throw new IllegalArgumentException("cannot decode " + parts[0] + " public key: " + e.getMessage(), e);
        }
        if (key == null) {
            throw new IllegalArgumentException("cannot decode " + parts[0] + " public key");
        }
        String decodedType = KeyUtils.getKeyType(key);
        if (!parts[0].equals(decodedType)) {
            throw new IllegalArgumentException("key type " + parts[0] + " does not match the key data (" + decodedType
                    + ")");
        }
        String problem = KeyPolicy.check(parts[0], key);
        if (problem != null) {
            throw new IllegalArgumentException(problem);
        }
        String comment = parts.length > 2 ? parts[2].strip() : "";
        if (comment.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
            throw new IllegalArgumentException("key comment contains control characters");
        }
        return new EnrolledKey(host, parts[0], parts[1], key, comment, from, enrolled, KeyUtils.getFingerPrint(key));
    }

    // Options end at the first space outside quotes; a line may also have no options (then it starts with the type).
    private static int optionsEnd(String line) {
        boolean quoted = false;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c == '"') {
                quoted = !quoted;
            } else if ((c == ' ' || c == '\t') && !quoted) {
                return i;
            }
        }
        throw new IllegalArgumentException("no key after the options");
    }

    private static Map<String, String> parseOptions(String s) {
        Map<String, String> options = new LinkedHashMap<>();
        int i = 0;
        while (i < s.length()) {
            int eq = s.indexOf('=', i);
            if (eq < 0 || eq + 1 >= s.length() || s.charAt(eq + 1) != '"') {
                throw new IllegalArgumentException("options must be name=\"value\" (at \"" + s.substring(i) + "\")");
            }
            String name = s.substring(i, eq);
            if (!name.matches("[a-z]+")) {
                throw new IllegalArgumentException("bad option name \"" + name + "\"");
            }
            int close = s.indexOf('"', eq + 2);
            if (close < 0) {
                throw new IllegalArgumentException("unterminated quote in option " + name);
            }
            String value = s.substring(eq + 2, close);
            if (value.contains("\\")) {
                throw new IllegalArgumentException("backslash in option " + name);
            }
            if (options.put(name, value) != null) {
                throw new IllegalArgumentException("option " + name + " given twice");
            }
            i = close + 1;
            if (i < s.length()) {
                if (s.charAt(i) != ',') {
                    throw new IllegalArgumentException("expected ',' after option " + name);
                }
                i++;
                if (i == s.length()) {
                    throw new IllegalArgumentException("trailing ',' after option " + name);
                }
            }
        }
        return options;
    }

    /** The file text for these keys, with a header comment. */
    public String render() {
        StringBuilder sb = new StringBuilder();
        sb.append("# loghost enrolled keys: OpenSSH authorized_keys syntax, one key per line, bound to one host.\n");
        sb.append("# Managed by `loghost enroll` and `loghost revoke`; `ssh-keygen -lf` reads this file.\n");
        for (EnrolledKey k : keys) {
            sb.append(k.toLine()).append('\n');
        }
        return sb.toString();
    }
}
