package loghost.config;

import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueFactory;
import com.typesafe.config.ConfigValueType;
import java.time.Duration;
import loghost.config.SettingsLoader.ConfigError;

/**
 * Durations ({@code 500ms}, {@code 60s}, {@code 10m}, {@code 1d}) and sizes ({@code 64KiB}, {@code 256MiB}) as the
 * config file and the command line both write them: one grammar (Typesafe Config's) and one error message for both.
 */
public final class Units {

    private Units() {
    }

    /** Parses a duration given on the command line; {@code where} (a flag) is named in the error. */
    public static Duration duration(String where, String text) {
        return duration(where, ConfigValueFactory.fromAnyRef(text));
    }

    /** Parses a size given on the command line; {@code where} (a flag) is named in the error. */
    public static long bytes(String where, String text) {
        return bytes(where, ConfigValueFactory.fromAnyRef(text));
    }

    // The value as written: a string, or a bare number (milliseconds, bytes), as in the config file.
    static Duration duration(String where, ConfigValue value) {
        try {
            return ConfigFactory.empty().withValue("v", value).getDuration("v");
        } catch (ConfigException e) {
            throw new ConfigError(where + ": " + text(value) + " is not a duration (e.g. 500ms, 60s, 10m)");
        }
    }

    static long bytes(String where, ConfigValue value) {
        try {
            return ConfigFactory.empty().withValue("v", value).getBytes("v");
        } catch (ConfigException e) {
            throw new ConfigError(where + ": " + text(value) + " is not a size (e.g. 64KiB, 256MiB)");
        }
    }

    private static String text(ConfigValue value) {
        return value.valueType() == ConfigValueType.STRING ? "\"" + value.unwrapped() + "\"" : value.render();
    }
}
