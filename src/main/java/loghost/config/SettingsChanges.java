package loghost.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;

/** Which settings differ between two {@link Settings}, by their config key, and which of them SIGHUP can apply. */
public final class SettingsChanges {

    /**
     * Settings a running server applies on SIGHUP. The rest need a restart: the listen address and data directory
     * are the server's socket and files; digest, max-line and fsync-interval are fixed into the open logs and their
     * timer; algorithms are fixed into the SSH server; the per-host, per-source, channel and auth-request limits are
     * held by the objects that count against them.
     */
    public static final Set<String> LIVE = Set.of("audit.refusals-per-second", "ssh.auth-timeout",
            "ssh.idle-timeout");

    private static final List<Key> KEYS = List.of(
            new Key("data-dir", s -> s.dataDir().toAbsolutePath().normalize()),
            new Key("listen", Settings::listen),
            new Key("store.digest", s -> s.store().digest()),
            new Key("store.max-line", s -> s.store().maxLineBytes()),
            new Key("store.fsync-interval", s -> s.store().fsyncInterval()),
            new Key("ssh.auth-timeout", s -> s.ssh().authTimeout()),
            new Key("ssh.max-auth-requests", s -> s.ssh().maxAuthRequests()),
            new Key("ssh.idle-timeout", s -> s.ssh().idleTimeout()),
            new Key("ssh.max-sessions-per-host", s -> s.ssh().maxSessionsPerHost()),
            new Key("ssh.keys-reload-interval", s -> s.ssh().keysReloadInterval()),
            new Key("ssh.max-unauthenticated", s -> s.ssh().maxUnauthenticated()),
            new Key("ssh.max-connections-per-source", s -> s.ssh().maxConnectionsPerSource()),
            new Key("ssh.max-channels-per-connection", s -> s.ssh().maxChannelsPerConnection()),
            new Key("ssh.max-connections-per-host", s -> s.ssh().maxConnectionsPerHost()),
            new Key("ssh.ciphers", s -> s.crypto().ciphers()),
            new Key("ssh.macs", s -> s.crypto().macs()),
            new Key("ssh.kex-algorithms", s -> s.crypto().kexAlgorithms()),
            new Key("ssh.signatures", s -> s.crypto().signatures()),
            new Key("audit.refusals-per-second", s -> s.audit().refusalsPerSecond()),
            new Key("metrics.listen", s -> s.metrics().listen()),
            new Key("seal.enabled", s -> s.seal().enabled()),
            new Key("seal.epoch", s -> s.seal().epoch()),
            new Key("seal.witness-file", s -> s.seal().witnessFile()),
            new Key("housekeeping/retention/archive", Settings::housekeeping));

    private SettingsChanges() {
    }

    /** The config keys (without "loghost.") of the server's settings that differ; forward.* is not the server's. */
    public static List<String> between(Settings before, Settings after) {
        List<String> changed = new ArrayList<>();
        for (Key k : KEYS) {
            if (!Objects.equals(k.value.apply(before), k.value.apply(after))) {
                changed.add(k.name);
            }
        }
        return changed;
    }

    private record Key(String name, Function<Settings, Object> value) {
    }
}
