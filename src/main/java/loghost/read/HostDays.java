package loghost.read;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import loghost.config.Settings;
import loghost.store.Manifest;
import loghost.verify.ArchiveVerifier;
import loghost.verify.VerifyReport;

/**
 * The day files of one host in chain order: those in its directory, and, when {@link Archives} are given, those its
 * MANIFEST marks as archived or deleted (docs/FORMAT.md, "Archive and retention"). An archived day is read from a
 * directory destination once its copy checks against the online MANIFEST entry and the chain, as {@code archive
 * restore} checks it; any other is reported as not read.
 */
final class HostDays {

    /** A day that left the host directory: its MANIFEST entry, the entry before it, where it went. */
    private record Gone(Manifest.Entry entry, Manifest.Entry before, List<String> to, boolean deleted) {
    }

    private final Path dir;
    private final String host;
    private final Archives archives;
    private final TreeMap<String, Gone> gone = new TreeMap<>();
    private final Map<String, Path> checked = new HashMap<>();
    private final String untilDay;

    /**
     * The days of {@code hostDir}; with {@code archives} null, only those in the directory. A day that left it and
     * begins at or after {@code until} (a TIME, or null) holds nothing asked for and is passed over unreported.
     */
    HostDays(Path hostDir, Archives archives, String until) throws IOException {
        this.dir = hostDir;
        this.untilDay = until == null ? null : until.substring(0, 10);
        this.host = hostDir.getFileName().toString();
        this.archives = archives;
        if (!Files.isDirectory(hostDir, LinkOption.NOFOLLOW_LINKS)) {
            throw new IOException("no such host directory: " + hostDir);
        }
        Path manifest = hostDir.resolve(Manifest.NAME);
        if (archives != null && Files.exists(manifest, LinkOption.NOFOLLOW_LINKS)) {
            readManifest(manifest);
        }
    }

    // The days marked archived or deleted (the marks are read once: reading goes forward, and days leave oldest first).
    private void readManifest(Path manifest) throws IOException {
        Manifest.Contents c = Manifest.read(manifest, host);
        if (c.problem() != null) {
            archives.notRead(host, Manifest.NAME, "line " + c.problemLine() + ": " + c.problem() + ": the days it "
                    + "lists as archived or deleted are not known (run loghost verify)");
            return;
        }
        Manifest.Entry before = null;
        for (Manifest.Entry e : c.entries()) {
            List<String> to = c.marks().stream().filter(m -> m.name().equals(e.name()) && m.to() != null)
                    .map(Manifest.Mark::to).toList();
            if (!to.isEmpty() || c.marked(e.name(), null)) {
                gone.put(day(e.name()), new Gone(e, before, to, c.marked(e.name(), null)));
            }
            before = e;
        }
    }

    /** The host's name. */
    String host() {
        return host;
    }

    /** The host directory. */
    Path dir() {
        return dir;
    }

    /** The day files, oldest first: those in the directory (listed now) and those that left it. */
    List<String> names() throws IOException {
        TreeMap<String, String> byDay = new TreeMap<>();
        for (Map.Entry<String, Gone> g : gone.entrySet()) {
            byDay.put(g.getKey(), g.getValue().entry().name());
        }
        for (String n : HostReader.dayFiles(dir)) {
            byDay.put(day(n), n);
        }
        return new ArrayList<>(byDay.values());
    }

    /** True when {@code name} is in the host directory (not a day read from an archive or not read at all). */
    boolean online(String name) {
        return !gone.containsKey(day(name)) || Files.exists(dir.resolve(name), LinkOption.NOFOLLOW_LINKS);
    }

    /** The SEQ of the first record of day file {@code name}: from its header, or from its MANIFEST entry. */
    long firstSeq(String name) throws IOException {
        return online(name) ? HostReader.firstSeq(dir.resolve(name)) : gone.get(day(name)).entry().firstSeq();
    }

    /**
     * The file where reading for {@code since} (a TIME, or null: from the start) begins: null for the oldest, else
     * the first day file of that day or later (a file holds no TIME after its day), or the one before it when that
     * is online, so that a line split across the two comes out whole.
     */
    String startFor(String since) throws IOException {
        if (since == null) {
            return null;
        }
        List<String> names = names();
        String sinceDay = since.substring(0, 10);
        int i = 0;
        while (i < names.size() && day(names.get(i)).compareTo(sinceDay) < 0) {
            i++;
        }
        if (i == names.size()) {
            return names.isEmpty() ? null : names.get(names.size() - 1);
        }
        return i > 0 && online(names.get(i - 1)) ? names.get(i - 1) : names.get(i);
    }

    /**
     * The file to read for {@code name}: the host directory's, or an archived copy that checks; null when the day
     * cannot be read here, after reporting why and how to get it back.
     */
    Path open(String name) throws IOException {
        if (online(name)) {
            return dir.resolve(name);
        }
        if (checked.containsKey(name)) {
            return checked.get(name);
        }
        if (untilDay != null && day(name).compareTo(untilDay) > 0) {
            return null; // its records are of its day (or, after a clock stepped back a day or more, earlier)
        }
        Gone g = gone.get(day(name));
        Path file = g.deleted() ? null : checkedCopy(g);
        checked.put(name, file);
        if (file == null) {
            archives.notRead(host, name, why(g));
        }
        return file;
    }

    // The first directory destination whose copy checks; its findings are told when it does not.
    private Path checkedCopy(Gone g) {
        for (String to : g.to()) {
            Settings.ArchiveDestination d = archives.destination(to);
            if (d == null || d.directory() == null) {
                continue;
            }
            Path file = d.directory().resolve("hosts").resolve(host).resolve(g.entry().name());
            VerifyReport r = new VerifyReport();
            if (ArchiveVerifier.checkFile(host, file, to + ":hosts/" + host + "/" + g.entry().name(), g.entry(),
                    g.before(), r)) {
                return file;
            }
            r.findings().forEach(f -> archives.finding(f.toString()));
        }
        return null;
    }

    private String why(Gone g) {
        if (g.deleted()) {
            return "was deleted by retention (retention.delete-after); it cannot be read or restored";
        }
        String day = day(g.entry().name());
        List<String> s3 = g.to().stream().filter(t -> archives.destination(t) != null
                && archives.destination(t).directory() == null).toList();
        if (!s3.isEmpty()) {
            return "is archived to " + String.join(", ", g.to()) + " and not online; " + s3.get(0) + " is an S3 "
                    + "bucket, which is not read here: " + archives.restoreCommand(host, day, s3.get(0));
        }
        List<String> directories = g.to().stream().filter(t -> archives.destination(t) != null).toList();
        if (!directories.isEmpty()) {
            return "is archived to " + String.join(", ", g.to()) + " and no copy there checks (see loghost archive "
                    + "verify)";
        }
        return "is archived to " + String.join(", ", g.to()) + ", which the config in use does not name "
                + "(archive.destinations; give --config)";
    }

    private static String day(String fileName) {
        return fileName.substring(0, 10);
    }
}
