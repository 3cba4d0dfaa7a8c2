package loghost.config;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import loghost.config.SettingsLoader.ConfigError;

/**
 * Which config file a command reads, for every command alike: {@code --config FILE}, else {@code $LOGHOST_CONFIG},
 * else none (the built-in defaults). A file named either way that is missing or cannot be read is an error naming
 * it, never a quiet fall-back to the defaults (whose data directory is {@code ./data}).
 */
public final class ConfigFile {

    /** Set by the installed launcher (README, "Running it in production"); empty means "no file". */
    public static final String ENV = "LOGHOST_CONFIG";

    private ConfigFile() {
    }

    /** {@code flag} when given, else {@code $LOGHOST_CONFIG} when set and not empty, else null. */
    public static Path chosen(Path flag) {
        if (flag != null) {
            return flag;
        }
        String env = System.getenv(ENV);
        return env == null || env.isEmpty() ? null : Path.of(env);
    }

    /** Throws a {@link ConfigError} naming {@code file} unless it is a regular file this user can read. */
    static void checkReadable(Path file) {
        BasicFileAttributes attributes;
        try {
            attributes = Files.readAttributes(file, BasicFileAttributes.class);
        } catch (NoSuchFileException e) {
            throw new ConfigError("no such file: " + file);
        } catch (AccessDeniedException e) {
            throw unreadable(file, "permission denied on a directory above it");
        } catch (FileSystemException e) {
            // e.g. "Not a directory": a path under a regular file
            throw unreadable(file, e.getReason() == null ? e.toString() : e.getReason());
        } catch (IOException e) {
            throw unreadable(file, e.toString());
        }
        if (!attributes.isRegularFile()) {
            throw new ConfigError("config file " + file + " is not a file");
        }
        if (!Files.isReadable(file)) {
            throw unreadable(file, "permission denied");
        }
    }

    private static ConfigError unreadable(Path file, String why) {
        return new ConfigError("config file " + file + " cannot be read (" + why + "); run loghost as the user "
                + "the config is meant for (e.g. sudo -u loghost loghost ...), or name another with --config");
    }
}
