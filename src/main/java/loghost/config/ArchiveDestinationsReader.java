package loghost.config;

import com.typesafe.config.Config;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import loghost.config.SettingsLoader.ConfigError;
import loghost.names.DestinationName;

/** Reads {@code loghost.archive.destinations}: directories and S3 buckets, each with a unique name. */
final class ArchiveDestinationsReader {

    private static final Set<String> S3_KEYS = Set.of("bucket", "prefix", "endpoint", "region", "access-key",
            "secret-key", "object-lock-days");

    private ArchiveDestinationsReader() {
    }

    static List<Settings.ArchiveDestination> read(Config c, String key) {
        List<Settings.ArchiveDestination> dests = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (Config d : c.getConfigList(key)) {
            for (String k : d.root().keySet()) {
                if (!k.equals("name") && !k.equals("directory") && !k.equals("s3")) {
                    throw new ConfigError(key + ": unknown setting " + k
                            + " (a destination has name, and directory or s3)");
                }
            }
            String name = d.getString("name");
            if (!DestinationName.isValid(name) || !names.add(name)) {
                throw new ConfigError(key + ": name \"" + name + "\" must be unique and "
                        + "match " + DestinationName.GRAMMAR);
            }
            if (d.hasPath("directory") == d.hasPath("s3")) {
                throw new ConfigError(key + ": " + name + " needs either directory or s3");
            }
            dests.add(d.hasPath("directory") ? new Settings.ArchiveDestination(name, Path.of(d.getString("directory")))
                    : new Settings.ArchiveDestination(name, null, s3(key, name, d.getConfig("s3"))));
        }
        return List.copyOf(dests);
    }

    private static Settings.S3 s3(String key, String dest, Config s) {
        for (String k : s.root().keySet()) {
            if (!S3_KEYS.contains(k)) {
                throw new ConfigError(key + ": " + dest + ": unknown s3 setting " + k + " ("
                        + String.join(", ", new TreeSet<>(S3_KEYS)) + ")");
            }
        }
        String prefix = s.hasPath("prefix") ? s.getString("prefix") : "";
        if (!prefix.isEmpty() && !prefix.endsWith("/")) {
            prefix += "/";
        }
        int lockDays = s.hasPath("object-lock-days") ? s.getInt("object-lock-days") : 0;
        if (lockDays < 0) {
            throw new ConfigError(key + ": " + dest + ": object-lock-days must not be negative");
        }
        String access = s.hasPath("access-key") ? s.getString("access-key") : "";
        String secret = s.hasPath("secret-key") ? s.getString("secret-key") : "";
        if (access.isEmpty() != secret.isEmpty()) {
            throw new ConfigError(key + ": " + dest + ": set both access-key and secret-key, or "
                    + "neither (the SDK's default chain)");
        }
        return new Settings.S3(s.getString("bucket"), prefix, s.hasPath("endpoint") ? s.getString("endpoint") : "",
                s.hasPath("region") ? s.getString("region") : "us-east-1", access, secret, lockDays);
    }
}
