package loghost.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import loghost.config.ConfigFile;
import loghost.config.Settings;
import loghost.config.SettingsLoader;
import picocli.CommandLine.Option;

/** The options every subcommand shares: where the config file and the data directory are. */
final class DataOptions {

    @Option(names = "--config", paramLabel = "FILE", description = "HOCON config file (default: $LOGHOST_CONFIG, "
            + "which the installed launcher sets to /etc/loghost/loghost.conf; else the built-in defaults)")
    Path config;

    @Option(names = "--data", paramLabel = "DIR", description = "data directory (overrides loghost.data-dir; "
            + "default ./data)")
    Path data;

    /** The config file in use: --config, else $LOGHOST_CONFIG, else none (null). */
    Path configFile() {
        return ConfigFile.chosen(config);
    }

    /**
     * The data directory of {@link #settings()} for a command that only reads it: one that is missing or cannot be
     * entered is an error naming it, never an empty store (no "OK" about data that is not there).
     */
    Path existingDataDir() throws IOException {
        return existingDataDir(settings());
    }

    /** As {@link #existingDataDir()}, for settings the command has already read. */
    Path existingDataDir(Settings settings) throws IOException {
        Path dir = settings.dataDir();
        if (!Files.isDirectory(dir)) {
            throw new IOException("data directory " + dir.toAbsolutePath().normalize() + " does not exist"
                    + (configFile() == null ? " (no config file: give --data or --config)" : " (loghost.data-dir in "
                    + configFile() + ")"));
        }
        if (!Files.isReadable(dir) || !Files.isExecutable(dir)) {
            throw new IOException("data directory " + dir.toAbsolutePath().normalize() + " cannot be read by"
                    + " this user (run as the loghost user; as root, with no sudo needed: runuser -u loghost -- "
                    + "loghost ...)");
        }
        return dir;
    }

    /** The settings, with the flags applied over the config file over the defaults; read anew at every call. */
    Settings settings() {
        Settings s = SettingsLoader.load(configFile());
        return data == null ? s : s.withDataDir(data);
    }
}
