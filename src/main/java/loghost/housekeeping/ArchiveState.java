package loghost.housekeeping;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import loghost.names.DayFileName;
import loghost.names.DestinationName;
import loghost.store.DurableFile;
import loghost.store.Manifest;
import loghost.store.StoreFiles;

/**
 * {@code DATA/archive.state} (docs/FORMAT.md, "Archive state"): one line per destination saying how serve's last
 * housekeeping pass went there, so that {@code loghost status}, another process, can show a failing archive.
 */
public final class ArchiveState {

    /** The file's name in the data directory. */
    public static final String NAME = "archive.state";

    private static final Pattern LINE = Pattern.compile("(" + DestinationName.GRAMMAR + ") (ok|failing) (\\S+) (\\S+)"
            + "( host=(\\S+) reason=\"([^\"]*)\")?");

    /** One destination's state: failing since {@code since} (null when ok), as of the pass at {@code at}. */
    public record Dest(String name, Instant since, Instant at, String host, String reason) {
        /** The line as written, without LF. */
        String line() {
            return name + (since == null ? " ok - " + at : " failing " + since + " " + at + " host=" + host
                    + " reason=\"" + reason + "\"");
        }
    }

    private ArchiveState() {
    }

    /** Reads the file; empty when it does not exist; lines that do not fit the grammar are skipped. */
    public static Map<String, Dest> read(Path data) throws IOException {
        Map<String, Dest> m = new TreeMap<>();
        Path f = data.resolve(NAME);
        if (!Files.exists(f, LinkOption.NOFOLLOW_LINKS)) {
            return m;
        }
        StoreFiles.checkPrivateFile(f, "archive state file");
        for (String l : Files.readAllLines(f, StandardCharsets.US_ASCII)) {
            Matcher x = LINE.matcher(l);
            if (x.matches()) {
                boolean failing = x.group(2).equals("failing");
                m.put(x.group(1), new Dest(x.group(1), failing ? Instant.parse(x.group(3)) : null,
                        Instant.parse(x.group(4)), x.group(6), x.group(7)));
            }
        }
        return m;
    }

    /** Replaces the file (0600, written as .tmp, forced, renamed). */
    static void write(Path data, Map<String, Dest> dests) throws IOException {
        StringBuilder b = new StringBuilder();
        for (Dest d : dests.values()) {
            b.append(d.line()).append('\n');
        }
        DurableFile.replace(data.resolve(NAME), b.toString().getBytes(StandardCharsets.US_ASCII));
    }

    /** A reason as it can stand in the file: printable ASCII without double quotes. */
    static String clean(String reason) {
        return String.valueOf(reason).replaceAll("[^ -~]", "?").replace('"', '\'');
    }

    /**
     * {@code loghost status}'s lines about the store: disk used and days online, then per destination the files
     * archived there (from the manifests' marks) and the last pass's state.
     */
    public static List<String> statusLines(Path data) throws IOException {
        List<String> lines = new ArrayList<>();
        Path hosts = data.resolve("hosts");
        if (!Files.isDirectory(hosts, LinkOption.NOFOLLOW_LINKS)) {
            return lines;
        }
        long bytes = 0;
        int plain = 0;
        int compressed = 0;
        String first = null;
        String last = null;
        Map<String, Integer> archived = new TreeMap<>();
        for (String host : Housekeeper.hostNames(hosts)) {
            Path dir = hosts.resolve(host);
            try (var s = Files.list(dir)) {
                for (Path p : s.toList()) {
                    String n = p.getFileName().toString();
                    if (!DayFileName.isStored(n) && !n.equals("MANIFEST")) {
                        continue;
                    }
                    bytes += Files.size(p);
                    if (n.equals(Manifest.NAME)) {
                        continue;
                    }
                    if (n.endsWith(".gz")) {
                        compressed++;
                    } else {
                        plain++;
                    }
                    String day = n.substring(0, 10);
                    first = first == null || day.compareTo(first) < 0 ? day : first;
                    last = last == null || day.compareTo(last) > 0 ? day : last;
                }
            }
            Path m = dir.resolve(Manifest.NAME);
            if (Files.exists(m, LinkOption.NOFOLLOW_LINKS)) {
                for (Manifest.Mark k : Manifest.read(m, host).marks()) {
                    archived.merge(k.to() == null ? "" : k.to(), 1, Integer::sum);
                }
            }
        }
        lines.add("disk: " + bytes + " bytes in hosts/, " + (plain + compressed) + " day files online (" + plain
                + " plain, " + compressed + " compressed)" + (first == null ? "" : ", " + first + " to " + last));
        Map<String, Dest> state = read(data);
        TreeMap<String, Boolean> names = new TreeMap<>();
        archived.keySet().forEach(k -> names.put(k, true));
        state.keySet().forEach(k -> names.put(k, true));
        for (String d : names.keySet()) {
            int n = archived.getOrDefault(d, 0);
            if (d.isEmpty()) {
                lines.add("retention: " + n + " files deleted (retention.delete-after)");
                continue;
            }
            Dest s = state.get(d);
            String how = s == null ? "no pass recorded"
                    : s.since() == null ? "last pass ok at " + s.at()
                    : "FAILING since " + s.since() + " (last pass " + s.at() + "): host=" + s.host() + " "
                    + s.reason();
            // Not "0 files archived; last pass ok": an operator reads that as an archive that works, while nothing
            // has gone offsite yet (issue 21 item 17).
            boolean noneYet = n == 0 && s != null && s.since() == null;
            lines.add("archive " + d + ": " + (noneYet ? "nothing archived yet (no day was due); " : n
                    + " files archived; ") + how);
        }
        return lines;
    }
}
