package loghost.config;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import loghost.store.DigestAlgorithm;

/** Everything the server reads from configuration, typed and validated; nothing else sees a Config object. */
public record Settings(Path dataDir, InetSocketAddress listen, Store store, Ssh ssh) {

    /** The store's settings. */
    public record Store(DigestAlgorithm digest, int maxLineBytes, Duration fsyncInterval) {
    }

    /** The SSH server's settings. */
    public record Ssh(Duration authTimeout, int maxAuthRequests, Duration idleTimeout, int maxSessionsPerHost,
                      Duration keysReloadInterval) {
    }

    /** A copy with another data directory (the {@code --data} flag). */
    public Settings withDataDir(Path dir) {
        return new Settings(dir, listen, store, ssh);
    }

    /** A copy with another listen address (the {@code --listen} flag). */
    public Settings withListen(InetSocketAddress address) {
        return new Settings(dataDir, address, store, ssh);
    }
}
