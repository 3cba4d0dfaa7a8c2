package loghost.names;

import java.time.LocalDate;
import java.util.regex.Pattern;

/**
 * The names of a host's day files (docs/FORMAT.md, "Files"): {@code YYYY-MM-DD.log}, {@code .log.gz} once
 * compressed, and the {@code .tmp} of each while it is being made. Every pattern's group 1 is the day.
 */
public final class DayFileName {

    /** The day part, {@code YYYY-MM-DD}. */
    public static final String DAY = "[0-9]{4}-[0-9]{2}-[0-9]{2}";
    /** A day file: {@code DAY.log}. */
    public static final Pattern PLAIN = Pattern.compile("(" + DAY + ")\\.log");
    /** A compressed day file's name, for patterns that hold one: {@code DAY.log.gz}. */
    public static final String COMPRESSED_GRAMMAR = DAY + "\\.log\\.gz";
    /** A compressed day file: {@code DAY.log.gz}. */
    public static final Pattern COMPRESSED = Pattern.compile("(" + DAY + ")\\.log\\.gz");
    /** A day file as stored: {@code DAY.log}, or {@code DAY.log.gz} once closed and compressed. */
    public static final Pattern STORED = Pattern.compile("(" + DAY + ")\\.log(?:\\.gz)?");
    /** A day file being created: header written, not yet renamed into place. */
    public static final Pattern UNFINISHED = Pattern.compile("(" + DAY + ")\\.log\\.tmp");
    /** A compressed day file being written, not yet renamed into place. */
    public static final Pattern COMPRESSING = Pattern.compile("(" + DAY + ")\\.log\\.gz\\.tmp");

    private DayFileName() {
    }

    /** The day file of {@code day}: {@code DAY.log}. */
    public static String plain(LocalDate day) {
        return day + ".log";
    }

    /** The compressed day file of {@code day}: {@code DAY.log.gz}. */
    public static String compressed(LocalDate day) {
        return day + ".log.gz";
    }

    /** Whether {@code name} is a day file as stored (plain or compressed). */
    public static boolean isStored(String name) {
        return STORED.matcher(name).matches();
    }
}
