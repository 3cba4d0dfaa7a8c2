package loghost.cli;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.Callable;
import loghost.compare.StreamComparison;
import loghost.read.EntryFilter;
import loghost.read.EntryWriter;
import loghost.read.HostLines;
import loghost.store.HostName;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code loghost compare-streams}: do two loghosts hold the same forwarder streams of a host? Compared by
 * {@code c=} numbers, since SEQ and TIME differ between loghosts. Exit 0 identical, 1 different (the first
 * difference named), 2 when a side cannot be read.
 */
@Command(name = "compare-streams", description = "Compare two loghosts' copies of a host's forwarder streams by "
        + "their c=STREAM:CSEQ numbers (SEQ and TIME differ between loghosts; the entries must not): each side a data "
        + "directory (with --host) or a file of `loghost cat -o records` output. Exit 0 identical, 1 different (the "
        + "first difference is named), 2 if a side cannot be read.")
final class CompareStreamsCommand implements Callable<Integer> {

    /** Exit status when the streams differ. */
    static final int DIFFERENT = 1;
    /** Exit status when a side cannot be read. */
    static final int TROUBLE = 2;

    @Option(names = "--host", paramLabel = "HOST", description = "the host whose streams to compare (needed for a "
            + "data directory)")
    String host;

    @Parameters(index = "0", paramLabel = "A", description = "a loghost's data directory, or a file of `loghost cat "
            + "--host H -o records` output")
    Path a;

    @Parameters(index = "1", paramLabel = "B", description = "the other loghost's, likewise")
    Path b;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        StreamComparison.Result r;
        try {
            r = new StreamComparison(side(a), side(b)).run();
        } catch (IOException | IllegalArgumentException e) {
            err.println("loghost: error: " + e.getMessage());
            err.flush();
            return TROUBLE;
        }
        r.streams().forEach(out::println);
        if (r.identical()) {
            out.println("identical: " + r.streams().size() + " stream" + (r.streams().size() == 1 ? "" : "s"));
            return 0;
        }
        out.println("differ: " + r.difference());
        return DIFFERENT;
    }

    // A directory is a data directory (its hosts/HOST is read as cat reads it); anything else a records file.
    private StreamComparison.Side side(Path p) throws IOException {
        if (!Files.isDirectory(p)) {
            if (!Files.exists(p)) {
                throw new IOException("no such file: " + p);
            }
            return StreamComparison.recordsFile(p.toString(), p);
        }
        if (host == null) {
            throw new IllegalArgumentException(p + " is a data directory: give --host HOST");
        }
        if (!HostName.isStorable(host)) {
            throw new IllegalArgumentException("not a host name: \"" + host.replaceAll("[^ -~]", "?") + "\"; names "
                    + "match " + HostName.rule());
        }
        Path dir = p.resolve("hosts").resolve(host);
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            throw new IOException("no log for host " + host + " in " + dir.getParent());
        }
        return new StreamComparison.Side() {
            @Override
            public String name() {
                return p.toString();
            }

            @Override
            public void writeRecords(OutputStream sink) throws IOException, InterruptedException {
                new HostLines(dir, new EntryFilter(Set.of(), null, null),
                        new EntryWriter(sink, EntryWriter.Mode.RECORDS, true)).cat(false, Duration.ofMillis(200));
            }
        };
    }
}
