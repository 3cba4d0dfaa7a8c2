package loghost.ssh;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.PublicKey;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import loghost.keys.EnrolledKey;
import loghost.keys.EnrolledKeys;
import loghost.keys.EnrolledKeysFile;
import loghost.keys.RevokedKeysFile;
import loghost.refusal.Refusal;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.session.Session;
import org.apache.sshd.server.auth.pubkey.PublickeyAuthenticator;
import org.apache.sshd.server.session.ServerSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Public-key authentication against the enrolled-keys file, re-read whenever it changes. Fails closed: while the
 * file cannot be read or parsed, nobody is admitted. The SSH user name plays no part in the decision.
 */
final class EnrolledKeysAuthenticator implements PublickeyAuthenticator {

    private static final Logger LOG = LoggerFactory.getLogger(EnrolledKeysAuthenticator.class);
    private static final int MAX_REMEMBERED_REVOCATIONS = 10_000;

    private final EnrolledKeysFile file;
    private final Refusals refusals;
    private volatile EnrolledKeys current;
    private EnrolledKeys lastGood = EnrolledKeys.empty();
    private Object loadedVersion;
    // Keys this server saw revoked since it started (fingerprint -> host), so that a revoked key trying again
    // is refused as "revoked-key", not as an unknown key. Bounded: the oldest are forgotten first.
    private final Map<String, String> revoked = new LinkedHashMap<>(16, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
            return size() > MAX_REMEMBERED_REVOCATIONS;
        }
    };

    // Keys revoked by "loghost revoke", kept on disk (DATA/revoked_keys): fingerprint -> host, across restarts.
    private final RevokedKeysFile revokedFile;
    private Map<String, String> persistedRevoked = Map.of();

    EnrolledKeysAuthenticator(EnrolledKeysFile file, Refusals refusals) {
        this.file = file;
        this.refusals = refusals;
        this.revokedFile = new RevokedKeysFile(file.path().getParent());
    }

    // Only names refusals (revoked-key vs no-matching-key), never admits or refuses: on a bad file keep the last.
    private void loadRevoked() {
        try {
            Map<String, String> m = new java.util.HashMap<>();
            for (RevokedKeysFile.Revoked r : revokedFile.load()) {
                m.put(r.fingerprint(), r.host());
            }
            persistedRevoked = m;
        } catch (IOException e) {
            LOG.error("revoked-keys-unreadable file={} reason=\"{}\": revoked keys are refused as unknown keys",
                    revokedFile.path(), e.getMessage());
        }
    }

    /** Loads the file now; throws when it is invalid (used at start, where that should stop the server). */
    synchronized EnrolledKeys loadInitial() throws IOException {
        Object version = version();
        EnrolledKeys keys = file.load();
        current = keys;
        lastGood = keys;
        loadedVersion = version;
        loadRevoked();
        return keys;
    }

    /** Re-reads the file now, even if it looks unchanged (SIGHUP: a rewrite within one mtime tick is seen too). */
    synchronized EnrolledKeys reloadNow() {
        loadedVersion = null;
        return reloadIfChanged();
    }

    /** Re-reads the file if it changed since the last load; on any failure admits nobody until it is fixed. */
    synchronized EnrolledKeys reloadIfChanged() {
        Object version;
        try {
            version = version();
        } catch (IOException e) {
            if (current != null) {
                LOG.error("keys-unreadable file={} reason=\"{}\": admitting nobody until fixed", file.path(),
                        e.getMessage());
                refusals.audit().event("keys-unreadable reason=" + Refusals.quote(e.getMessage()));
            }
            current = null;
            loadedVersion = null;
            return null;
        }
        if (Objects.equals(version, loadedVersion) && current != null) {
            return current;
        }
        // As MINA's AuthorizedKeysAuthenticator does: reject everyone while (re)loading, and after a failure.
        current = null;
        try {
            EnrolledKeys keys = file.load();
            loadRevoked();
            current = keys;
            loadedVersion = version;
            LOG.info("keys-loaded file={} keys={}", file.path(), keys.all().size());
            auditChanges(lastGood, keys);
            lastGood = keys;
            return keys;
        } catch (IOException | IllegalArgumentException e) {
            loadedVersion = version;
            LOG.error("keys-invalid file={} reason=\"{}\": admitting nobody until fixed", file.path(),
                    e.getMessage());
            refusals.audit().event("keys-invalid reason=" + Refusals.quote(e.getMessage()));
            return null;
        }
    }

    // enroll and revoke run as separate processes; the server records their effect as it sees it.
    private void auditChanges(EnrolledKeys before, EnrolledKeys after) {
        for (EnrolledKey k : after.all()) {
            if (before.findByFingerprint(k.fingerprint()).filter(o -> o.host().equals(k.host())).isEmpty()) {
                revoked.remove(k.fingerprint());
                refusals.audit().event("key-enrolled host=" + k.host() + " key=" + k.fingerprint() + " type="
                        + k.keyType() + (k.from() == null ? "" : " from=" + Refusals.quote(k.from().text())));
            }
        }
        for (EnrolledKey k : before.all()) {
            if (after.findByFingerprint(k.fingerprint()).filter(o -> o.host().equals(k.host())).isEmpty()) {
                if (after.findByFingerprint(k.fingerprint()).isEmpty()) {
                    revoked.put(k.fingerprint(), k.host());
                }
                refusals.audit().event("key-revoked host=" + k.host() + " key=" + k.fingerprint());
            }
        }
    }

    private synchronized String revokedHost(String fingerprint) {
        String host = revoked.get(fingerprint);
        return host != null ? host : persistedRevoked.get(fingerprint);
    }

    /** The keys in force, or null while the file is invalid. */
    EnrolledKeys current() {
        return current;
    }

    private Object version() throws IOException {
        try {
            BasicFileAttributes a = Files.readAttributes(file.path(), BasicFileAttributes.class);
            return java.util.List.of(String.valueOf(a.fileKey()), a.lastModifiedTime(), a.size());
        } catch (NoSuchFileException e) {
            return "absent";
        }
    }

    @Override
    public boolean authenticate(String username, PublicKey key, ServerSession session) {
        EnrolledKeys keys = reloadIfChanged();
        String fingerprint = KeyUtils.getFingerPrint(key);
        if (keys == null) {
            refusals.log(Refusal.KEYS_UNAVAILABLE, session, "key=" + fingerprint);
            return false;
        }
        Optional<EnrolledKey> found = keys.find(key);
        if (found.isEmpty()) {
            String revokedHost = revokedHost(fingerprint);
            if (revokedHost != null) {
                refusals.log(Refusal.REVOKED_KEY, session, "key=" + fingerprint + " revoked-host=" + revokedHost);
            } else {
                refusals.log(Refusal.NO_MATCHING_KEY, session, "key=" + fingerprint + " user="
                        + Refusals.quote(username));
            }
            return false;
        }
        EnrolledKey k = found.get();
        if (!admitsSource(k, session)) {
            refusals.log(Refusal.SOURCE_NOT_ALLOWED, session, "key=" + fingerprint + " enrolled-host=" + k.host()
                    + " from=\"" + k.from().text() + "\"");
            return false;
        }
        AuthenticatedHost previous = session.getAttribute(AuthenticatedHost.ATTRIBUTE);
        if (previous != null && !previous.host().equals(k.host())) {
            // Two keys for two hosts on one connection: refuse rather than pick one.
            refusals.log(Refusal.KEYS_CROSS_HOSTS, session, "key=" + fingerprint + " hosts=" + previous.host() + ","
                    + k.host());
            return false;
        }
        session.setAttribute(AuthenticatedHost.ATTRIBUTE, new AuthenticatedHost(k.host(), fingerprint, key));
        return true;
    }

    /**
     * Re-reads the file if it changed and says why {@code who}, admitted earlier on {@code session}, may no longer
     * write: a reason code ({@code revoked-key}, {@code source-not-allowed}, {@code keys-unavailable}), or null.
     */
    Refusal recheck(AuthenticatedHost who, Session session) {
        return withdrawn(who, session, reloadIfChanged());
    }

    /** As {@link #recheck}, against {@code keys} (null: the file is invalid). */
    static Refusal withdrawn(AuthenticatedHost who, Session session, EnrolledKeys keys) {
        if (keys == null) {
            return Refusal.KEYS_UNAVAILABLE;
        }
        Optional<EnrolledKey> k = keys.find(who.key());
        if (k.isEmpty() || !k.get().host().equals(who.host())) {
            return Refusal.REVOKED_KEY;
        }
        return admitsSource(k.get(), session) ? null : Refusal.SOURCE_NOT_ALLOWED;
    }

    private static boolean admitsSource(EnrolledKey k, Session session) {
        return k.from() == null || session.getRemoteAddress() instanceof InetSocketAddress isa
                && isa.getAddress() != null && k.from().admits(isa.getAddress());
    }
}
