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

    /** The settings, with the flags applied over the config file over the defaults. */
    Settings settings() {
        String env = System.getenv(CONFIG_ENV);
        Settings s = SettingsLoader.load(config != null ? config : env == null || env.isEmpty() ? null : Path.of(env));
        return data == null ? s : s.withDataDir(data);
    }
}
