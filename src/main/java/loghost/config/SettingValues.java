package loghost.config;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/** The value of every row of {@link SettingsTable}, read and checked; and which keys the config file set. */
final class SettingValues {

    private final Map<Setting<?>, Object> values;
    private final Set<String> inFile;

    SettingValues(Map<Setting<?>, Object> values, Set<String> inFile) {
        this.values = Map.copyOf(values);
        this.inFile = Set.copyOf(inFile);
    }

    /** The value of {@code setting}. */
    @SuppressWarnings("unchecked")
    <T> T get(Setting<T> setting) {
        Object v = values.get(setting);
        if (v == null) {
            throw new IllegalStateException(setting + " is not in SettingsTable.ALL");
        }
        return (T) v;
    }

    /** A copy with {@code setting} set to {@code value} (a command-line flag over the file). */
    <T> SettingValues with(Setting<T> setting, T value) {
        Map<Setting<?>, Object> copy = new HashMap<>(values);
        copy.put(setting, value);
        return new SettingValues(copy, inFile);
    }

    /** True when the config file gave {@code setting} a value (false: its default from reference.conf). */
    boolean inFile(Setting<?> setting) {
        return inFile.contains(setting.key());
    }
}
