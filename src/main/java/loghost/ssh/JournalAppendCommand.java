package loghost.ssh;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import loghost.journal.EntryRecords;
import loghost.journal.ExportException;
import loghost.journal.ExportParser;
import loghost.journal.JournalCursor;
import loghost.journal.JournalEntry;
import loghost.metrics.ServerMetrics;
import loghost.protocol.Frames;
import loghost.refusal.Refusal;
import loghost.ssh.SessionInbox.InputEnd;
import loghost.store.LineBatch;
import loghost.store.LogStore;
import loghost.store.StorageException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code append-log --journal}: stdin is {@code journalctl -o export}; each entry is stored once in the key's own
 * host as pull mode stores it (one {@code log} record, {@code cont} records before it), META {@code c=j.SEQNUM_ID:SEQNUM}.
 * An entry at or below the stream's stored seqnum is skipped, under the host's lock (the store's cseq rule), so two
 * sessions sending the same entries store them once; a jump in seqnums is stored as a {@code gap} record naming the
 * missing range. Exit 0 once an fsync covers everything received; a malformed entry ends the session (exit 65).
 */
final class JournalAppendCommand extends RawSessionCommand {

    private static final Logger LOG = LoggerFactory.getLogger(JournalAppendCommand.class);
    /** The streams of pushed journals: {@code j.SEQNUM_ID} (pull mode's are {@code pull.j.SEQNUM_ID}). */
    static final String STREAM_PREFIX = "j.";
    /** Sequence number ids one session may send: journald starts a new one only when its files are wiped. */
    static final int MAX_IDS_PER_SESSION = 8;

    private static final LineBatch.GapNamer LOST = JournalAppendCommand::lost;

    private final ExportParser<Exception> parser = new ExportParser<>(this::entry);
    // Per stream this session sent: the highest seqnum it knows stored or added (the stream admitted till the end).
    private final Map<String, Long> known = new LinkedHashMap<>();
    private long skipped;
    private long gaps;

    JournalAppendCommand(LogStore store, ActiveSessions sessions, int maxLine, Refusals refusals,
            ServerMetrics metrics, SessionWorkers workers) {
        super(store, sessions, maxLine, refusals, metrics, workers, LOG);
    }

    @Override
    protected String startFields() {
        return " mode=journal";
    }

    @Override
    protected String endFields() {
        return " skipped=" + skipped + " gaps=" + gaps;
    }

    @Override
    protected void appended(LineBatch batch) {
        gaps += batch.gapsWritten();
    }

    @Override
    protected void received(byte[] buf, int length) throws Exception {
        counted(length);
        try {
            parser.feed(buf, length);
        } catch (ExportException e) {
            refusedInput(new InputRefused(Refusal.JOURNAL_MALFORMED, e.getMessage()), "");
        } catch (InputRefused r) {
            refusedInput(r, "");
        } catch (StorageException e) {
            endInput();
            storageFailed(e);
        }
    }

    // One entry: its stream, the seqnum rules, a gap record if seqnums are missing, then its records.
    private void entry(String cursor, JournalEntry line) throws InputRefused, StorageException {
        if (cursor == null) {
            throw new InputRefused(Refusal.JOURNAL_MALFORMED, "an entry without __CURSOR");
        }
        if (JournalCursor.hasControlOrNonAscii(cursor)) {
            throw new InputRefused(Refusal.JOURNAL_MALFORMED, "a __CURSOR with control or non-ASCII bytes");
        }
        JournalCursor c = JournalCursor.parse(cursor);
        if (c == null || c.seqnum() <= 0) {
            throw new InputRefused(Refusal.JOURNAL_MALFORMED,
                    "a __CURSOR that does not start s=SEQNUM_ID;i=SEQNUM; with 1 <= SEQNUM < 2^63");
        }
        String s = STREAM_PREFIX + c.seqnumId();
        enter(s);
        long seq = c.seqnum();
        if (seq <= known.get(s)) {
            skipped++; // stored already (a resend); the store's own rule would skip it too
            return;
        }
        // Whether seqnums are missing before it, and which, is decided by the log under the host's lock as the
        // batch is written (LineBatch.fillGaps): another session of the host may store some of them meanwhile.
        batch().fillGaps(LOST);
        EntryRecords.add(batch(), line, maxLine, seq);
        known.put(s, seq);
    }

    // The gap record of seqnums never received: one, with its exact count, however many there are.
    private static byte[] lost(String stream, long from, long to) {
        return ("journal-lost seqnum-id=" + stream.substring(STREAM_PREFIX.length()) + " from=" + from + " to=" + to
                + " count=" + (to - from + 1) + " (not in the journal when read)").getBytes(StandardCharsets.US_ASCII);
    }

    // Points the batch at stream s, admitting s once; the batch may hold the session's other streams too (two
    // journals interleaved by journalctl are still appended in batches, not one append per entry).
    private void enter(String s) throws InputRefused {
        if (!known.containsKey(s)) {
            if (known.size() >= MAX_IDS_PER_SESSION) {
                throw new InputRefused(Refusal.JOURNAL_TOO_MANY_IDS, "more than " + MAX_IDS_PER_SESSION
                        + " in one session");
            }
            if (!admitStream(s)) {
                throw new InputRefused(Refusal.JOURNAL_TOO_MANY_IDS, "host " + who.host() + " holds "
                        + Frames.MAX_STREAMS_PER_HOST + " streams, the most there may be");
            }
            known.put(s, log.streamPosition(s));
        }
        batch().streamNext(s); // each entry: a new turn's batch is bound to no stream
    }

    @Override
    protected void inputEnded(InputEnd how) {
        storeAndExit(how); // an entry cut off by the end has no empty line yet: it is not stored, and is sent again
    }
}
