package loghost.cli;

import java.nio.file.Path;
import loghost.config.Settings;
import loghost.config.SettingsLoader;
import picocli.CommandLine.Option;

/** The options every subcommand shares: where the config file and the data directory are. */
final class DataOptions {

    /** Set by the packaged launcher to /etc/loghost/loghost.conf, so that an installed loghost finds its config. */
    static final String CONFIG_ENV = "LOGHOST_CONFIG";

    @Option(names = "--config", paramLabel = "FILE", description = "HOCON config file (default: $LOGHOST_CONFIG, "
            + "which the installed launcher sets to /etc/loghost/loghost.conf; else the built-in defaults)")
    Path config;

    @Option(names = "--data", paramLabel = "DIR", description = "data directory (overrides loghost.data-dir; "
            + "default ./data)")
    Path data;

    /** The config file in use: --config, else $LOGHOST_CONFIG, else none (null). */
    Path configFile() {
        String env = System.getenv(CONFIG_ENV);
        return config != null ? config : env == null || env.isEmpty() ? null : Path.of(env);
    }

    /**
     * The data directory of {@link #settings()} for a command that only reads it: one that is missing or cannot be
     * entered is an error naming it, never an empty store (no "OK" about data that is not there).
     */
    Path existingDataDir() throws java.io.IOException {
        Path dir = settings().dataDir();
        if (!java.nio.file.Files.isDirectory(dir)) {
            throw new java.io.IOException("data directory " + dir.toAbsolutePath().normalize() + " does not exist"
                    + (configFile() == null ? " (no config file: give --data or --config)" : " (loghost.data-dir in "
                    + configFile() + ")"));
        }
        if (!java.nio.file.Files.isReadable(dir) || !java.nio.file.Files.isExecutable(dir)) {
            throw new java.io.IOException("data directory " + dir.toAbsolutePath().normalize() + " cannot be read by"
                    + " this user (run as the loghost user: sudo -u loghost loghost ...)");
        }
        return dir;
    }

    /** The settings, with the flags applied over the config file over the defaults. */
    Settings settings() {
        String env = System.getenv(CONFIG_ENV);
        Settings s = SettingsLoader.load(config != null ? config : env == null || env.isEmpty() ? null : Path.of(env));
        return data == null ? s : s.withDataDir(data);
    }
}
