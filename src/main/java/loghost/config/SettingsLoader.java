package loghost.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigValue;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.TreeSet;
import loghost.store.DigestAlgorithm;
import loghost.store.RecordView;

/** Reads {@code reference.conf} plus an optional file into {@link Settings}; every mistake names its key. */
public final class SettingsLoader {

    private SettingsLoader() {
    }

    /** Loads the defaults, overridden by {@code file} when it is not null. */
    public static Settings load(Path file) {
        Config reference = ConfigFactory.parseResources(SettingsLoader.class.getClassLoader(), "reference.conf",
                ConfigParseOptions.defaults().setAllowMissing(false)).resolve();
        Config config = reference;
        if (file != null) {
            if (!Files.exists(file)) {
                throw new ConfigError("no such file: " + file);
            }
            if (!Files.isRegularFile(file)) {
                throw new ConfigError("config file " + file + " is not a file");
            }
            Config user;
            try {
                user = ConfigFactory.parseFile(file.toFile(), ConfigParseOptions.defaults().setAllowMissing(false));
            } catch (ConfigException e) {
                throw new ConfigError("config file " + file + located(e));
            }
            TreeSet<String> unknown = new TreeSet<>();
            for (Map.Entry<String, ConfigValue> e : user.entrySet()) {
                if (!reference.hasPathOrNull(e.getKey())) {
                    unknown.add(e.getKey());
                }
            }
            if (!unknown.isEmpty()) {
                throw new ConfigError("config file " + file + ": unknown setting " + String.join(", ", unknown)
                        + " (see reference.conf for the settings that exist)");
            }
            try {
                config = user.withFallback(reference).resolve();
                config.checkValid(reference, "loghost");
            } catch (ConfigException e) {
                throw new ConfigError("config file " + file + ": " + e.getMessage());
            }
        }
        try {
            return read(config.getConfig("loghost"));
        } catch (ConfigException e) {
            throw new ConfigError((file == null ? "built-in defaults" : "config file " + file) + ": "
                    + e.getMessage());
        }
    }

    private static Settings read(Config c) {
        String digestName = c.getString("store.digest");
        DigestAlgorithm digest = DigestAlgorithm.byName(digestName).orElseThrow(() -> new ConfigError(
                "loghost.store.digest: unknown algorithm \"" + digestName + "\" (sha256, sha512, md5)"));
        long maxLine = c.getBytes("store.max-line");
        if (maxLine < 1 || maxLine > RecordView.MAX_MESSAGE_BYTES) {
            throw new ConfigError("loghost.store.max-line: must be between 1 byte and 1MiB, got " + maxLine);
        }
        Settings.Store store = new Settings.Store(digest, (int) maxLine,
                nonNegative(c, "store.fsync-interval"));
        Settings.Ssh ssh = new Settings.Ssh(positive(c, "ssh.auth-timeout"), atLeastOne(c, "ssh.max-auth-requests"),
                positive(c, "ssh.idle-timeout"), atLeastOne(c, "ssh.max-sessions-per-host"),
                positive(c, "ssh.keys-reload-interval"), atLeastOne(c, "ssh.max-unauthenticated"),
                atLeastOne(c, "ssh.max-connections-per-source"), atLeastOne(c, "ssh.max-channels-per-connection"),
                atLeastOne(c, "ssh.max-connections-per-host"));
        Settings.Crypto crypto = new Settings.Crypto(nonEmpty(c, "ssh.ciphers"), nonEmpty(c, "ssh.macs"),
                nonEmpty(c, "ssh.kex-algorithms"), nonEmpty(c, "ssh.signatures"));
        Settings.Audit audit = new Settings.Audit(atLeastOne(c, "audit.refusals-per-second"));
        // forward.to: one loghost as a string, or several as a list of strings.
        java.util.List<String> to = c.getValue("forward.to").valueType() == com.typesafe.config.ConfigValueType.LIST
                ? java.util.List.copyOf(c.getStringList("forward.to")) : java.util.List.of(c.getString("forward.to"));
        Settings.Forward forward = new Settings.Forward(to, Path.of(c.getString("forward.key")),
                Path.of(c.getString("forward.known-hosts")), Path.of(c.getString("forward.spool-dir")),
                c.getBytes("forward.spool-max"), nonNegative(c, "forward.heartbeat-interval"),
                c.getString("forward.fifo"), c.getString("forward.file"), c.getBoolean("forward.file-from-start"),
                c.getString("forward.stream"), positive(c, "forward.destination-max-lag"));
        String metrics = c.getString("metrics.listen");
        return new Settings(Path.of(c.getString("data-dir")), parseListen(c.getString("listen")), store, ssh, crypto,
                audit, forward, new Settings.Metrics(metrics.isEmpty() ? java.util.Optional.empty()
                        : java.util.Optional.of(parseListen("loghost.metrics.listen", metrics))),
                new Settings.Seal(c.getBoolean("seal.enabled"), epoch(c), c.getString("seal.witness-file").isEmpty()
                        ? java.util.Optional.empty() : java.util.Optional.of(Path.of(c.getString("seal.witness-file")))),
                housekeeping(c));
    }

    // An epoch ends at every multiple of its length since midnight UTC, so one always ends at midnight.
    private static Duration epoch(Config c) {
        Duration d = positive(c, "seal.epoch");
        long ms = d.toMillis();
        if (ms < 1000 || ms > 86_400_000L || 86_400_000L % ms != 0 || d.toNanos() % 1_000_000 != 0) {
            throw new ConfigError("loghost.seal.epoch: " + d + " must be between 1s and 1d and divide a day evenly"
                    + " (e.g. 10s, 1m, 5m, 1h)");
        }
        return d;
    }

    private static final java.util.Set<String> S3_KEYS = java.util.Set.of("bucket", "prefix", "endpoint", "region",
            "access-key", "secret-key", "object-lock-days");

    private static Settings.S3 s3(String dest, Config s) {
        for (String key : s.root().keySet()) {
            if (!S3_KEYS.contains(key)) {
                throw new ConfigError("loghost.archive.destinations: " + dest + ": unknown s3 setting " + key + " ("
                        + String.join(", ", new TreeSet<>(S3_KEYS)) + ")");
            }
        }
        String prefix = s.hasPath("prefix") ? s.getString("prefix") : "";
        if (!prefix.isEmpty() && !prefix.endsWith("/")) {
            prefix += "/";
        }
        int lockDays = s.hasPath("object-lock-days") ? s.getInt("object-lock-days") : 0;
        if (lockDays < 0) {
            throw new ConfigError("loghost.archive.destinations: " + dest + ": object-lock-days must not be negative");
        }
        String access = s.hasPath("access-key") ? s.getString("access-key") : "";
        String secret = s.hasPath("secret-key") ? s.getString("secret-key") : "";
        if (access.isEmpty() != secret.isEmpty()) {
            throw new ConfigError("loghost.archive.destinations: " + dest + ": set both access-key and secret-key, or "
                    + "neither (the SDK's default chain)");
        }
        return new Settings.S3(s.getString("bucket"), prefix, s.hasPath("endpoint") ? s.getString("endpoint") : "",
                s.hasPath("region") ? s.getString("region") : "us-east-1", access, secret, lockDays);
    }

    private static Settings.Housekeeping housekeeping(Config c) {
        java.util.List<Settings.ArchiveDestination> dests = new java.util.ArrayList<>();
        java.util.Set<String> names = new java.util.HashSet<>();
        for (Config d : c.getConfigList("archive.destinations")) {
            for (String key : d.root().keySet()) {
                if (!key.equals("name") && !key.equals("directory") && !key.equals("s3")) {
                    throw new ConfigError("loghost.archive.destinations: unknown setting " + key
                            + " (a destination has name, and directory or s3)");
                }
            }
            String name = d.getString("name");
            if (!name.matches("[a-z0-9][a-z0-9_-]{0,31}") || !names.add(name)) {
                throw new ConfigError("loghost.archive.destinations: name \"" + name + "\" must be unique and "
                        + "match [a-z0-9][a-z0-9_-]{0,31}");
            }
            if (d.hasPath("directory") == d.hasPath("s3")) {
                throw new ConfigError("loghost.archive.destinations: " + name + " needs either directory or s3");
            }
            dests.add(d.hasPath("directory") ? new Settings.ArchiveDestination(name, Path.of(d.getString("directory")))
                    : new Settings.ArchiveDestination(name, null, s3(name, d.getConfig("s3"))));
        }
        Duration deleteAfter = nonNegative(c, "retention.delete-after");
        if (!deleteAfter.isZero() && !dests.isEmpty()) {
            throw new ConfigError("loghost.retention.delete-after: only without archive.destinations (archived files "
                    + "leave the disk once archived)");
        }
        return new Settings.Housekeeping(c.getBoolean("housekeeping.compress"), positive(c, "housekeeping.interval"),
                nonNegative(c, "retention.online"), deleteAfter, java.util.List.copyOf(dests));
    }

    /** Parses a duration as written in config files ({@code 100ms}, {@code 60s}, {@code 10m}). */
    public static java.time.Duration parseDuration(String option, String text) {
        try {
            return ConfigFactory.parseString("v = \"" + text.replace("\"", "") + "\"").getDuration("v");
        } catch (ConfigException e) {
            throw new ConfigError(option + ": \"" + text + "\" is not a duration (e.g. 500ms, 60s, 10m)");
        }
    }

    /** Parses a size as written in config files ({@code 64KiB}, {@code 256MiB}). */
    public static long parseBytes(String option, String text) {
        try {
            return ConfigFactory.parseString("v = \"" + text.replace("\"", "") + "\"").getBytes("v");
        } catch (ConfigException e) {
            throw new ConfigError(option + ": \"" + text + "\" is not a size (e.g. 64KiB, 256MiB)");
        }
    }

    /** Parses {@code HOST:PORT} or {@code [IPV6]:PORT} without resolving names other than literals. */
    public static InetSocketAddress parseListen(String s) {
        return parseListen(null, s);
    }

    /** Like {@link #parseListen(String)}, naming {@code option} (a flag or key) in the error when not null. */
    public static InetSocketAddress parseListen(String option, String s) {
        try {
            return parseAddress(s);
        } catch (ConfigError e) {
            throw option == null ? e : new ConfigError(option + ": " + e.getMessage());
        }
    }

    private static InetSocketAddress parseAddress(String s) {
        int colon = s.lastIndexOf(':');
        if (colon <= 0 || colon == s.length() - 1) {
            throw new ConfigError("listen address \"" + s + "\" must be HOST:PORT");
        }
        String host = s.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port;
        try {
            port = Integer.parseInt(s.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new ConfigError("listen address \"" + s + "\": bad port");
        }
        if (port < 0 || port > 65535) {
            throw new ConfigError("listen address \"" + s + "\": port out of range");
        }
        return new InetSocketAddress(host, port);
    }

    // Typesafe Config prefixes its message with "FILE: LINE: "; say it once, as "line N".
    private static String located(ConfigException e) {
        if (e.origin() == null || e.origin().lineNumber() < 0) {
            return ": " + e.getMessage();
        }
        String prefix = e.origin().description() + ": ";
        String message = e.getMessage().startsWith(prefix) ? e.getMessage().substring(prefix.length()) : e.getMessage();
        return " line " + e.origin().lineNumber() + ": " + message;
    }

    private static Duration positive(Config c, String key) {
        Duration d = c.getDuration(key);
        if (d.isNegative() || d.isZero()) {
            throw new ConfigError("loghost." + key + ": must be positive, got " + d);
        }
        return d;
    }

    private static Duration nonNegative(Config c, String key) {
        Duration d = c.getDuration(key);
        if (d.isNegative()) {
            throw new ConfigError("loghost." + key + ": must not be negative, got " + d);
        }
        return d;
    }

    private static java.util.List<String> nonEmpty(Config c, String key) {
        java.util.List<String> l = c.getStringList(key);
        if (l.isEmpty()) {
            throw new ConfigError("loghost." + key + ": must name at least one algorithm");
        }
        return java.util.List.copyOf(l);
    }

    private static int atLeastOne(Config c, String key) {
        int v = c.getInt(key);
        if (v < 1) {
            throw new ConfigError("loghost." + key + ": must be at least 1, got " + v);
        }
        return v;
    }

    /** A configuration mistake, with a message that names the key or file. */
    public static final class ConfigError extends RuntimeException {
        private static final long serialVersionUID = 1L;

        ConfigError(String message) {
            super(message);
        }
    }
}
