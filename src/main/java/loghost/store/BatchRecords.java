package loghost.store;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.DigestException;

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
     * returns how many it wrote (records of an acknowledged stream already in the log are skipped).
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
            return n;
        }
        // Exactly once: a client sequence number already in the log is never written again, whichever session of
        // the stream sends it.
        long committed = streams.last(stream);
        byte[] prefix = (new String(meta, StandardCharsets.US_ASCII) + ",c=" + stream + ":")
                .getBytes(StandardCharsets.US_ASCII);
        int written = 0;
        for (int i = 0; i < n; i++) {
            long c = batch.clientSeq(i);
            if (c > committed) {
                // A line cannot have happened after the loghost received it: a later event time is the client's
                // clock running ahead, stored as the receive time, so that t= is never after TIME and a reader
                // finds a line of a given event time in that day's file or a later one (docs/FORMAT.md).
                long event = Math.min(batch.eventTime(i), now);
                file.append(head, t, batch.type(i), prefix, c, event, data, batch.start(i), batch.end(i));
                written++;
            }
        }
        return written;
    }

}
