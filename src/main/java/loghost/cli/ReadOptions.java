package loghost.cli;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import loghost.config.Settings;
import loghost.read.Archives;
import loghost.read.EntryFilter;
import loghost.read.EntryWriter;
import loghost.read.HostLines;
import loghost.read.HostSelection;
import loghost.read.SyslogFields;
import loghost.read.TimeArgument;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** What {@code loghost cat}, {@code tail} and {@code grep} share: which hosts, which records, how to print them. */
final class ReadOptions {

    /**
     * Exit status when a day asked for is not online and could not be read (archived to S3 or to a destination not
     * configured, deleted by retention, a copy that does not check): sysexits' EX_NOINPUT, apart from grep's 1 and 2.
     */
    static final int DAYS_NOT_READ = loghost.refusal.ExitStatus.NO_INPUT;

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'")
            .withZone(ZoneOffset.UTC);
    private static final Set<String> TYPES = Set.of("log", "cont", "mark", "gap", "audit", "seal");

    @Mixin
    DataOptions data;

    @Option(names = "--host", paramLabel = "HOST", description = "a host whose log to read (_loghost: the audit "
            + "trail), or a shell pattern (web*, db0?, [ab]*) matched against the hosts stored; repeatable. Without "
            + "--host: every host. Unless exactly one plain name is given, hosts are merged in receive-time order and "
            + "each line (lines, records) begins with its host and a space")
    List<String> hosts;

    @Option(names = {"-S", "--since"}, paramLabel = "TIME", description = "only lines whose event time (when the "
            + "forwarder read the line: META t=; the receive time for lines without it) is at or after TIME; with "
            + "--receive-time, lines received at or after TIME. TIME in journalctl's forms (systemd.time(7)): 2026-11-24, \"2026-11-24 10:00[:00]\", "
            + "2026-11-24T10:00:00.5Z, 23:57 (today), now, today, yesterday, tomorrow, -10m, +1h, \"10 min ago\", "
            + "@EPOCH; spans in us, ms, s, min/m, h, d, w, M (months), y. Times without a zone are UTC, not local "
            + "time as in journalctl (TZ is not read): loghost stores and prints UTC and day files are UTC days; "
            + "add Z, UTC, +01:00 or a zone like Europe/Berlin to say otherwise")
    String since;

    @Option(names = {"-U", "--until"}, paramLabel = "TIME", description = "only lines whose event time is before "
            + "TIME (with --receive-time: received before TIME); same forms as --since. By event time, every day file "
            + "from --since's day on is read, also after TIME, since a line spooled during an outage is stored when "
            + "it is delivered")
    String until;

    @Option(names = "--receive-time", description = "--since and --until compare the time the loghost received "
            + "each line (TIME) instead of its event time, and reading skips archived days after --until")
    boolean receiveTime;

    @Option(names = {"-p", "--priority"}, paramLabel = "PRIORITY", description = "only lines whose syslog PRI "
            + "(<13> at the start, RFC 3164 or 5424) has this severity or a more important one, as journalctl -p: "
            + "emerg (0), alert, crit, err, warning, notice, info, debug (7), or a range FROM..TO (warning..err); "
            + "a journal entry by its PRIORITY; lines without a PRI and entries without a PRIORITY are not shown")
    String priority;

    @Option(names = {"-u", "--unit"}, paramLabel = "UNIT", description = "only journal entries whose _SYSTEMD_UNIT "
            + "is UNIT, as journalctl -u: a name (.service added when it has no unit type, so sshd is sshd.service) "
            + "or a shell pattern (user@*.service); repeatable, any one matches. Other lines are not shown")
    List<String> units;

    @Option(names = "--type", paramLabel = "TYPES", split = ",", description = "record types to show "
            + "(log, mark, gap, audit, cont; or all); default: log, gap, audit")
    Set<String> types;

    /** The output modes, for -o's check and for shell completion. */
    static final class OutputModes implements Iterable<String> {
        static final List<String> MODES = List.of("lines", "records", "json");

        @Override
        public java.util.Iterator<String> iterator() {
            return MODES.iterator();
        }
    }

    @Option(names = {"-o", "--output"}, paramLabel = "MODE", defaultValue = "lines",
            completionCandidates = OutputModes.class, description = "lines (as sent; a journal entry as journalctl -o "
                    + "short-iso shows it: TIME HOST IDENT[PID]: MESSAGE), records (SEQ TIME TYPE META MESSAGE, "
                    + "escaped) or json (time: the event time, received: the receive time; with journald's PRIORITY, "
                    + "SYSLOG_FACILITY, SYSLOG_IDENTIFIER, SYSLOG_PID for a line with a PRI; a journal entry's "
                    + "MESSAGE, PRIORITY, SYSLOG_IDENTIFIER, _PID, _SYSTEMD_UNIT, _HOSTNAME, _BOOT_ID, "
                    + "__REALTIME_TIMESTAMP, __CURSOR)")
    String output;

    @Option(names = "--escape", description = "show lines in escaped form even when not writing to a terminal")
    boolean escape;

    @Option(names = "--raw", description = "write the raw bytes even to a terminal")
    boolean raw;

    @Option(names = "--verify", description = "check each record's SEQ and digest against the chain while reading "
            + "(from the host's genesis, or from the first day file read); a break stops with an error, exit 1 "
            + "(grep: 2)")
    boolean verify;

    @Spec(Spec.Target.MIXEE)
    CommandSpec spec;

    private HostSelection selected;
    private Settings settings;
    private Archives archives;

    /**
     * The reader for these options, with {@code filter} (the options' own, or grep's narrower one): the host
     * directories, and the days their MANIFEST marks as archived, from the directory destinations configured.
     */
    HostLines lines(OutputStream out, EntryFilter filter) throws IOException {
        HostSelection chosen = hosts();
        java.io.PrintWriter err = spec.commandLine().getErr();
        archives = new Archives(settings.housekeeping().destinations(), restoreFlags(), line -> {
            err.println(line);
            err.flush();
        });
        HostLines l = new HostLines(chosen.dirs(), filter, writer(out, chosen.several())).withArchives(archives);
        return verify ? l.verifying() : l;
    }

    /**
     * {@code status} when every day asked for was read; otherwise {@link #DAYS_NOT_READ}, after a line on stderr
     * (each day was named there as it was met, with how to restore it).
     */
    int status(int status) {
        int n = archives == null ? 0 : archives.daysNotRead();
        if (n == 0) {
            return status;
        }
        java.io.PrintWriter err = spec.commandLine().getErr();
        err.println("loghost: " + n + (n == 1 ? " day file" : " day files") + " asked for not read (see above); what "
                + "was read is printed; exit status " + DAYS_NOT_READ);
        err.flush();
        return DAYS_NOT_READ;
    }

    // The flags a restore command needs to find the same data directory and config as this one.
    private String restoreFlags() {
        return (data.data == null ? "" : " --data " + shellWord(data.data.toString()))
                + (data.config == null ? "" : " --config " + shellWord(data.config.toString()));
    }

    private static String shellWord(String s) {
        return s.matches("[A-Za-z0-9_./=:@%+-]+") ? s : "'" + s.replace("'", "'\\''") + "'";
    }

    /** The reader for these options. */
    HostLines lines(OutputStream out) throws IOException {
        return lines(out, filter());
    }

    /** The hosts --host names; names are checked, and patterns matched against host directories, never paths. */
    HostSelection hosts() throws IOException {
        if (selected != null) {
            return selected;
        }
        settings = data.settings();
        selected = HostSelection.of(data.existingDataDir(settings).resolve("hosts"), hosts);
        return selected;
    }

    /** The filter --type, --since and --until give. */
    EntryFilter filter() {
        Set<String> t = new LinkedHashSet<>();
        if (types == null) {
            t.addAll(Set.of("log", "cont", "gap", "audit"));
        } else if (!types.contains("all")) {
            for (String s : types) {
                if (!TYPES.contains(s)) {
                    throw new IllegalArgumentException("unknown record type \"" + s.replaceAll("[^ -~]", "?")
                            + "\"; types are " + String.join(", ", TYPES) + " or all");
                }
                t.add(s);
            }
        }
        EntryFilter f = new EntryFilter(t, time("--since", since), time("--until", until));
        if (receiveTime) {
            f = f.byReceiveTime();
        }
        f = priority == null ? f : f.withPriorities(priorityMask(priority));
        return units == null ? f : f.withUnits(units);
    }

    private static int priorityMask(String value) {
        try {
            return SyslogFields.priorityMask(value);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--priority: " + e.getMessage());
        }
    }

    private EntryWriter writer(OutputStream out, boolean prefixHost) {
        EntryWriter.Mode mode = switch (output) {
            case "lines" -> EntryWriter.Mode.LINES;
            case "records" -> EntryWriter.Mode.RECORDS;
            case "json" -> EntryWriter.Mode.JSON;
            default -> throw new IllegalArgumentException("unknown output mode \"" + output.replaceAll("[^ -~]", "?")
                    + "\"; modes are " + String.join(", ", OutputModes.MODES));
        };
        if (escape && raw) {
            throw new IllegalArgumentException("give --escape or --raw, not both");
        }
        // A host's bytes may hold terminal escapes: on a terminal they are shown escaped unless --raw says otherwise.
        return new EntryWriter(out, mode, escape || !raw && stdoutIsTerminal(), prefixHost);
    }

    private static String time(String option, String value) {
        if (value == null) {
            return null;
        }
        try {
            Instant t = TimeArgument.parse(value, Instant.now());
            // TIME has milliseconds: rounding up keeps "at or after" and "before" exact for a finer TIME given.
            Instant ms = t.truncatedTo(ChronoUnit.MILLIS);
            return TIME.format(ms.equals(t) ? t : ms.plusMillis(1));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(option + ": " + e.getMessage() + ": \"" + value.replaceAll("[^ -~]", "?")
                    + "\" (" + TimeArgument.FORMS + ")");
        }
    }

    private static boolean stdoutIsTerminal() {
        try {
            String target = Files.readSymbolicLink(Path.of("/proc/self/fd/1")).toString();
            return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty");
        } catch (IOException | UnsupportedOperationException e) {
            return System.console() != null;
        }
    }
}
