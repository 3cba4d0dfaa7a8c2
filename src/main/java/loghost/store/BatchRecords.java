package loghost.store;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.DigestException;
import java.util.HashMap;
import java.util.Map;

/**
 * The records of one batch as they are chained: one receive time for all, the META of each ({@code s=} of a
 * session, {@code c=} of an acknowledged stream, {@code t=} of a line sent with its event time; docs/FORMAT.md,
 * "Records"), and each client sequence number of a
 * stream written once. Not thread-safe: its {@link HostLog} uses it under its lock.
 */
final class BatchRecords {

    private static final byte[] NO_META = {'-'};

    private final ChainHead head;
    private final DayFile file;
    private final StreamPositions streams;
    private final RecordTime time = new RecordTime();

    /** Records after {@code head}, into {@code file}, filtered by {@code streams}' positions. */
    BatchRecords(ChainHead head, DayFile file, StreamPositions streams) {
        this.head = head;
        this.file = file;
        this.streams = streams;
    }

    /**
     * Encodes {@code batch}'s records, all stamped {@code now}, after the chain head into the day file's output;
     * returns how many it wrote (records of an acknowledged stream already in the log are skipped; the {@code gap}
     * records of {@link LineBatch#fillGaps} counted in).
     */
    int write(LineBatch batch, long now) throws IOException, DigestException {
        byte[] meta = batch.perSession() ? ("s=" + batch.sessionId()).getBytes(StandardCharsets.US_ASCII) : NO_META;
        byte[] t = time.format(now);
        byte[] data = batch.data();
        int n = batch.count();
        String stream = batch.streamId();
        if (stream == null) {
            for (int i = 0; i < n; i++) {
                file.append(head, t, batch.type(i), meta, -1, 0, data, batch.start(i), batch.end(i));
            }
            batch.gapsWritten(0);
            return n;
        }
        // Exactly once: a client sequence number already in the log is never written again, whichever session of
        // the stream sends it. The positions are those before this batch (the log commits them after the write).
        LineBatch.GapNamer gaps = batch.gapNamer();
        Map<String, Position> others = batch.mixedStreams() ? new HashMap<>() : null;
        Position p = null;
        int written = 0;
        int gapsWritten = 0;
        for (int i = 0; i < n; i++) {
            String s = batch.streamOf(i);
            if (p == null || !p.stream.equals(s)) {
                p = others == null ? new Position(s, meta, streams.last(s))
                        : others.computeIfAbsent(s, x -> new Position(x, meta, streams.last(x)));
            }
            long c = batch.clientSeq(i);
            if (c <= p.committed) {
                continue;
            }
            // Seqnums skipped past, named against the log's own position under its lock: never a range another
            // session stored meanwhile, and one record however many are missing.
            if (gaps != null && p.reached > 0 && c > p.reached + 1) {
                byte[] text = gaps.text(s, p.reached + 1, c - 1);
                byte[] escaped = new byte[Escaping.maxEscapedLength(text.length)];
                int length = Escaping.escape(text, 0, text.length, escaped, 0);
                file.append(head, t, RecordType.GAP, p.prefix, c - 1, 0, escaped, 0, length);
                written++;
                gapsWritten++;
            }
            String extra = batch.extraMeta(i);
            if (extra == null) {
                // A line cannot have happened after the loghost received it: a later event time is the client's
                // clock running ahead, stored as the receive time, so that t= is never after TIME and a reader
                // finds a line of a given event time in that day's file or a later one (docs/FORMAT.md).
                long event = Math.min(batch.eventTime(i), now);
                file.append(head, t, batch.type(i), p.prefix, c, event, data, batch.start(i), batch.end(i));
            } else {
                // A journal entry's fields after c= (docs/FORMAT.md, "Journal entries"): rare enough to build.
                byte[] whole = (new String(p.prefix, StandardCharsets.US_ASCII) + c + extra)
                        .getBytes(StandardCharsets.US_ASCII);
                file.append(head, t, batch.type(i), whole, -1, 0, data, batch.start(i), batch.end(i));
            }
            written++;
            p.reached = Math.max(p.reached, c);
        }
        batch.gapsWritten(gapsWritten);
        return written;
    }

    /** One stream of a batch as it is written: its META prefix, its position before the batch and now. */
    private static final class Position {
        final String stream;
        final byte[] prefix;
        final long committed;
        long reached;

        Position(String stream, byte[] meta, long committed) {
            this.stream = stream;
            this.prefix = (new String(meta, StandardCharsets.US_ASCII) + ",c=" + stream + ":")
                    .getBytes(StandardCharsets.US_ASCII);
            this.committed = committed;
            this.reached = committed;
        }
    }

}
