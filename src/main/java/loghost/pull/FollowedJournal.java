package loghost.pull;

import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import loghost.journal.EntryRecords;
import loghost.journal.ExportException;
import loghost.journal.ExportParser;
import loghost.journal.JournalCursor;
import loghost.journal.JournalEntry;
import loghost.protocol.Frames;
import loghost.store.HostLog;
import loghost.store.LineBatch;
import loghost.store.RecordType;
import loghost.store.StorageException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A source's systemd journal, followed through serve-logs' {@code journal} command (journalctl's export format) and
 * resumed from the sequence number the log holds: each entry is one record with {@code c=pull.j.SEQNUM_ID:SEQNUM}.
 */
final class FollowedJournal {

    private static final Logger LOG = LoggerFactory.getLogger(FollowedJournal.class);
    /** The stream of the first-start mark. */
    static final String MARK = "pull.j";
    private static final Pattern NEWEST = Pattern.compile("(?:([0-9a-f]{32}) (0|[1-9][0-9]{0,18})|none)\n");

    private final String source;
    private final boolean fromStart;
    private final HostLog log;
    private final int maxLine;
    private final java.util.function.Consumer<Long> stored;
    private final LineBatch batch = new LineBatch();
    private String batchStream;

    FollowedJournal(String source, boolean fromStart, HostLog log, int maxLine,
            java.util.function.Consumer<Long> stored) {
        this.source = source;
        this.fromStart = fromStart;
        this.log = log;
        this.maxLine = maxLine;
        this.stored = stored;
    }

    /** Follows the journal until the connection fails; with {@code once}, up to the entry newest when it started. */
    void run(RemoteHost remote, boolean once) throws PullFailure, StorageException {
        RemoteHost.Reply r = remote.exec("journal-id");
        Matcher m = NEWEST.matcher(r.text());
        if (r.exit() != 0 || !m.matches()) {
            throw new PullFailure("'journal-id' failed on the source (exit " + r.exit() + "): "
                    + PullFailure.quote(r.err().isEmpty() ? r.text() : r.err()));
        }
        String id = m.group(1);
        long newest = id == null ? 0 : Long.parseLong(m.group(2));
        long at = id == null ? 0 : log.streamPosition(MARK + "." + id);
        boolean before = log.hasStream(MARK) || at > 0;
        String position = at > 0 ? id + ":" + at : before && id != null ? id + ":0" : fromStart ? "all" : "end";
        if (once && (id == null || at >= newest || (!before && !fromStart))) {
            if (!before) {
                mark(position);
            }
            return; // nothing newer than what is stored (or a first start from the end)
        }
        if (!before) {
            mark(position);
        }
        LOG.info("pull-journal source={} from={}", source, position);
        ExportParser<PullFailure> parser = new ExportParser<>(this::entry);
        lastSeq = at;
        current = id;
        dropped = 0;
        try {
            RemoteHost.Sink sink = (b, n) -> {
                try {
                    parser.feed(b, n);
                } catch (ExportException e) {
                    throw new PullFailure("'journal': " + e.getMessage());
                }
                append();
                if (once && lastSeq >= newest) {
                    throw new StopOnce();
                }
            };
            // --once must end: a journal silent for the idle time (before the newest entry arrives) ends the round.
            if (once) {
                remote.stream("journal " + position, Long.MAX_VALUE, sink);
            } else {
                remote.stream("journal " + position, sink);
            }
        } catch (StopOnce done) {
            return;
        } catch (UncheckedStorage e) {
            throw e.getCause();
        } finally {
            if (dropped > 0) {
                LOG.warn("pull-journal-entries-dropped source={} count={} seqnum-id={}: not the sequence asked for",
                        source, dropped, current);
            }
        }
    }

    private void mark(String from) throws StorageException {
        byte[] text = ("pull-journal from=" + from + " source=" + source).getBytes(StandardCharsets.US_ASCII);
        batch.stream(MARK);
        batchStream = MARK;
        try {
            stored.accept((long) log.appendNext(batch, RecordType.MARK, text).records());
        } finally {
            batch.clear();
        }
    }

    private void append() {
        UncheckedStorage.append(log, batch, stored);
    }

    // One entry: a record (cont records first when longer than max-line), all with the entry's sequence number.
    private void entry(String cursor, JournalEntry message) throws PullFailure {
        JournalCursor c = JournalCursor.parse(cursor);
        if (c == null) {
            LOG.warn("pull-journal-entry-skipped source={} reason=\"no cursor\"", source);
            return;
        }
        String stream = MARK + "." + c.seqnumId();
        if (current == null) {
            current = c.seqnumId(); // an empty journal when asked: its first entry starts the current sequence
        }
        // Only the sequence asked for, or one already stored: a source may not open a stream per forged cursor.
        if (!c.seqnumId().equals(current) && !log.hasStream(stream)) {
            if (dropped++ == 0) {
                LOG.warn("pull-journal-entry-dropped source={} seqnum-id={} expected={}", source, c.seqnumId(),
                        current);
            }
            return;
        }
        if (!log.hasStream(stream) && log.streamCount() >= Frames.MAX_STREAMS_PER_HOST) {
            throw new PullFailure("host holds " + log.streamCount() + " streams, the most there may be: the journal's "
                    + stream + " is not opened");
        }
        long seq = c.seqnum();
        if (seq <= 0) {
            return;
        }
        if (!stream.equals(batchStream)) {
            append();
            batch.stream(stream);
            batchStream = stream;
        }
        EntryRecords.add(batch, message, maxLine, seq);
        lastSeq = seq;
    }

    private long lastSeq;
    private String current;
    private long dropped;

    /** Ends a once-run's stream when the newest entry is stored. */
    private static final class StopOnce extends RuntimeException {
        private static final long serialVersionUID = 1L;
    }
}
