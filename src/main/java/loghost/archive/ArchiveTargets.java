package loghost.archive;

import java.time.Clock;
import loghost.config.Settings;
import loghost.housekeeping.StepObserver;

/** Builds the {@link Destination} a configured archive destination names. */
public final class Destinations {

    private Destinations() {
    }

    /** A directory or S3 destination, as configured; a directory one tells {@code steps} of its copies. */
    public static Destination of(Settings.ArchiveDestination d, Clock clock, StepObserver steps) {
        return d.directory() != null ? new DirectoryDestination(d.name(), d.directory(), steps)
                : new S3Destination(d.name(), d.s3(), clock);
    }

    /** As {@link #of(Settings.ArchiveDestination, Clock, StepObserver)}, for reading: nothing is copied there. */
    public static Destination of(Settings.ArchiveDestination d, Clock clock) {
        return of(d, clock, StepObserver.NONE);
    }
}
