package loghost.config;

import com.typesafe.config.Config;

/**
 * One row of {@link SettingsTable}: a key under {@code loghost} (its default is in reference.conf), how its value is
 * read and checked, and when a changed value takes effect in a running {@code serve}.
 */
public final class Setting<T> {

    /** When a changed value takes effect in a running {@code serve}. */
    public enum Reload {
        /** SIGHUP applies it. */
        LIVE,
        /** Only a restart applies it; SIGHUP names it under {@code needs-restart}. */
        RESTART,
        /** {@code serve} does not read it ({@code loghost forward}'s settings); SIGHUP does not mention it. */
        NOT_SERVED
    }

    /** Reads the value at {@code key} (with "loghost.") of the merged configuration; a mistake names the key. */
    interface Reader<T> {
        T read(Config root, String key);
    }

    private final String path;
    private final Reload reload;
    private final Reader<T> reader;

    Setting(String path, Reload reload, Reader<T> reader) {
        this.path = path;
        this.reload = reload;
        this.reader = reader;
    }

    /** The key under {@code loghost}, as reference.conf spells it (e.g. {@code store.fsync-interval}). */
    public String path() {
        return path;
    }

    /** The full key, as errors and SIGHUP name it (e.g. {@code loghost.store.fsync-interval}). */
    public String key() {
        return "loghost." + path;
    }

    /** When a changed value takes effect. */
    public Reload reload() {
        return reload;
    }

    T read(Config root) {
        return reader.read(root, key());
    }

    @Override
    public String toString() {
        return key();
    }
}
