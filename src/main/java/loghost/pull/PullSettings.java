package loghost.pull;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import java.nio.file.Path;
import java.security.PublicKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import loghost.servelogs.RemotePath;
import loghost.store.HostName;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.apache.sshd.common.config.keys.PublicKeyEntryResolver;

/** The pull sources of {@code loghost.pull} (README, "Pull mode"), read once into immutable records. */
public record PullSettings(List<Source> sources, Duration backoffMin, Duration backoffMax, long collectMaxBytes) {

    /** The default of {@code collect-max-bytes}: 1 GiB. */
    static final long COLLECT_MAX_BYTES = 1L << 30;

    /** Settings with the default {@code collect-max-bytes}. */
    public PullSettings(List<Source> sources, Duration backoffMin, Duration backoffMax) {
        this(sources, backoffMin, backoffMax, COLLECT_MAX_BYTES);
    }

    private static final Set<String> KEYS = Set.of("host", "address", "port", "user", "key", "known-host", "follow",
            "from-start", "collect", "collect-interval", "journal");

    /** One source: {@code host} is the identity its records are filed under, whatever the remote says. */
    public record Source(String host, String address, int port, String user, Path key, PublicKey knownHost,
            List<String> follow, boolean fromStart, List<String> collect, Duration collectInterval,
            boolean journal) {

        /** The SHA256 fingerprint of the configured host key. */
        public String knownHostFingerprint() {
            return KeyUtils.getFingerPrint(knownHost);
        }
    }

    /** No sources: pull mode off. */
    public static PullSettings none() {
        return new PullSettings(List.of(), Duration.ofSeconds(1), Duration.ofSeconds(60));
    }

    /** The source filed under {@code host}, or null. */
    public Source source(String host) {
        return sources.stream().filter(s -> s.host().equals(host)).findFirst().orElse(null);
    }

    /** Reads {@code loghost.pull} from {@code file} over reference.conf (null: the defaults, no sources). */
    public static PullSettings load(Path file) {
        Config reference = ConfigFactory.parseResources(PullSettings.class.getClassLoader(), "reference.conf");
        Config config = reference;
        String where = "built-in defaults";
        if (file != null) {
            where = "config file " + file;
            try {
                config = ConfigFactory.parseFile(file.toFile(), ConfigParseOptions.defaults().setAllowMissing(false))
                        .withFallback(reference);
            } catch (ConfigException e) {
                throw new IllegalArgumentException(where + ": " + e.getMessage());
            }
        }
        try {
            return read(config.resolve().getConfig("loghost.pull"));
        } catch (ConfigException | IllegalArgumentException e) {
            throw new IllegalArgumentException(where + ": " + e.getMessage());
        }
    }

    private static PullSettings read(Config c) {
        Duration min = c.getDuration("backoff-min");
        Duration max = c.getDuration("backoff-max");
        if (min.isNegative() || min.isZero() || max.compareTo(min) < 0) {
            throw new IllegalArgumentException("loghost.pull.backoff-min must be positive and at most backoff-max");
        }
        long collectMax = c.getBytes("collect-max-bytes");
        if (collectMax <= 0) {
            throw new IllegalArgumentException("loghost.pull.collect-max-bytes must be positive");
        }
        List<Source> sources = new ArrayList<>();
        Set<String> hosts = new HashSet<>();
        List<? extends Config> list = c.getConfigList("sources");
        for (int i = 0; i < list.size(); i++) {
            Source s = source("loghost.pull.sources[" + i + "]", list.get(i));
            if (!hosts.add(s.host())) {
                throw new IllegalArgumentException("loghost.pull.sources[" + i + "].host: " + s.host()
                        + " is configured twice");
            }
            sources.add(s);
        }
        return new PullSettings(List.copyOf(sources), min, max, collectMax);
    }

    private static Source source(String at, Config s) {
        Set<String> unknown = new TreeSet<>();
        for (Map.Entry<String, ?> e : s.root().entrySet()) {
            if (!KEYS.contains(e.getKey())) {
                unknown.add(e.getKey());
            }
        }
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException(at + ": unknown setting " + String.join(", ", unknown)
                    + " (a source has " + String.join(", ", new TreeSet<>(KEYS)) + ")");
        }
        String host = s.getString("host");
        if (!HostName.isEnrollable(host)) {
            throw new IllegalArgumentException(at + ".host: \"" + host + "\" is not a host name "
                    + "([a-z0-9][a-z0-9.-]{0,62})");
        }
        int port = s.hasPath("port") ? s.getInt("port") : 22;
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException(at + ".port: out of range");
        }
        String line = s.getString("known-host").strip();
        PublicKey key;
        try {
            key = PublicKeyEntry.parsePublicKeyEntry(line).resolvePublicKey(null, Map.of(),
                    PublicKeyEntryResolver.FAILING);
        } catch (Exception e) {
            throw new IllegalArgumentException(at + ".known-host: not an OpenSSH public key line (\"ssh-ed25519 "
                    + "AAAA...\", as in the source's /etc/ssh/ssh_host_ed25519_key.pub): " + e.getMessage());
        }
        List<String> follow = s.hasPath("follow") ? s.getStringList("follow") : List.of();
        for (String p : follow) {
            if (!RemotePath.isPath(p)) {
                throw new IllegalArgumentException(at + ".follow: \"" + p + "\" is not an absolute path of "
                        + "[A-Za-z0-9._+@:,=%-] components");
            }
        }
        List<String> collect = s.hasPath("collect") ? s.getStringList("collect") : List.of();
        for (String p : collect) {
            if (!RemotePath.isPattern(p)) {
                throw new IllegalArgumentException(at + ".collect: \"" + p + "\" is not an absolute path or pattern");
            }
        }
        Duration interval = s.hasPath("collect-interval") ? s.getDuration("collect-interval") : Duration.ofHours(1);
        if (interval.isNegative() || interval.isZero()) {
            throw new IllegalArgumentException(at + ".collect-interval: must be positive");
        }
        return new Source(host, s.getString("address"), port, s.getString("user"), Path.of(s.getString("key")), key,
                List.copyOf(follow), s.hasPath("from-start") && s.getBoolean("from-start"), List.copyOf(collect),
                interval, s.hasPath("journal") && s.getBoolean("journal"));
    }
}
