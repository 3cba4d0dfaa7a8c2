package loghost.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigValue;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/** Reads {@code reference.conf} plus an optional file into {@link Settings}, row by row of {@link SettingsTable}. */
public final class SettingsLoader {

    private SettingsLoader() {
    }

    /**
     * Loads the defaults, overridden by {@code file} when it is not null. A mistake names the key, as "loghost.KEY:
     * ..."; one the config library finds (syntax, type), or one in a pull source, also names the file.
     */
    public static Settings load(Path file) {
        Config reference = reference();
        Config config = reference;
        Set<String> inFile = Set.of();
        String where = "built-in defaults";
        if (file != null) {
            where = "config file " + file;
            Config user = parse(file);
            inFile = keysOf(user);
            TreeSet<String> unknown = new TreeSet<>(inFile);
            unknown.removeAll(keysOf(reference));
            if (!unknown.isEmpty()) {
                throw new ConfigError(where + ": unknown setting " + String.join(", ", unknown)
                        + " (see reference.conf for the settings that exist)");
            }
            try {
                config = user.withFallback(reference).resolve();
                config.checkValid(reference, "loghost");
            } catch (ConfigException e) {
                throw new ConfigError(where + ": " + e.getMessage());
            }
        }
        Map<Setting<?>, Object> values = new HashMap<>();
        for (Setting<?> s : SettingsTable.ALL) {
            try {
                values.put(s, s.read(config));
            } catch (ConfigException e) {
                throw new ConfigError(where + ": " + e.getMessage());
            }
        }
        SettingValues read = new SettingValues(values, inFile);
        checkTogether(read);
        Settings settings = new Settings(read);
        if (file != null) {
            refuseSecretsOpenToOthers(file, settings);
        }
        return settings;
    }

    // reference.conf and the table must name the same keys: a row without a default, or a default nobody reads,
    // is a mistake in loghost itself.
    private static Config reference() {
        Config reference = ConfigFactory.parseResources(SettingsLoader.class.getClassLoader(), "reference.conf",
                ConfigParseOptions.defaults().setAllowMissing(false)).resolve();
        Set<String> table = new TreeSet<>();
        SettingsTable.ALL.forEach(s -> table.add(s.key()));
        if (!table.equals(keysOf(reference))) {
            throw new IllegalStateException("reference.conf and SettingsTable differ: " + table + " vs "
                    + keysOf(reference));
        }
        return reference;
    }

    private static Config parse(Path file) {
        ConfigFile.checkReadable(file);
        try {
            return ConfigFactory.parseFile(file.toFile(), ConfigParseOptions.defaults().setAllowMissing(false));
        } catch (ConfigException e) {
            throw new ConfigError("config file " + file + located(e));
        }
    }

    // The installed loghost.conf is world-readable: an archive secret in it would be every local user's.
    private static void refuseSecretsOpenToOthers(Path file, Settings settings) {
        boolean secrets = settings.housekeeping().destinations().stream()
                .anyMatch(d -> d.s3() != null && !d.s3().secretKey().isEmpty());
        if (!secrets) {
            return;
        }
        java.util.Set<java.nio.file.attribute.PosixFilePermission> mode;
        try {
            mode = java.nio.file.Files.getPosixFilePermissions(file);
        } catch (java.io.IOException e) {
            throw new ConfigError("config file " + file + ": cannot read its mode: " + e.getMessage());
        }
        if (mode.contains(java.nio.file.attribute.PosixFilePermission.OTHERS_READ)) {
            throw new ConfigError("config file " + file + " holds an archive secret-key but others can read it (mode "
                    + java.nio.file.attribute.PosixFilePermissions.toString(mode) + "): move the credentials to the "
                    + "environment (README, \"S3\"), or run: chown root:loghost " + file + " && chmod 640 " + file);
        }
    }

    // The settings a file sets, by full key. A list (pull.sources, archive.destinations) is one setting.
    private static Set<String> keysOf(Config c) {
        Set<String> keys = new TreeSet<>();
        for (Map.Entry<String, ConfigValue> e : c.entrySet()) {
            keys.add(e.getKey());
        }
        return keys;
    }

    // The rules that involve two keys.
    private static void checkTogether(SettingValues v) {
        if (!v.get(SettingsTable.RETENTION_DELETE_AFTER).isZero()
                && !v.get(SettingsTable.ARCHIVE_DESTINATIONS).isEmpty()) {
            throw new ConfigError("loghost.retention.delete-after: only without archive.destinations (archived files "
                    + "leave the disk once archived)");
        }
        Duration min = v.get(SettingsTable.PULL_BACKOFF_MIN);
        if (v.get(SettingsTable.PULL_BACKOFF_MAX).compareTo(min) < 0) {
            throw new ConfigError("loghost.pull.backoff-min must be positive and at most backoff-max");
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

    /** A configuration mistake, with a message that names the key or file. */
    public static final class ConfigError extends RuntimeException {
        private static final long serialVersionUID = 1L;

        ConfigError(String message) {
            super(message);
        }
    }
}
