package loghost.read;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Set;
import loghost.store.RecordView;

/**
 * Reads a host's log back as lines ({@code loghost cat} and {@code tail}): records decoded and joined, filtered
 * by type and receive time, optionally followed as the server appends.
 */
public final class HostLines {

    /** Which entries to show. {@code types} empty means all; times compare as the 24-byte TIME text. */
    public record Filter(Set<String> types, String since, String until, java.util.regex.Pattern match,
                         boolean invert) {
        /** A filter by type and time only. */
        public Filter(Set<String> types, String since, String until) {
            this(types, since, until, null, false);
        }

        /** The same filter, keeping only entries whose text (decoded as UTF-8) {@code match} finds, or not. */
        public Filter matching(java.util.regex.Pattern pattern, boolean inverted) {
            return new Filter(types, since, until, pattern, inverted);
        }

        boolean accepts(LineAssembler.Entry e) {
            return (types.isEmpty() || types.contains(e.type()))
                    && (since == null || e.time().compareTo(since) >= 0)
                    && (until == null || e.time().compareTo(until) < 0)
                    && (match == null || match.matcher(new String(e.bytes(),
                            java.nio.charset.StandardCharsets.UTF_8)).find() != invert);
        }
    }

    private final Path hostDir;
    private final String host;
    private final Filter filter;
    private final EntryWriter writer;
    private boolean verify;
    private long written;

    /** Checks the chain of every record read (cat/tail/grep --verify); a break ends the reading with an error. */
    public HostLines verifying() {
        this.verify = true;
        return this;
    }

    /** How many entries were written so far (grep's exit status). */
    public long written() {
        return written;
    }

    private HostReader reader(String firstFile) throws IOException {
        HostReader r = new HostReader(hostDir, firstFile);
        if (verify) {
            r.verifyChain();
        }
        return r;
    }

    /** Reads {@code hostDir} (its name is the host) into {@code writer}. */
    public HostLines(Path hostDir, Filter filter, EntryWriter writer) {
        this.hostDir = hostDir;
        this.host = hostDir.getFileName().toString();
        this.filter = filter;
        this.writer = writer;
    }

    /** Writes every entry from the oldest day file on; with {@code follow}, goes on until interrupted. */
    public void cat(boolean follow, Duration poll) throws IOException, InterruptedException {
        try (HostReader reader = reader(null)) {
            LineAssembler lines = new LineAssembler();
            LineAssembler.Sink sink = e -> {
                if (filter.accepts(e)) {
                    write(e);
                }
                return true;
            };
            pump(reader, lines, sink, follow, poll);
        }
        writer.flush();
    }

    /** Writes the last {@code n} entries, then with {@code follow} everything appended after them. */
    public void tail(int n, boolean follow, Duration poll) throws IOException, InterruptedException {
        List<String> files = HostReader.dayFiles(hostDir);
        ArrayDeque<LineAssembler.Entry> last = new ArrayDeque<>();
        // Start with the newest day file and step back only while it holds fewer than n entries. Reading begins one
        // file earlier than counting, so that a line split into cont records across the boundary comes out whole.
        int start = files.size();
        while (start > 0 && last.size() < n) {
            start--;
            last.clear();
            long counted = HostReader.firstSeq(hostDir.resolve(files.get(start)));
            try (HostReader reader = reader(files.get(Math.max(0, start - 1)))) {
                LineAssembler lines = new LineAssembler();
                pump(reader, lines, e -> {
                    if (e.seq() >= counted && filter.accepts(e)) {
                        last.addLast(e);
                        if (last.size() > n) {
                            last.removeFirst();
                        }
                    }
                    return true;
                }, false, poll);
            }
        }
        for (LineAssembler.Entry e : last) {
            write(e);
        }
        writer.flush();
        if (!follow) {
            return;
        }
        long after = last.isEmpty() ? 0 : last.getLast().seq();
        String from = files.isEmpty() ? null : files.get(files.size() - 1);
        try (HostReader reader = reader(from)) {
            LineAssembler lines = new LineAssembler();
            pump(reader, lines, e -> {
                if (e.seq() > after && filter.accepts(e)) {
                    write(e);
                }
                return true;
            }, true, poll);
        }
    }

    private void write(LineAssembler.Entry e) throws IOException {
        writer.write(host, e);
        written++;
    }

    private void pump(HostReader reader, LineAssembler lines, LineAssembler.Sink sink, boolean follow,
                      Duration poll) throws IOException, InterruptedException {
        while (true) {
            RecordView r = reader.next();
            if (r != null) {
                lines.accept(r, reader.currentLine(), sink);
                continue;
            }
            if (!follow) {
                lines.finish(sink);
                return;
            }
            writer.flush();
            Thread.sleep(poll.toMillis());
        }
    }
}
