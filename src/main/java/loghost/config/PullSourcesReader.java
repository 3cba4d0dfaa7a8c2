package loghost.config;

import com.typesafe.config.Config;
import java.nio.file.Path;
import java.security.PublicKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import loghost.config.SettingsLoader.ConfigError;
import loghost.servelogs.RemotePath;
import loghost.store.HostName;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.apache.sshd.common.config.keys.PublicKeyEntryResolver;

/**
 * Reads {@code loghost.pull.sources}: each source object over {@code loghost.pull.source-defaults}, so that what a
 * source leaves out has its default in reference.conf, not here.
 */
final class PullSourcesReader {

    /** Where a source's omitted settings come from. */
    static final String DEFAULTS = "loghost.pull.source-defaults";

    private static final Set<String> KEYS = Set.of("host", "address", "port", "user", "key", "known-host", "follow",
            "from-start", "collect", "collect-interval", "journal");

    private PullSourcesReader() {
    }

    static List<PullSettings.Source> read(Config c, String key) {
        try {
            return sources(c, key);
        } catch (ConfigError e) {
            // A source is a block of several lines: say which file holds it, as for a syntax error.
            String file = c.getValue(key).origin().filename();
            throw file == null ? e : new ConfigError("config file " + file + ": " + e.getMessage());
        }
    }

    private static List<PullSettings.Source> sources(Config c, String key) {
        Config defaults = c.getConfig(DEFAULTS);
        List<PullSettings.Source> sources = new ArrayList<>();
        Set<String> hosts = new HashSet<>();
        List<? extends Config> list = c.getConfigList(key);
        for (int i = 0; i < list.size(); i++) {
            PullSettings.Source s = source(key + "[" + i + "]", list.get(i), defaults);
            if (!hosts.add(s.host())) {
                throw new ConfigError(key + "[" + i + "].host: " + s.host() + " is configured twice");
            }
            sources.add(s);
        }
        return List.copyOf(sources);
    }

    private static PullSettings.Source source(String at, Config given, Config defaults) {
        Set<String> unknown = new TreeSet<>();
        for (Map.Entry<String, ?> e : given.root().entrySet()) {
            if (!KEYS.contains(e.getKey())) {
                unknown.add(e.getKey());
            }
        }
        if (!unknown.isEmpty()) {
            throw new ConfigError(at + ": unknown setting " + String.join(", ", unknown)
                    + " (a source has " + String.join(", ", new TreeSet<>(KEYS)) + ")");
        }
        Config s = given.withFallback(defaults);
        String host = s.getString("host");
        if (!HostName.isEnrollable(host)) {
            throw new ConfigError(at + ".host: \"" + host + "\" is not a host name ([a-z0-9][a-z0-9.-]{0,62})");
        }
        int port = s.getInt("port");
        if (port < 1 || port > 65535) {
            throw new ConfigError(at + ".port: out of range");
        }
        PublicKey knownHost = knownHost(at, s.getString("known-host").strip());
        List<String> follow = s.getStringList("follow");
        for (String p : follow) {
            if (!RemotePath.isPath(p)) {
                throw new ConfigError(at + ".follow: \"" + p + "\" is not an absolute path of "
                        + "[A-Za-z0-9._+@:,=%-] components");
            }
        }
        List<String> collect = s.getStringList("collect");
        for (String p : collect) {
            if (!RemotePath.isPattern(p)) {
                throw new ConfigError(at + ".collect: \"" + p + "\" is not an absolute path or pattern");
            }
        }
        Duration interval = Units.duration(at + ".collect-interval", s.getValue("collect-interval"));
        if (interval.isNegative() || interval.isZero()) {
            throw new ConfigError(at + ".collect-interval: must be positive");
        }
        return new PullSettings.Source(host, s.getString("address"), port, s.getString("user"),
                Path.of(s.getString("key")), knownHost, List.copyOf(follow), s.getBoolean("from-start"),
                List.copyOf(collect), interval, s.getBoolean("journal"));
    }

    private static PublicKey knownHost(String at, String line) {
        try {
            return PublicKeyEntry.parsePublicKeyEntry(line).resolvePublicKey(null, Map.of(),
                    PublicKeyEntryResolver.FAILING);
        } catch (Exception e) {
            throw new ConfigError(at + ".known-host: not an OpenSSH public key line (\"ssh-ed25519 "
                    + "AAAA...\", as in the source's /etc/ssh/ssh_host_ed25519_key.pub): " + e.getMessage());
        }
    }
}
