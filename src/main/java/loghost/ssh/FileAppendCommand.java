package loghost.ssh;

import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import loghost.metrics.ServerMetrics;
import loghost.protocol.Frames;
import loghost.refusal.Refusal;
import loghost.ssh.SessionInbox.InputEnd;
import loghost.store.LogStore;
import loghost.store.OffsetLines;
import loghost.store.RecordType;
import loghost.store.StorageException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code append-log --file NAME}: stdin is a file's bytes in chunks, each behind a header naming the file's identity
 * and offset (docs/PROTOCOL.md, "Pushing a file"). Complete lines are stored as pull mode stores a followed file's
 * ({@link OffsetLines}: META {@code c=f.NAME.H:END}); bytes at or before where the log holds the file are skipped,
 * never stored twice; a chunk that starts beyond it is refused. A {@code cut} header (copytruncate) is a {@code gap}
 * record with the loss's size and starts a new generation. Exit 0 once an fsync covers everything received.
 */
final class FileAppendCommand extends RawSessionCommand {

    private static final Logger LOG = LoggerFactory.getLogger(FileAppendCommand.class);
    /** The longest header line, its LF included. */
    static final int MAX_HEADER = 128;
    /** Files one session keeps open at once (each holds an unfinished line); the least recently used is closed. */
    static final int MAX_OPEN = 8;
    private static final String COUNT = "(0|[1-9][0-9]{0,17})";
    private static final Pattern DATA = Pattern.compile("(chunk|final) (" + PushedFile.IDENTITY + ") " + COUNT + " "
            + COUNT);
    private static final Pattern CUT = Pattern.compile("cut (" + PushedFile.IDENTITY + ") " + COUNT);

    private final String name;
    private final byte[] header = new byte[MAX_HEADER];
    private int headerLength;
    // The chunk whose bytes are arriving (null between chunks): bytes still to come, of them still to skip.
    private Open chunk;
    private long remaining;
    private long toSkip;
    private boolean last;
    // The files this session sends, by identity, least recently used first.
    private final LinkedHashMap<String, Open> open = new LinkedHashMap<>(16, 0.75f, true);
    private String bound;
    private long skipped;
    private long gaps;

    /** One file this session sends: its newest generation's stream, and the line it has not finished yet. */
    private static final class Open {
        final PushedFile file;
        long generation;
        String stream;
        OffsetLines lines;
        boolean fed;

        Open(PushedFile file, long generation, int maxLine) {
            this.file = file;
            this.generation = generation;
            this.stream = file.stream(generation);
            this.lines = new OffsetLines(maxLine);
        }
    }

    FileAppendCommand(LogStore store, ActiveSessions sessions, int maxLine, Refusals refusals,
            ServerMetrics metrics, SessionWorkers workers, String name) {
        super(store, sessions, maxLine, refusals, metrics, workers, LOG);
        this.name = name;
    }

    @Override
    protected String startFields() {
        return " mode=file name=" + name;
    }

    @Override
    protected String endFields() {
        return " skipped-bytes=" + skipped + " gaps=" + gaps;
    }

    @Override
    protected void received(byte[] buf, int length) throws Exception {
        counted(length);
        try {
            consume(buf, length);
        } catch (InputRefused r) {
            refusedInput(r, "name=" + name + " ");
        } catch (StorageException e) {
            endInput();
            storageFailed(e);
        }
    }

    // Headers byte by byte (they are short), chunk bytes as runs.
    private void consume(byte[] buf, int length) throws InputRefused, StorageException {
        int i = 0;
        while (i < length) {
            if (chunk != null) {
                int n = (int) Math.min(remaining, length - i);
                int skip = (int) Math.min(toSkip, n);
                toSkip -= skip;
                chunk.lines.feed(buf, i + skip, n - skip, batch());
                i += n;
                remaining -= n;
                if (remaining == 0) {
                    chunkDone();
                }
                continue;
            }
            byte b = buf[i++];
            if (b == '\n') {
                String text = new String(header, 0, headerLength, StandardCharsets.US_ASCII);
                headerLength = 0;
                header(text);
            } else if (b < 0x20 || b > 0x7e || headerLength == MAX_HEADER - 1) {
                throw new InputRefused(Refusal.FILE_MALFORMED, "a header line that is not printable ASCII of at most "
                        + (MAX_HEADER - 1) + " bytes and an LF");
            } else {
                header[headerLength++] = b;
            }
        }
    }

    private void header(String text) throws InputRefused, StorageException {
        Matcher m = DATA.matcher(text);
        if (m.matches()) {
            Open o = open(file(m.group(2)));
            long offset = Long.parseLong(m.group(3));
            long expected = o.fed ? o.lines.next() : log.streamPosition(o.stream);
            if (offset > expected) {
                throw new InputRefused(Refusal.FILE_OFFSET_AHEAD, offset + " of " + name + " " + o.file.identity()
                        + " is beyond the loghost's position " + expected);
            }
            bind(o);
            if (!o.fed) {
                o.lines.start(expected);
                o.fed = true;
            }
            chunk = o;
            remaining = Long.parseLong(m.group(4));
            toSkip = expected - offset;
            skipped += Math.min(toSkip, remaining);
            last = m.group(1).equals("final");
            if (remaining == 0) {
                chunkDone();
            }
            return;
        }
        m = CUT.matcher(text);
        if (m.matches()) {
            cut(open(file(m.group(1))), Long.parseLong(m.group(2)));
            return;
        }
        throw new InputRefused(Refusal.FILE_MALFORMED, "a header line that is not 'chunk DEV INO FP OFFSET LENGTH', "
                + "'final DEV INO FP OFFSET LENGTH' or 'cut DEV INO FP SEEN'");
    }

    private PushedFile file(String identity) {
        String[] p = identity.split(" ");
        return new PushedFile(name, p[0], p[1], p[2]);
    }

    // The end of a chunk: a file that will not grow any more gives its unfinished last line as a final cont record.
    private void chunkDone() {
        if (last) {
            chunk.lines.finish(batch());
        }
        chunk = null;
    }

    // The file's content was cut in place (copytruncate): a gap record says from where and how much at least is
    // lost, once per generation, then the file's identity starts a new generation at offset 0.
    private void cut(Open o, long seen) throws InputRefused, StorageException {
        store();
        long from = log.streamPosition(o.stream);
        long known = Math.max(seen, o.fed ? o.lines.next() : 0);
        if (from == 0 && known == 0) {
            throw new InputRefused(Refusal.FILE_MALFORMED, "a cut of " + name + " " + o.file.identity()
                    + ", of which nothing is held or was sent");
        }
        String cuts = o.file.cutStream();
        if (log.streamPosition(cuts) < o.generation) {
            admit(cuts);
            byte[] text = ("file-lost " + o.file.fields() + " generation=" + o.generation + " from=" + from
                    + " at-least=" + Math.max(0, known - from) + " (truncated in place)")
                    .getBytes(StandardCharsets.US_ASCII);
            batchStream(cuts);
            bound = cuts;
            batch().add(RecordType.GAP, text, 0, text.length, o.generation);
            store();
            gaps++;
        }
        o.generation = o.file.generation(log); // one more than the last cut, whichever session stored it
        o.stream = o.file.stream(o.generation);
        o.lines = new OffsetLines(maxLine);
        o.fed = false;
        admit(o.stream);
    }

    // The session's entry for `file`, opened (admitted to its newest generation's stream) on first use.
    private Open open(PushedFile file) throws InputRefused, StorageException {
        Open o = open.get(file.identity());
        if (o != null) {
            return o;
        }
        if (open.size() >= MAX_OPEN) {
            // Its unfinished line, not stored, is sent again from the stored position by a later session.
            Iterator<Open> eldest = open.values().iterator();
            Open e = eldest.next();
            if (e.stream.equals(bound)) {
                store();
            }
            eldest.remove();
        }
        o = new Open(file, file.generation(log), maxLine);
        admit(o.stream);
        open.put(file.identity(), o);
        return o;
    }

    private void admit(String stream) throws InputRefused {
        if (!admitStream(stream)) {
            throw new InputRefused(Refusal.FILE_TOO_MANY_STREAMS, "host " + who.host() + " holds "
                    + Frames.MAX_STREAMS_PER_HOST + " streams, the most there may be");
        }
    }

    // Binds the batch to o's stream, storing what it holds for another one first.
    private void bind(Open o) throws StorageException {
        if (!o.stream.equals(bound)) {
            store();
            batchStream(o.stream);
            bound = o.stream;
        }
    }

    @Override
    protected void inputEnded(InputEnd how) {
        storeAndExit(how); // an unfinished line is not stored: its bytes are sent again from the stored position
    }
}
