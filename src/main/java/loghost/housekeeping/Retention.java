package loghost.housekeeping;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import loghost.archive.ArchiveTarget;
import loghost.archive.ArchiveTargets;
import loghost.config.Settings;
import loghost.store.Manifest;
import loghost.store.StepObserver;
import loghost.store.StoreFiles;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What happens to a host's compressed day files once their day is old enough (docs/FORMAT.md, "Archive and
 * retention"): each is copied to every archive destination and read back, marked in the MANIFEST, the manifest
 * copied along, and only then deleted online; or, with no destination and {@code retention.delete-after} set,
 * marked deleted and deleted. Oldest first; a host stops at its first failure, so what left is always the oldest.
 */
final class Retention {

    private static final Logger LOG = LoggerFactory.getLogger(Retention.class);

    private final Settings.Housekeeping settings;
    private final Consumer<String> audit;
    private final Clock clock;
    private final StepObserver steps;
    private final List<ArchiveTarget> destinations = new ArrayList<>();
    private final java.util.Map<String, List<String>> failures = new java.util.TreeMap<>();
    private boolean destinationFailed;

    Retention(Settings.Housekeeping settings, Consumer<String> audit, Clock clock, StepObserver steps) {
        this.settings = settings;
        this.audit = audit;
        this.clock = clock;
        this.steps = steps;
        for (Settings.ArchiveDestination d : settings.destinations()) {
            destinations.add(ArchiveTargets.of(d, clock, steps));
        }
    }

    /** Archives or deletes the host's old compressed files; failures are logged and audited, never thrown. */
    void host(String host, Path dir) {
        Duration keep = destinations.isEmpty() ? settings.deleteAfter() : settings.online();
        if (destinations.isEmpty() && keep.isZero()) {
            return; // no archive and no delete-after: files stay online for ever
        }
        Path manifest = dir.resolve(Manifest.NAME);
        if (!Files.exists(manifest, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        destinationFailed = false;
        try {
            StoreFiles.checkPrivateFile(manifest, "manifest");
            Manifest.Contents c = Manifest.read(manifest, host);
            if (c.problem() != null) {
                throw new IOException(Manifest.NAME + ":" + c.problemLine() + ": " + c.problem() + "; run loghost verify");
            }
            Instant now = clock.instant();
            for (Manifest.Entry e : c.entries()) {
                LocalDate day = LocalDate.parse(e.name().substring(0, 10));
                if (now.isBefore(day.plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant().plus(keep))) {
                    break;
                }
                Path file = dir.resolve(e.name());
                if (!Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
                    continue; // already archived or deleted
                }
                if (destinations.isEmpty()) {
                    Manifest.appendMark(manifest, host, e.name(), null);
                    steps.after("delete-marked");
                    remove(dir, file);
                    audit("deleted", host, e.name(), "reason=retention.delete-after");
                    continue;
                }
                archive(host, dir, manifest, file, e);
            }
        } catch (IOException | RuntimeException e) {
            String reason = ArchiveState.clean(reason(e));
            LOG.error("archive-failed host={} reason=\"{}\" (the online copy is kept; retried next pass)", host, reason);
            if (!destinationFailed) {
                // Not a destination's failure (a manifest problem): audited each time. A destination's failure is
                // audited once, when it starts failing (recordState), not at every pass for every host.
                audit.accept("archive-failed host=" + host + " reason=\"" + reason + "\"");
            }
        }
    }

    // Every destination gets the file (checked) and a mark, then the manifest; only then is the online copy deleted.
    private void archive(String host, Path dir, Path manifest, Path file, Manifest.Entry e) throws IOException {
        List<String> names = new ArrayList<>();
        for (ArchiveTarget d : destinations) {
            if (!Manifest.read(manifest, host).marked(e.name(), d.name())) {
                try {
                    d.put(host, file, e);
                } catch (IOException | RuntimeException x) {
                    failures.putIfAbsent(d.name(), List.of(host, ArchiveState.clean(reason(x))));
                    destinationFailed = true;
                    throw x;
                }
                Manifest.appendMark(manifest, host, e.name(), d.name());
                steps.after("archive-marked");
            }
            names.add(d.name());
        }
        for (ArchiveTarget d : destinations) {
            try {
                d.putManifest(host, manifest);
            } catch (IOException | RuntimeException x) {
                failures.putIfAbsent(d.name(), List.of(host, ArchiveState.clean(reason(x))));
                destinationFailed = true;
                throw x;
            }
        }
        steps.after("archive-manifest-copied");
        remove(dir, file);
        audit("archived", host, e.name(), "to=" + String.join(",", names));
    }

    /** After a pass: records each destination's state in {@code DATA/archive.state} (for status), then forgets. */
    void recordState(Path data) {
        if (destinations.isEmpty()) {
            return;
        }
        try {
            java.util.Map<String, ArchiveState.Dest> before = ArchiveState.read(data);
            java.util.Map<String, ArchiveState.Dest> now = new java.util.TreeMap<>();
            Instant at = clock.instant();
            for (ArchiveTarget d : destinations) {
                List<String> f = failures.get(d.name());
                ArchiveState.Dest was = before.get(d.name());
                boolean wasFailing = was != null && was.since() != null;
                Instant since = f == null ? null : wasFailing ? was.since() : at;
                now.put(d.name(), new ArchiveState.Dest(d.name(), since, at, f == null ? null : f.get(0),
                        f == null ? null : f.get(1)));
                if (f != null && !wasFailing) {
                    audit.accept("archive-failed dest=" + d.name() + " host=" + f.get(0) + " reason=\"" + f.get(1)
                            + "\" (online copies kept; audited again only once it recovers and fails anew)");
                } else if (f == null && wasFailing) {
                    audit.accept("archive-recovered dest=" + d.name());
                }
            }
            ArchiveState.write(data, now);
        } catch (IOException | RuntimeException e) {
            LOG.warn("archive-state-not-saved reason=\"{}\" (status may show an older state)", e.getMessage());
        }
        failures.clear();
    }

    /**
     * What went wrong, in words: java.nio's file exceptions carry only the path as their message (an audit line
     * {@code reason="/mnt/nas/loghost/hosts"} said nothing), so the kind is named, and a cause's text is added.
     */
    static String reason(Throwable x) {
        String text;
        if (x instanceof java.nio.file.FileSystemException f && f.getFile() != null) {
            String kind = f instanceof java.nio.file.NoSuchFileException ? "no such file"
                    : f instanceof java.nio.file.AccessDeniedException ? "permission denied"
                    : f instanceof java.nio.file.FileAlreadyExistsException ? "exists already"
                    : f instanceof java.nio.file.NotDirectoryException ? "not a directory"
                    : f.getReason() != null ? f.getReason() : f.getClass().getSimpleName();
            text = kind + ": " + f.getFile() + (f.getOtherFile() == null ? "" : " -> " + f.getOtherFile());
        } else {
            text = x.getMessage() == null ? x.getClass().getSimpleName() : x.getMessage();
        }
        Throwable cause = x.getCause();
        if (cause != null && cause != x && (cause.getMessage() == null || !text.contains(cause.getMessage()))) {
            text += " (cause: " + reason(cause) + ")";
        }
        return text;
    }

    private void remove(Path dir, Path file) throws IOException {
        Files.delete(file);
        StoreFiles.syncDirectory(dir);
        steps.after("online-deleted");
    }

    private void audit(String what, String host, String name, String rest) {
        LOG.info("{} host={} file={} {}", what, host, name, rest);
        audit.accept(what + " host=" + host + " file=" + name + " " + rest);
    }
}
