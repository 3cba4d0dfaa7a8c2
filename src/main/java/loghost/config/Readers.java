package loghost.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigValueType;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import loghost.config.SettingsLoader.ConfigError;
import loghost.store.DigestAlgorithm;
import loghost.store.RecordView;

/** The typed readers the rows of {@link SettingsTable} use; each names its key in the error. */
final class Readers {

    private Readers() {
    }

    static String string(Config c, String key) {
        return c.getString(key);
    }

    static boolean bool(Config c, String key) {
        return c.getBoolean(key);
    }

    static Path path(Config c, String key) {
        return Path.of(c.getString(key));
    }

    /** A path, or "" for none. */
    static Optional<Path> optionalPath(Config c, String key) {
        String s = c.getString(key);
        return s.isEmpty() ? Optional.empty() : Optional.of(Path.of(s));
    }

    static Duration positive(Config c, String key) {
        Duration d = Units.duration(key, c.getValue(key));
        if (d.isNegative() || d.isZero()) {
            throw new ConfigError(key + ": must be positive, got " + d);
        }
        return d;
    }

    static Duration nonNegative(Config c, String key) {
        Duration d = Units.duration(key, c.getValue(key));
        if (d.isNegative()) {
            throw new ConfigError(key + ": must not be negative, got " + d);
        }
        return d;
    }

    static long bytes(Config c, String key) {
        return Units.bytes(key, c.getValue(key));
    }

    static long positiveBytes(Config c, String key) {
        long n = bytes(c, key);
        if (n <= 0) {
            throw new ConfigError(key + ": must be positive, got " + n);
        }
        return n;
    }

    static int atLeastOne(Config c, String key) {
        int v = c.getInt(key);
        if (v < 1) {
            throw new ConfigError(key + ": must be at least 1, got " + v);
        }
        return v;
    }

    static int port(Config c, String key) {
        int port = c.getInt(key);
        if (port < 1 || port > 65535) {
            throw new ConfigError(key + ": out of range (1-65535), got " + port);
        }
        return port;
    }

    /** Algorithm names; checked against the vetted sets when the SSH server or client is set up. */
    static List<String> algorithms(Config c, String key) {
        List<String> l = c.getStringList(key);
        if (l.isEmpty()) {
            throw new ConfigError(key + ": must name at least one algorithm");
        }
        return List.copyOf(l);
    }

    static List<String> strings(Config c, String key) {
        return List.copyOf(c.getStringList(key));
    }

    static InetSocketAddress listen(Config c, String key) {
        return SettingsLoader.parseListen(key, c.getString(key));
    }

    /** A listen address, or "" for off. */
    static Optional<InetSocketAddress> optionalListen(Config c, String key) {
        String s = c.getString(key);
        return s.isEmpty() ? Optional.empty() : Optional.of(SettingsLoader.parseListen(key, s));
    }

    /** One loghost as a string, or several as a list of strings. */
    static List<String> oneOrMore(Config c, String key) {
        return c.getValue(key).valueType() == ConfigValueType.LIST ? List.copyOf(c.getStringList(key))
                : List.of(c.getString(key));
    }

    static DigestAlgorithm digest(Config c, String key) {
        String name = c.getString(key);
        return DigestAlgorithm.byName(name).orElseThrow(() -> new ConfigError(
                key + ": unknown algorithm \"" + name + "\" (sha256, sha512, md5)"));
    }

    static int maxLine(Config c, String key) {
        long maxLine = bytes(c, key);
        if (maxLine < 1 || maxLine > RecordView.MAX_MESSAGE_BYTES) {
            throw new ConfigError(key + ": must be between 1 byte and 1MiB, got " + maxLine);
        }
        return (int) maxLine;
    }

    // An epoch ends at every multiple of its length since midnight UTC, so one always ends at midnight.
    static Duration epoch(Config c, String key) {
        Duration d = positive(c, key);
        long ms = d.toMillis();
        if (ms < 1000 || ms > 86_400_000L || 86_400_000L % ms != 0 || d.toNanos() % 1_000_000 != 0) {
            throw new ConfigError(key + ": " + d + " must be between 1s and 1d and divide a day evenly"
                    + " (e.g. 10s, 1m, 5m, 1h)");
        }
        return d;
    }
}
