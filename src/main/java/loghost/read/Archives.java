package loghost.read;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import loghost.config.Settings;

/**
 * Where {@code cat}, {@code tail} and {@code grep} look for the days a host's MANIFEST says left the host directory:
 * the configured archive destinations. A directory destination is read; a day that cannot be read here (archived to
 * S3 or to a destination this config does not name, deleted by retention, or a copy that does not check) is told to
 * {@code report} once, with how to get it back, and counted, so that the command can exit with a status of its own.
 */
public final class Archives {

    private final List<Settings.ArchiveDestination> destinations;
    private final String restoreFlags;
    private final Consumer<String> report;
    private final Set<String> reported = new HashSet<>();

    /**
     * The destinations of the config in use; {@code restoreFlags} are the {@code --data}/{@code --config} flags to
     * repeat in the restore command shown ("" for none); {@code report} takes each line for stderr.
     */
    public Archives(List<Settings.ArchiveDestination> destinations, String restoreFlags, Consumer<String> report) {
        this.destinations = List.copyOf(destinations);
        this.restoreFlags = restoreFlags;
        this.report = report;
    }

    /** How many days were asked for and not read. */
    public int daysNotRead() {
        return reported.size();
    }

    /** The destination named {@code name}, or null when this config names none. */
    Settings.ArchiveDestination destination(String name) {
        return destinations.stream().filter(d -> d.name().equals(name)).findFirst().orElse(null);
    }

    /** Tells a finding about a copy that was tried (a line of {@code archive verify}'s form). */
    void finding(String line) {
        report.accept(line);
    }

    /** Tells, once per host and day, that {@code name} of {@code host} was not read, and why. */
    void notRead(String host, String name, String why) {
        if (reported.add(host + "/" + name)) {
            report.accept("loghost: not read: hosts/" + host + "/" + name + " " + why);
        }
    }

    /** The command that brings {@code day} of {@code host} back from {@code dest} into a tree cat --data reads. */
    String restoreCommand(String host, String day, String dest) {
        return "loghost archive restore" + restoreFlags + " --host " + host + " --day " + day + " --dest " + dest
                + " --to loghost-restored (then read it with --data loghost-restored)";
    }
}
