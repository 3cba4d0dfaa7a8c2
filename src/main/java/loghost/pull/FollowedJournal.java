package loghost.pull;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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
    private static final Pattern CURSOR = Pattern.compile("s=([0-9a-f]{32});i=([0-9a-f]{1,16});.*");
    /** Largest binary field value taken (journald's own entries stay far below). */
    private static final int MAX_FIELD = 16 << 20;
    /** Bytes held while waiting for a field to end: the largest field with its name, length and LF. */
    private static final int MAX_PENDING = MAX_FIELD + 64 * 1024;

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
        ExportParser parser = new ExportParser();
        lastSeq = at;
        current = id;
        dropped = 0;
        try {
            RemoteHost.Sink sink = (b, n) -> {
                parser.feed(b, n);
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
    private void entry(String cursor, byte[] message) throws PullFailure {
        Matcher c = cursor == null ? null : CURSOR.matcher(cursor);
        if (c == null || !c.matches()) {
            LOG.warn("pull-journal-entry-skipped source={} reason=\"no cursor\"", source);
            return;
        }
        String stream = MARK + "." + c.group(1);
        if (current == null) {
            current = c.group(1); // an empty journal when asked: its first entry starts the current sequence
        }
        // Only the sequence asked for, or one already stored: a source may not open a stream per forged cursor.
        if (!c.group(1).equals(current) && !log.hasStream(stream)) {
            if (dropped++ == 0) {
                LOG.warn("pull-journal-entry-dropped source={} seqnum-id={} expected={}", source, c.group(1),
                        current);
            }
            return;
        }
        if (!log.hasStream(stream) && log.streamCount() >= Frames.MAX_STREAMS_PER_HOST) {
            throw new PullFailure("host holds " + log.streamCount() + " streams, the most there may be: the journal's "
                    + stream + " is not opened");
        }
        long seq = Long.parseUnsignedLong(c.group(2), 16);
        if (seq <= 0) {
            return;
        }
        if (!stream.equals(batchStream)) {
            append();
            batch.stream(stream);
            batchStream = stream;
        }
        int off = 0;
        while (message.length - off > maxLine) {
            batch.add(RecordType.CONT, message, off, maxLine, seq);
            off += maxLine;
        }
        batch.add(RecordType.LOG, message, off, message.length - off, seq);
        lastSeq = seq;
    }

    private long lastSeq;
    private String current;
    private long dropped;

    /**
     * journalctl's export format: {@code NAME=value} lines, or {@code NAME}, a little-endian 64-bit length, the bytes
     * and a newline for a binary value; an empty line ends an entry.
     */
    private final class ExportParser {
        // The bytes not yet parsed are a[0, len); none of a[0, scanned) is an LF (so a field arriving in many
        // chunks is searched once, not once per chunk: a 16 MiB field costs linear, not quadratic, time).
        private byte[] a = new byte[64 * 1024];
        private int len;
        private int scanned;
        private String cursor;
        private String ident;
        private String pid;
        private byte[] message;

        void feed(byte[] b, int n) throws PullFailure {
            if (a.length - len < n) {
                a = java.util.Arrays.copyOf(a, Math.max(a.length * 2, len + n));
            }
            System.arraycopy(b, 0, a, len, n);
            len += n;
            int p = 0;
            while (true) {
                int lf = -1;
                for (int i = Math.max(p, scanned); i < len; i++) {
                    if (a[i] == '\n') {
                        lf = i;
                        break;
                    }
                }
                if (lf < 0) {
                    scanned = len;
                    break;
                }
                if (lf == p) {
                    finishEntry();
                    p = lf + 1;
                    continue;
                }
                int eq = -1;
                for (int i = p; i < lf; i++) {
                    if (a[i] == '=') {
                        eq = i;
                        break;
                    }
                }
                if (eq >= 0) {
                    field(new String(a, p, eq - p, StandardCharsets.US_ASCII), java.util.Arrays.copyOfRange(a, eq + 1, lf));
                    p = lf + 1;
                } else {
                    // A binary field: its name's LF is found; its length and bytes may still be on their way.
                    scanned = p;
                    if (len < lf + 1 + 8) {
                        break;
                    }
                    long size = 0;
                    for (int i = 7; i >= 0; i--) {
                        size = (size << 8) | (a[lf + 1 + i] & 0xff);
                    }
                    if (size < 0 || size > MAX_FIELD) {
                        throw new PullFailure("'journal': a field longer than " + MAX_FIELD + " bytes");
                    }
                    int start = lf + 1 + 8;
                    if (len < start + size + 1) {
                        break;
                    }
                    field(new String(a, p, lf - p, StandardCharsets.US_ASCII),
                            java.util.Arrays.copyOfRange(a, start, start + (int) size));
                    p = start + (int) size + 1;
                }
            }
            // A source that never ends a field (no LF, a length never reached) must not fill the heap.
            if (len - p > MAX_PENDING) {
                throw new PullFailure("'journal': more than " + MAX_PENDING + " bytes without the end of a field");
            }
            if (p > 0) {
                System.arraycopy(a, p, a, 0, len - p);
                len -= p;
                scanned = Math.max(0, scanned - p);
            }
        }

        private void field(String name, byte[] value) {
            switch (name) {
                case "__CURSOR" -> cursor = new String(value, StandardCharsets.US_ASCII);
                case "SYSLOG_IDENTIFIER" -> ident = new String(value, StandardCharsets.UTF_8);
                case "_PID" -> pid = new String(value, StandardCharsets.US_ASCII);
                case "MESSAGE" -> message = value;
                default -> { }
            }
        }

        private void finishEntry() throws PullFailure {
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            if (ident != null) {
                line.writeBytes(ident.getBytes(StandardCharsets.UTF_8));
                if (pid != null) {
                    line.writeBytes(("[" + pid + "]").getBytes(StandardCharsets.US_ASCII));
                }
                line.writeBytes(": ".getBytes(StandardCharsets.US_ASCII));
            }
            if (message != null) {
                line.writeBytes(message);
            }
            entry(cursor, line.toByteArray());
            cursor = null;
            ident = null;
            pid = null;
            message = null;
        }
    }

    /** Ends a once-run's stream when the newest entry is stored. */
    private static final class StopOnce extends RuntimeException {
        private static final long serialVersionUID = 1L;
    }
}
