package loghost.archive;

import java.time.Clock;
import loghost.config.Settings;
import loghost.store.StepObserver;

/** Builds the {@link ArchiveTarget} a configured archive destination names. */
public final class ArchiveTargets {

    private ArchiveTargets() {
    }

    /** A directory or S3 destination, as configured; a directory one tells {@code steps} of its copies. */
    public static ArchiveTarget of(Settings.ArchiveDestination d, Clock clock, StepObserver steps) {
        return d.directory() != null ? new DirectoryTarget(d.name(), d.directory(), steps)
                : new S3Target(d.name(), d.s3(), clock);
    }

    /** As {@link #of(Settings.ArchiveDestination, Clock, StepObserver)}, for reading: nothing is copied there. */
    public static ArchiveTarget of(Settings.ArchiveDestination d, Clock clock) {
        return of(d, clock, StepObserver.NONE);
    }
}
