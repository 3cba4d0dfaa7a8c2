package loghost.read;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;

/**
 * Reads hosts' logs back as lines ({@code loghost cat}, {@code tail} and {@code grep}): records decoded and joined,
 * filtered by type, receive time and pattern, several hosts merged in receive-time order, optionally followed as
 * the server appends.
 */
public final class HostLines {

    private final List<Path> hostDirs;
    private final EntryFilter filter;
    private final EntryWriter writer;
    private boolean verify;
    private Archives archives;
    private long written;

    /** Reads {@code hostDir} (its name is the host) into {@code writer}. */
    public HostLines(Path hostDir, EntryFilter filter, EntryWriter writer) {
        this(List.of(hostDir), filter, writer);
    }

    /** Reads the host directories {@code hostDirs} (each named by its host), merged, into {@code writer}. */
    public HostLines(List<Path> hostDirs, EntryFilter filter, EntryWriter writer) {
        this.hostDirs = List.copyOf(hostDirs);
        this.filter = filter;
        this.writer = writer;
    }

    /** Checks the chain of every record read (cat/tail/grep --verify); a break ends the reading with an error. */
    public HostLines verifying() {
        this.verify = true;
        return this;
    }

    /**
     * Reads also the days each host's MANIFEST marks as archived, from {@code where}'s directory destinations, and
     * reports there the days asked for that cannot be read (without it, only the host directories are read).
     */
    public HostLines withArchives(Archives where) {
        this.archives = where;
        return this;
    }

    // By event time, an archived day after until may still hold a line that happened before it (delivered late):
    // only by receive time are such days passed over. Reading starts at since's own day by either time: a record's
    // t= is never after its TIME (docs/FORMAT.md, "Event time").
    private HostDays days(Path dir) throws IOException {
        return new HostDays(dir, archives, filter.receiveTime() ? filter.until() : null);
    }

    /** How many entries were written so far (grep's exit status). */
    public long written() {
        return written;
    }

    /**
     * Writes every entry from each host's oldest day file on (with a since time, from the first file of its day),
     * archived days included when {@link #withArchives} says where they are, hosts merged by receive time (ties in the order of
     * the host list; each host's own entries stay in chain order); with {@code follow}, goes on until interrupted,
     * writing new entries as they are found.
     */
    public void cat(boolean follow, Duration poll) throws IOException, InterruptedException {
        List<HostCursor> cursors = new ArrayList<>();
        try {
            for (Path dir : hostDirs) {
                HostDays days = days(dir);
                cursors.add(new HostCursor(days, days.startFor(filter.since()), verify, chunkBytes(),
                        filter::accepts));
            }
            merge(cursors, follow, poll, (source, e) -> write(cursors.get(source).host(), e));
        } finally {
            close(cursors);
        }
        writer.flush();
    }

    /** Counts, per host in the order given, the entries the filter keeps ({@code grep -c}); writes nothing. */
    public Map<String, Long> count() throws IOException {
        Map<String, Long> counts = new LinkedHashMap<>();
        for (Path dir : hostDirs) {
            long n = 0;
            HostDays days = days(dir);
            try (HostCursor c = new HostCursor(days, days.startFor(filter.since()), verify, chunkBytes(),
                    filter::accepts)) {
                while (c.peek(false) != null) {
                    c.take();
                    n++;
                }
                counts.put(c.host(), n);
            }
        }
        return counts;
    }

    /**
     * Writes the last {@code n} entries of the hosts merged by receive time, then with {@code follow} everything
     * appended after them.
     */
    public void tail(int n, boolean follow, Duration poll) throws IOException, InterruptedException {
        List<HostTail> tails = new ArrayList<>();
        for (Path dir : hostDirs) {
            tails.add(lastOf(dir, n));
        }
        List<Kept> kept = new ArrayList<>();
        for (HostTail t : tails) {
            kept.add(new Kept(new ArrayDeque<>(t.last())));
        }
        ArrayDeque<Head> last = new ArrayDeque<>();
        merge(kept, false, poll, (source, e) -> {
            last.addLast(new Head(e, source));
            if (last.size() > n) {
                last.removeFirst();
            }
        });
        for (Head h : last) {
            write(tails.get(h.source()).days().host(), h.entry());
        }
        writer.flush();
        if (!follow) {
            return;
        }
        List<HostCursor> cursors = new ArrayList<>();
        try {
            for (HostTail t : tails) {
                cursors.add(new HostCursor(t.days(), t.from(), verify, chunkBytes(),
                        e -> e.seq() > t.after() && filter.accepts(e)));
            }
            merge(cursors, true, poll, (source, e) -> write(cursors.get(source).host(), e));
        } finally {
            close(cursors);
        }
    }

    /** A host's last entries, and where following it resumes: in day file {@code from}, after SEQ {@code after}. */
    private record HostTail(HostDays days, List<LineAssembler.Entry> last, String from, long after) {
    }

    private HostTail lastOf(Path hostDir, int n) throws IOException {
        HostDays days = days(hostDir);
        List<String> files = days.names();
        String since = days.startFor(filter.since());
        if (since != null) {
            files = files.subList(files.indexOf(since), files.size());
        }
        ArrayDeque<LineAssembler.Entry> last = new ArrayDeque<>();
        long seen = 0;
        // Start with the newest day file and step back only while it holds fewer than n entries. Reading begins one
        // file earlier than counting when that one is online, so that a line split into cont records across the
        // boundary comes out whole. The newest file is read even for n = 0: following resumes after the last entry
        // there is, not before it. A day that is not online is read (or reported) only when stepped back to.
        int start = files.size();
        while (start > 0 && (last.size() < n || start == files.size())) {
            start--;
            last.clear();
            long counted = days.firstSeq(files.get(start));
            String from = start > 0 && days.online(files.get(start - 1)) ? files.get(start - 1) : files.get(start);
            try (HostCursor c = new HostCursor(days, from, verify, chunkBytes(), e -> true)) {
                for (LineAssembler.Entry e = c.peek(false); e != null; e = c.peek(false)) {
                    c.take();
                    seen = Math.max(seen, e.seq());
                    if (e.seq() >= counted && filter.accepts(e)) {
                        last.addLast(e);
                        if (last.size() > n) {
                            last.removeFirst();
                        }
                    }
                }
            }
        }
        return new HostTail(days, List.copyOf(last), files.isEmpty() ? null : files.get(files.size() - 1), seen);
    }

    /** Entries in the order of one host's chain, pulled one at a time. */
    interface EntrySource {
        /** The next entry there is now, without taking it, or null (following: none yet; else: no more). */
        LineAssembler.Entry peek(boolean follow) throws IOException;

        /** Takes the entry {@link #peek} returned. */
        LineAssembler.Entry take();
    }

    /** The entries tail kept of one host. */
    private record Kept(ArrayDeque<LineAssembler.Entry> entries) implements EntrySource {
        @Override
        public LineAssembler.Entry peek(boolean follow) {
            return entries.peekFirst();
        }

        @Override
        public LineAssembler.Entry take() {
            return entries.removeFirst();
        }
    }

    /** An entry and the index of the source it came from. */
    private record Head(LineAssembler.Entry entry, int source) {
    }

    /** Receives the merged entries. */
    private interface Merged {
        void accept(int source, LineAssembler.Entry e) throws IOException;
    }

    // Earliest TIME first; the same TIME in the order of the sources (host-name order).
    private static final Comparator<Head> EARLIEST = Comparator.comparing((Head h) -> h.entry().time())
            .thenComparingInt(Head::source);

    // A k-way merge: each source's own order is kept, whatever its clock did. Following, a source with nothing new
    // is not asked again until every source has run dry and the poll interval has passed: listing its directory
    // for each entry of another host would cost more than the reading.
    private void merge(List<? extends EntrySource> sources, boolean follow, Duration poll, Merged out)
            throws IOException, InterruptedException {
        PriorityQueue<Head> heads = new PriorityQueue<>(EARLIEST);
        List<Integer> ask = new ArrayList<>();
        for (int i = 0; i < sources.size(); i++) {
            ask.add(i);
        }
        List<Integer> dry = new ArrayList<>();
        while (true) {
            for (int i : ask) {
                LineAssembler.Entry e = sources.get(i).peek(follow);
                if (e != null) {
                    heads.add(new Head(e, i));
                } else if (follow) {
                    dry.add(i);
                }
            }
            ask.clear();
            Head h = heads.poll();
            if (h != null) {
                out.accept(h.source(), sources.get(h.source()).take());
                ask.add(h.source());
                continue;
            }
            if (!follow) {
                return;
            }
            writer.flush();
            Thread.sleep(poll.toMillis());
            ask.addAll(dry);
            dry.clear();
        }
    }

    // One host is read in 1 MiB chunks, as always; merged, every host has a reader open at once, and 1 MiB each
    // would be 1 GiB for the 1,000 hosts of the bench.
    private int chunkBytes() {
        return hostDirs.size() > 1 ? 64 << 10 : 1 << 20;
    }

    private void write(String host, LineAssembler.Entry e) throws IOException {
        writer.write(host, e);
        written++;
    }

    private static void close(List<HostCursor> cursors) throws IOException {
        IOException first = null;
        for (HostCursor c : cursors) {
            try {
                c.close();
            } catch (IOException e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }
}
