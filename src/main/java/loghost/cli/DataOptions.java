package loghost.cli;

import java.nio.file.Path;
import loghost.config.Settings;
import loghost.config.SettingsLoader;
import picocli.CommandLine.Option;

/** The options every subcommand shares: where the config file and the data directory are. */
final class DataOptions {

    @Option(names = "--config", paramLabel = "FILE", description = "HOCON config file (defaults: reference.conf)")
    Path config;

    @Option(names = "--data", paramLabel = "DIR", description = "data directory (overrides loghost.data-dir; "
            + "default ./data)")
    Path data;

    /** The settings, with the flags applied over the config file over the defaults. */
    Settings settings() {
        Settings s = SettingsLoader.load(config);
        return data == null ? s : s.withDataDir(data);
    }
}
