package loghost.config;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;

/** Which settings differ between two {@link Settings}, by their config key, and which of them SIGHUP can apply. */
public final class SettingsChanges {

    /** The keys (without "loghost.") a running server applies on SIGHUP: {@link Setting.Reload#LIVE} in the table. */
    public static final Set<String> LIVE = SettingsTable.ALL.stream()
            .filter(s -> s.reload() == Setting.Reload.LIVE).map(Setting::path).collect(Collectors.toUnmodifiableSet());

    private SettingsChanges() {
    }

    /**
     * The keys (without "loghost.") of the server's settings that differ, in the table's order; {@code forward.*}
     * is not the server's and is never listed.
     */
    public static List<String> between(Settings before, Settings after) {
        List<String> changed = new ArrayList<>();
        for (Setting<?> s : SettingsTable.ALL) {
            if (s.reload() != Setting.Reload.NOT_SERVED
                    && !Objects.equals(comparable(before.get(s)), comparable(after.get(s)))) {
                changed.add(s.path());
            }
        }
        return changed;
    }

    // "./data" and "data" are the same directory: the server's files do not move.
    private static Object comparable(Object value) {
        return value instanceof Path p ? p.toAbsolutePath().normalize() : value;
    }
}
