package loghost.ssh;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.attribute.PosixFileAttributes;
import java.security.PublicKey;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;
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
 *
 * <p>Every authentication and every command start asks for the keys in force. The common case, nothing changed,
 * takes no lock: it compares the file's version with the one of the snapshot in force (immutable, published
 * through a volatile field). When the file changed, one thread at a time re-reads it, and those that saw the
 * change wait for that reload rather than decide on keys they know are old; a load that failed publishes a
 * snapshot that admits nobody (as MINA's AuthorizedKeysAuthenticator drops to reject-all). Logging and audit
 * records come after the new snapshot is published: a slow log never holds logins up.
 */
final class EnrolledKeysAuthenticator implements PublickeyAuthenticator {

    private static final Logger LOG = LoggerFactory.getLogger(EnrolledKeysAuthenticator.class);
    private static final int MAX_REMEMBERED_REVOCATIONS = 10_000;

    /** The version of a file whose attributes could not be read, and why. */
    private record Unreadable(String reason) {
    }

    /** The keys in force ({@code null}: admit nobody) and the version of the file they were read from. */
    private record Snapshot(EnrolledKeys keys, Object version) {
        boolean readAt(Object v) {
            return version != null && version.equals(v);
        }
    }

    private final EnrolledKeysFile file;
    private final Refusals refusals;
    // Read without a lock; replaced whole, only by the thread holding reloading. Admits nobody until loaded.
    private volatile Snapshot current = new Snapshot(null, null);
    private final ReentrantLock reloading = new ReentrantLock();
    // The keys of the last good load, to audit what changed: the reloading thread's.
    private EnrolledKeys lastGood = EnrolledKeys.empty();
    // Keys this server saw revoked since it started (fingerprint -> host), so that a revoked key trying again
    // is refused as "revoked-key", not as an unknown key. Bounded: the oldest are forgotten first.
    private final Map<String, String> revoked = Collections.synchronizedMap(
            new LinkedHashMap<>(16, 0.75f, false) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
                    return size() > MAX_REMEMBERED_REVOCATIONS;
                }
            });

    // Keys revoked by "loghost revoke", kept on disk (DATA/revoked_keys): fingerprint -> host, across restarts.
    private final RevokedKeysFile revokedFile;
    private volatile Map<String, String> persistedRevoked = Map.of();

    EnrolledKeysAuthenticator(EnrolledKeysFile file, Refusals refusals) {
        this.file = file;
        this.refusals = refusals;
        this.revokedFile = new RevokedKeysFile(file.path().getParent());
    }

    // Only names refusals (revoked-key vs no-matching-key), never admits or refuses: on a bad file keep the last.
    private void loadRevoked() {
        try {
            Map<String, String> m = new HashMap<>();
            for (RevokedKeysFile.Revoked r : revokedFile.load()) {
                m.put(r.fingerprint(), r.host());
            }
            persistedRevoked = Map.copyOf(m);
        } catch (IOException e) {
            LOG.error("revoked-keys-unreadable file={} reason=\"{}\": revoked keys are refused as unknown keys",
                    revokedFile.path(), e.getMessage());
        }
    }

    /** Loads the file now; throws when it is invalid (used at start, where that should stop the server). */
    EnrolledKeys loadInitial() throws IOException {
        reloading.lock();
        try {
            Object version = version();
            EnrolledKeys keys = file.load();
            current = new Snapshot(keys, version);
            lastGood = keys;
            loadRevoked();
            return keys;
        } finally {
            reloading.unlock();
        }
    }

    /** Re-reads the file now, even if it looks unchanged (SIGHUP: a rewrite within one mtime tick is seen too). */
    EnrolledKeys reloadNow() {
        return reload(true);
    }

    /** The keys in force, re-read first if the file changed since the last load; null (admit nobody) if invalid. */
    EnrolledKeys reloadIfChanged() {
        Snapshot s = current;
        if (s.readAt(version())) {
            return s.keys(); // the common case: no lock
        }
        return reload(false);
    }

    // One thread at a time; one that waited here finds the reload it waited for done, unless forced.
    private EnrolledKeys reload(boolean force) {
        reloading.lock();
        try {
            Snapshot before = current;
            Object version = version();
            if (!force && before.readAt(version)) {
                return before.keys();
            }
            if (version instanceof Unreadable u) {
                current = new Snapshot(null, u);
                if (before.keys() != null) {
                    LOG.error("keys-unreadable file={} reason=\"{}\": admitting nobody until fixed", file.path(),
                            u.reason());
                    refusals.audit().event("keys-unreadable reason=" + Refusals.quote(u.reason()));
                }
                return null;
            }
            return load(version);
        } finally {
            reloading.unlock();
        }
    }

    // Under the reload lock: the file's keys become the snapshot in force, or nobody is admitted.
    private EnrolledKeys load(Object version) {
        EnrolledKeys keys;
        try {
            keys = file.load();
        } catch (IOException | IllegalArgumentException e) {
            current = new Snapshot(null, version);
            LOG.error("keys-invalid file={} reason=\"{}\": admitting nobody until fixed", file.path(),
                    e.getMessage());
            refusals.audit().event("keys-invalid reason=" + Refusals.quote(e.getMessage()));
            return null;
        }
        loadRevoked();
        auditChanges(lastGood, keys);
        lastGood = keys;
        current = new Snapshot(keys, version);
        LOG.info("keys-loaded file={} keys={}", file.path(), keys.all().size());
        return keys;
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

    private String revokedHost(String fingerprint) {
        String host = revoked.get(fingerprint);
        return host != null ? host : persistedRevoked.get(fingerprint);
    }

    /** The keys in force, or null while the file is invalid. */
    EnrolledKeys current() {
        return current.keys();
    }

    // What tells a changed file: identity, time, size, and the mode and owner that decide whether it is trusted
    // (a chmod that fixes an invalid file must be seen). Not following links, as the load does not.
    private Object version() {
        try {
            PosixFileAttributes a = Files.readAttributes(file.path(), PosixFileAttributes.class,
                    LinkOption.NOFOLLOW_LINKS);
            return List.of(String.valueOf(a.fileKey()), a.lastModifiedTime(), a.size(), a.permissions(),
                    a.owner().getName());
        } catch (NoSuchFileException e) {
            return "absent";
        } catch (IOException e) {
            return new Unreadable(e.getMessage()); // admits nobody, and says why once (see reload)
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
