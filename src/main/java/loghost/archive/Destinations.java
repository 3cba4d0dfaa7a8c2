package loghost.archive;

import java.time.Clock;
import loghost.config.Settings;

/** Builds the {@link Destination} a configured archive destination names. */
public final class Destinations {

    private Destinations() {
    }

    /** A directory or S3 destination, as configured. */
    public static Destination of(Settings.ArchiveDestination d, Clock clock) {
        return d.directory() != null ? new DirectoryDestination(d.name(), d.directory())
                : new S3Destination(d.name(), d.s3(), clock);
    }
}
