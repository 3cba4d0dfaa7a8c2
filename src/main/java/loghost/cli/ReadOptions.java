package loghost.cli;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashSet;
import java.util.Set;
import loghost.read.EntryWriter;
import loghost.read.HostLines;
import loghost.store.HostName;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** What {@code loghost cat} and {@code tail} share: which host, which records, how to print them. */
final class ReadOptions {

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'")
            .withZone(ZoneOffset.UTC);
    private static final Set<String> TYPES = Set.of("log", "cont", "mark", "gap", "audit", "seal");

    @Mixin
    DataOptions data;

    @Option(names = "--host", required = true, paramLabel = "HOST",
            description = "the host whose log to read (_loghost: the audit trail)")
    String host;

    @Option(names = "--since", paramLabel = "TIME", description = "only lines received at or after TIME "
            + "(2026-11-24T10:00:00Z, or a day: 2026-11-24)")
    String since;

    @Option(names = "--until", paramLabel = "TIME", description = "only lines received before TIME")
    String until;

    @Option(names = "--type", paramLabel = "TYPES", split = ",", description = "record types to show "
            + "(log, mark, gap, audit, cont; or all); default: log, gap, audit")
    Set<String> types;

    @Option(names = {"-o", "--output"}, paramLabel = "MODE", defaultValue = "lines",
            description = "lines (as sent), records (SEQ TIME TYPE META MESSAGE, escaped) or json")
    String output;

    @Option(names = "--escape", description = "show lines in escaped form even when not writing to a terminal")
    boolean escape;

    @Option(names = "--raw", description = "write the raw bytes even to a terminal")
    boolean raw;

    @Option(names = "--verify", description = "check each record's SEQ and digest against the chain while reading "
            + "(from the host's genesis, or from the first day file read); a break stops with an error, exit 1")
    boolean verify;

    /** The reader for these options. */
    HostLines lines(java.io.OutputStream out) throws IOException {
        HostLines l = new HostLines(hostDir(), filter(), writer(out));
        return verify ? l.verifying() : l;
    }

    /** The host's directory; the name is checked before it becomes a path. */
    Path hostDir() throws IOException {
        if (!HostName.isStorable(host)) {
            throw new IllegalArgumentException("not a host name: \"" + host.replaceAll("[^ -~]", "?") + "\"; names "
                    + "match " + HostName.rule());
        }
        Path dir = data.settings().dataDir().resolve("hosts").resolve(host);
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            throw new IOException("no log for host " + host + " in " + dir.getParent());
        }
        return dir;
    }

    HostLines.Filter filter() {
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
        return new HostLines.Filter(t, time("--since", since), time("--until", until));
    }

    EntryWriter writer(OutputStream out) throws IOException {
        EntryWriter.Mode mode = switch (output) {
            case "lines" -> EntryWriter.Mode.LINES;
            case "records" -> EntryWriter.Mode.RECORDS;
            case "json" -> EntryWriter.Mode.JSON;
            default -> throw new IllegalArgumentException("unknown output mode \"" + output.replaceAll("[^ -~]", "?")
                    + "\"; modes are lines, records, json");
        };
        if (escape && raw) {
            throw new IllegalArgumentException("give --escape or --raw, not both");
        }
        // A host's bytes may hold terminal escapes: on a terminal they are shown escaped unless --raw says otherwise.
        return new EntryWriter(out, mode, escape || !raw && stdoutIsTerminal());
    }

    private static String time(String option, String value) {
        if (value == null) {
            return null;
        }
        try {
            Instant t = value.length() == 10 ? LocalDate.parse(value).atStartOfDay(ZoneOffset.UTC).toInstant()
                    : Instant.parse(value);
            return TIME.format(t);
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException(option + ": not a time: \"" + value.replaceAll("[^ -~]", "?")
                    + "\" (e.g. 2026-11-24T10:00:00Z or 2026-11-24)");
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
