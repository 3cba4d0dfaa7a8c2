package loghost.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import loghost.config.PullSettings;
import loghost.config.Settings;
import loghost.config.SettingsLoader;
import loghost.config.Units;
import loghost.housekeeping.DayGaps;
import loghost.housekeeping.LastSeen;
import loghost.keys.EnrolledKey;
import loghost.keys.EnrolledKeys;
import loghost.keys.EnrolledKeysFile;
import loghost.store.HostName;
import loghost.store.HostSummary;
import loghost.store.StorageException;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code loghost status}: per host, when it was last heard (from its stored history, closed and archived days
 * included) and when it last sent a log line; enrolled hosts never heard from and hosts whose key is gone are
 * listed as such. Exit 1 when a host is silent, sends no log lines for longer than allowed, or was never seen (or
 * Nagios codes with --nagios).
 */
@Command(name = "status", mixinStandardHelpOptions = true, description = "A summary line, then per host: last "
        + "record, last heartbeat, records, bytes, chain head, last log line, state (ok, SILENT, NO-LOGS, "
        + "NEVER-SEEN, revoked); exit 1 if a host is silent, sends no log lines for longer than --max-silence, or an "
        + "enrolled host was never seen (a monitoring check; --nagios for Nagios codes). With seals, a line says "
        + "since when the newest epoch is unproven.")
final class StatusCommand implements Callable<Integer> {

    /** Nagios plugin exit codes. */
    private static final int NAGIOS_WARNING = 1;
    private static final int NAGIOS_CRITICAL = 2;
    private static final int NAGIOS_UNKNOWN = 3;

    @Mixin
    DataOptions options;

    @Option(names = "--silent-after", paramLabel = "DURATION", defaultValue = "10m",
            description = "flag hosts with no record at all (heartbeats included: the forwarder is dead) for this "
                    + "long (default 10m): state SILENT")
    String silentAfter;

    @Option(names = "--max-silence", paramLabel = "[GLOB=]DURATION", description = "flag hosts whose last log "
            + "line (a log or cont record: their logs stopped flowing, heartbeats or not) is older than this: state "
            + "NO-LOGS; repeatable, GLOB=DURATION for the hosts a glob matches (e.g. 'db*=2h'; the first match "
            + "wins over a plain DURATION); default: not checked")
    List<String> maxSilence;

    @Option(names = "--gaps", description = "also count each host's gap records (lines it never got: a spool "
            + "overflow, journal entries vacuumed before they were read, a file truncated in place) of today and "
            + "yesterday (UTC), reading those days whole; a host with any is a WARNING for --nagios")
    boolean gaps;

    @ParentCommand
    Main main;

    @ArgGroup(exclusive = true)
    Format format;

    /** Output formats other than the table. */
    static final class Format {
        @Option(names = "--json", description = "one JSON object: the summary and every host")
        boolean json;

        @Option(names = "--nagios", description = "one Nagios plugin line; exit 0 OK, 1 WARNING (an enrolled host "
                + "never seen, or no checkpoint for over two epochs plus 5 minutes), 2 CRITICAL (a host silent, or "
                + "without log lines past --max-silence), 3 "
                + "UNKNOWN (status cannot be read)")
        boolean nagios;
    }

    @Spec
    CommandSpec spec;

    /** One host's row: what is stored, when it was last heard from, and its state. */
    private record Row(String host, HostSummary summary, LastSeen seen, String state) {
    }

    /** The state of a host whose forwarder is alive but whose own log lines stopped for longer than allowed. */
    private static final String NO_LOGS = "NO-LOGS";

    @Override
    public Integer call() throws IOException, StorageException {
        Duration limit = Units.duration("--silent-after", silentAfter);
        MaxSilence logLimits = MaxSilence.parse(maxSilence);
        Instant now = main.environment().clock().instant();
        boolean nagios = format != null && format.nagios;
        boolean json = format != null && format.json;
        PrintWriter out = spec.commandLine().getOut();
        List<Row> rows;
        UnprovenEpoch unproven;
        Map<String, DayGaps> gapsOf;
        Path data;
        PullSettings pull;
        try {
            Settings settings = options.settings();
            data = options.existingDataDir(settings);
            // Pull sources are expected hosts too: they have no enrolled key, and are not "revoked" for it.
            pull = settings.pull();
            rows = rows(data, limit, logLimits, now, pull.sources().stream().map(PullSettings.Source::host).toList());
            unproven = UnprovenEpoch.read(data, settings.seal().epoch(), settings.seal().enabled(), now);
            gapsOf = gaps ? gaps(data, rows, now) : null;
        } catch (IOException | StorageException | IllegalArgumentException | SettingsLoader.ConfigError e) {
            if (nagios) {
                out.println("LOGHOST UNKNOWN - " + e.getMessage().replaceAll("[^ -~]", "?"));
                return NAGIOS_UNKNOWN;
            }
            throw e;
        }
        int ok = count(rows, "ok");
        int silent = count(rows, "SILENT");
        int never = count(rows, "NEVER-SEEN");
        int revoked = count(rows, "revoked");
        int noLogs = count(rows, NO_LOGS);
        // Without --max-silence the line is what it always was: checks parse it.
        String summary = rows.size() + " host" + (rows.size() == 1 ? "" : "s") + ": " + ok + " ok, " + silent
                + " silent, " + never + " never seen, " + revoked + " revoked"
                + (logLimits.none() ? "" : ", " + noLogs + " without log lines");
        int wroteSince = unproven == null ? 0 : (int) rows.stream().filter(r -> unproven.covers(r.seen())).count();
        long gapRecords = gapsOf == null ? 0 : gapsOf.values().stream().mapToLong(DayGaps::count).sum();
        long gapHosts = gapsOf == null ? 0 : gapsOf.values().stream().filter(g -> g.count() > 0).count();
        if (gapsOf != null) {
            summary += "; " + gapRecords + " gap record" + (gapRecords == 1 ? "" : "s") + " in " + gapHosts
                    + " host" + (gapHosts == 1 ? "" : "s") + " since " + gapsFrom(now) + " (UTC)";
        }
        if (nagios) {
            boolean stale = unproven != null && unproven.stale();
            boolean critical = silent + noLogs > 0;
            boolean warning = never > 0 || stale || gapHosts > 0;
            String level = critical ? "CRITICAL" : warning ? "WARNING" : "OK";
            out.println("LOGHOST " + level + " - " + summary + (unproven == null ? "" : "; seal unproven since "
                    + unproven.since() + (stale ? " (" + unproven.state().name() + ")" : "")) + " | hosts="
                    + rows.size() + " ok=" + ok
                    + " silent=" + silent + " never_seen=" + never + " revoked=" + revoked
                    + (logLimits.none() ? "" : " no_logs=" + noLogs) + (unproven == null ? ""
                    : " unproven_seconds=" + Math.max(0, Duration.between(loghost.seal.SealBlock.instant(
                    unproven.since()), now).toSeconds())) + (gapsOf == null ? "" : " gaps=" + gapRecords));
            return critical ? NAGIOS_CRITICAL : warning ? NAGIOS_WARNING : 0;
        }
        if (json) {
            out.println(json(rows, ok, silent, never, revoked, logLimits.none() ? null : noLogs, unproven, gapsOf));
        } else {
            out.println("status: " + summary);
            out.println("HOST\tLAST-RECORD\tLAST-HEARTBEAT\tRECORDS\tBYTES\tHEAD\tLAST-LOG\tSTATE");
            for (Row r : rows) {
                HostSummary s = r.summary();
                LastSeen seen = r.seen();
                out.println(r.host() + "\t" + text(seen.record(), seen.recordBefore()) + "\t"
                        + text(seen.heartbeat(), null) + "\t" + s.records() + "\t" + s.bytes() + "\t"
                        + (s.head() == null ? "-" : s.head().substring(0, 16)) + "\t"
                        + text(seen.log(), seen.logBefore()) + "\t" + r.state());
            }
            if (unproven != null) {
                out.println(unproven.line(wroteSince));
            }
            if (gapsOf != null) {
                gapLines(gapsOf).forEach(out::println);
            }
            if (!pull.sources().isEmpty()) {
                out.println("PULL-SOURCE\tADDRESS\tSTATE\tSINCE\tLAST-RECORD\tLAST-COLLECTION\tLAST-ERROR");
                for (PullSettings.Source p : pull.sources()) {
                    java.util.Map<String, String> st = loghost.pull.PullState.read(
                            data.resolve(loghost.pull.PullSources.STATE_DIR).resolve(p.host()));
                    out.println(p.host() + "\t" + p.address() + ":" + p.port() + "\t" + st.getOrDefault("state",
                            "not-started") + "\t" + st.getOrDefault("since", "-") + "\t" + st.getOrDefault(
                            "last-record", "-") + "\t" + st.getOrDefault("last-collection", "-") + "\t"
                            + st.getOrDefault("last-error", "-"));
                }
            }
            loghost.housekeeping.ArchiveState.statusLines(data).forEach(out::println);
        }
        return silent + never + noLogs == 0 ? 0 : Main.ERROR;
    }

    private static List<Row> rows(Path data, Duration limit, MaxSilence logLimits, Instant now, List<String> pulled)
            throws IOException, StorageException {
        Path hosts = data.resolve("hosts");
        Set<String> withLogs = new TreeSet<>();
        if (Files.isDirectory(hosts, LinkOption.NOFOLLOW_LINKS)) {
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(hosts)) {
                for (Path d : ds) {
                    // The audit trail and anything else is not a host that should be heard from.
                    String name = d.getFileName().toString();
                    if (HostName.isEnrollable(name) && Files.isDirectory(d, LinkOption.NOFOLLOW_LINKS)) {
                        withLogs.add(name);
                    }
                }
            }
        }
        Set<String> enrolled = new TreeSet<>();
        EnrolledKeysFile keysFile = new EnrolledKeysFile(data);
        if (Files.exists(keysFile.path(), LinkOption.NOFOLLOW_LINKS)) {
            EnrolledKeys keys = keysFile.load();
            for (EnrolledKey k : keys.all()) {
                enrolled.add(k.host());
            }
        }
        enrolled.addAll(pulled);
        Set<String> all = new TreeSet<>(withLogs);
        all.addAll(enrolled);
        List<Row> rows = new ArrayList<>();
        for (String host : all) {
            Duration logLimit = logLimits.of(host);
            // Read back as far as a limit can reach: a host quiet since yesterday is judged by yesterday's records.
            Duration horizon = logLimit != null && logLimit.compareTo(limit) > 0 ? logLimit : limit;
            HostSummary s = withLogs.contains(host) ? HostSummary.of(hosts.resolve(host))
                    : new HostSummary(host, 0, 0, null, null);
            LastSeen seen = withLogs.contains(host) ? LastSeen.read(hosts.resolve(host), horizon, now)
                    : LastSeen.NEVER;
            rows.add(new Row(host, s, seen, state(enrolled.contains(host), seen, limit, logLimit, now)));
        }
        return rows;
    }

    /** The state of a host: alive (any record) is checked first, then whether its own lines flow. */
    private static String state(boolean enrolled, LastSeen seen, Duration limit, Duration logLimit, Instant now) {
        if (!enrolled) {
            return "revoked";
        }
        if (seen.recordAtMost() == null) {
            return "NEVER-SEEN";
        }
        if (Duration.between(seen.recordAtMost(), now).compareTo(limit) > 0) {
            return "SILENT";
        }
        if (logLimit != null && (seen.logAtMost() == null
                || Duration.between(seen.logAtMost(), now).compareTo(logLimit) > 0)) {
            return NO_LOGS;
        }
        return "ok";
    }

    private static int count(List<Row> rows, String state) {
        return (int) rows.stream().filter(r -> r.state().equals(state)).count();
    }

    // An exact time, or "<T" when only a bound is known (no such record since T), or "-" for none.
    private static String text(Instant t, Instant before) {
        return t != null ? t.toString() : before != null ? "<" + before : "-";
    }

    // Host names, times, digests and states are all plain ASCII without quotes or backslashes.
    // noLogs: null without --max-silence, so that the object is what it always was.
    private static String json(List<Row> rows, int ok, int silent, int never, int revoked, Integer noLogs,
            UnprovenEpoch unproven, Map<String, DayGaps> gapsOf) {
        StringBuilder b = new StringBuilder("{\"hosts\":").append(rows.size()).append(",\"ok\":").append(ok)
                .append(",\"silent\":").append(silent).append(",\"never-seen\":").append(never)
                .append(",\"revoked\":").append(revoked).append(noLogs == null ? "" : ",\"no-logs\":" + noLogs)
                .append(",\"host\":[");
        for (int i = 0; i < rows.size(); i++) {
            Row r = rows.get(i);
            HostSummary s = r.summary();
            LastSeen seen = r.seen();
            b.append(i == 0 ? "" : ",").append("{\"name\":\"").append(r.host()).append("\",\"state\":\"")
                    .append(r.state()).append("\",\"records\":").append(s.records()).append(",\"bytes\":")
                    .append(s.bytes()).append(",\"last-record\":").append(quoted(seen.record()))
                    .append(",\"last-heartbeat\":").append(quoted(seen.heartbeat())).append(",\"head\":")
                    .append(s.head() == null ? "null" : "\"" + s.head() + "\"")
                    .append(",\"last-log\":").append(quoted(seen.log()));
            if (seen.recordBefore() != null) {
                b.append(",\"last-record-before\":").append(quoted(seen.recordBefore()));
            }
            if (seen.logBefore() != null) {
                b.append(",\"last-log-before\":").append(quoted(seen.logBefore()));
            }
            DayGaps g = gapsOf == null ? null : gapsOf.get(r.host());
            if (g != null) {
                // The stored text is escaped printable ASCII; only its backslashes and quotes need JSON's escape.
                b.append(",\"gaps\":").append(g.count()).append(",\"last-gap\":").append(quoted(g.newestTime()))
                        .append(",\"last-gap-text\":").append(g.newestText() == null ? "null" : "\""
                        + g.newestText().replace("\\", "\\\\").replace("\"", "\\\"") + "\"");
            }
            if (unproven != null) {
                b.append(",\"unproven-since\":").append(unproven.covers(seen) ? "\"" + unproven.since() + "\""
                        : "null");
            }
            b.append('}');
        }
        b.append(']');
        if (unproven != null) {
            b.append(",\"seal\":{\"unproven-since\":\"").append(unproven.since()).append("\",\"after-epoch\":")
                    .append(unproven.afterEpoch()).append(",\"state\":\"").append(unproven.state().word())
                    .append("\"}");
        }
        return b.append('}').toString();
    }

    // Yesterday, UTC: what --gaps reads from.
    private static LocalDate gapsFrom(Instant now) {
        return LocalDate.ofInstant(now, ZoneOffset.UTC).minusDays(1);
    }

    // The gap records of every host with a directory, of yesterday and today.
    private static Map<String, DayGaps> gaps(Path data, List<Row> rows, Instant now) throws IOException {
        Map<String, DayGaps> out = new TreeMap<>();
        LocalDate from = gapsFrom(now);
        for (Row r : rows) {
            Path dir = data.resolve("hosts").resolve(r.host());
            if (Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
                out.put(r.host(), DayGaps.read(dir, from, from.plusDays(1)));
            }
        }
        return out;
    }

    // Text: the hosts with gap records, and days that could not be counted because they are no longer online.
    private static List<String> gapLines(Map<String, DayGaps> gapsOf) {
        List<String> lines = new ArrayList<>();
        lines.add("GAP-HOST\tGAPS\tLAST-GAP\tLAST-GAP-TEXT");
        gapsOf.forEach((host, g) -> {
            if (g.count() > 0) {
                lines.add(host + "\t" + g.count() + "\t" + g.newestTime() + "\t" + g.newestText());
            }
            for (LocalDate d : g.notOnline()) {
                lines.add("gaps: " + host + " " + d + " is not online (archived); not counted");
            }
        });
        return lines;
    }

    private static String quoted(Instant t) {
        return t == null ? "null" : "\"" + t + "\"";
    }
}
