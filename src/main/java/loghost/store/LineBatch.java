package loghost.store;

/**
 * Escaped messages waiting to be chained, filled by one session and handed whole to {@link HostLog#append}.
 * Reused across reads so the hot path allocates nothing per line.
 */
public final class LineBatch {

    private byte[] data = new byte[8192];
    private int dataLength;
    private int[] ends = new int[256];
    private RecordType[] types = new RecordType[256];
    private long[] clientSeqs;
    // META items after c= per message (a journal entry's fields), or null; allocated by the first message with any.
    private String[] extraMeta;
    // The stream of each message: one batch may hold several streams ({@link #streamNext}).
    private String[] streams;
    // Event times (ms since the epoch, 0: none, the record's TIME stands), allocated by the first message that has one.
    private long[] eventTimes;
    private String stream;
    private boolean mixed;
    private GapNamer gaps;
    private int gapsWritten;
    private int count;
    private long sessionId;
    private final boolean perSession;

    /** A batch for an SSH session's lines: its records carry {@code s=SESSION} in META. */
    public LineBatch() {
        this(true);
    }

    /** A batch whose records carry {@code s=} in META ({@code perSession}) or no attributes ({@code -}). */
    public LineBatch(boolean perSession) {
        this.perSession = perSession;
    }

    /**
     * Makes this a batch of an acknowledged stream: every message then carries the forwarder's stream id and its
     * own client sequence number ({@code c=STREAM:CSEQ} in META).
     */
    public void stream(String id) {
        this.stream = id;
        this.clientSeqs = new long[ends.length];
        this.streams = new String[ends.length];
    }

    /**
     * Makes the messages added from now on belong to stream {@code id}, with messages of other streams already in
     * this batch (the same session's): each stream's records are then filtered and numbered as its own, in one append.
     */
    public void streamNext(String id) {
        if (clientSeqs == null || streams == null || clientSeqs.length < ends.length) {
            clientSeqs = java.util.Arrays.copyOf(clientSeqs == null ? new long[0] : clientSeqs, ends.length);
            streams = java.util.Arrays.copyOf(streams == null ? new String[0] : streams, ends.length);
        }
        if (count > 0 && !id.equals(stream)) {
            mixed = true;
        }
        this.stream = id;
    }

    /**
     * Names the seqnums a stream's record skips past, as a {@code gap} record written just before it, under the
     * host's lock with the stream's position in the log at that moment (null: no gap records, the default). Reset
     * by {@link #rebind}, so that a batch lent to another session never fills gaps it did not ask for.
     */
    public void fillGaps(GapNamer namer) {
        this.gaps = namer;
    }

    /**
     * Points this empty batch at another session, so that one batch can serve many sessions in turn (the
     * server's workers): {@code stream} is the acknowledged stream's id or null, {@code session} the session id
     * as {@link #sessionId()} last returned it for that session (0 before its first record).
     */
    public void rebind(String stream, long session) {
        if (count != 0) {
            throw new IllegalStateException("a batch with messages cannot change session");
        }
        this.stream = stream;
        if (stream != null && (clientSeqs == null || clientSeqs.length < ends.length)) {
            clientSeqs = new long[ends.length];
            streams = new String[ends.length];
        }
        this.sessionId = session;
        this.gaps = null;
    }

    /** Adds a message of an acknowledged stream with its client sequence number. */
    public void add(RecordType type, byte[] raw, int off, int len, long clientSeq) {
        add(type, raw, off, len);
        clientSeqs[count - 1] = clientSeq;
        streams[count - 1] = stream;
    }

    /**
     * As {@link #add(RecordType, byte[], int, int, long)}, the record's META ending with {@code meta} after its
     * {@code c=} item: items {@code ,KEY=VALUE} in the META grammar (docs/FORMAT.md), or empty for none.
     */
    public void add(RecordType type, byte[] raw, int off, int len, long clientSeq, String meta) {
        add(type, raw, off, len, clientSeq);
        if (!meta.isEmpty()) {
            if (extraMeta == null) {
                extraMeta = new String[ends.length];
            } else if (extraMeta.length < ends.length) {
                extraMeta = java.util.Arrays.copyOf(extraMeta, ends.length);
            }
            extraMeta[count - 1] = meta;
        }
    }

    /**
     * Adds a message of an acknowledged stream with its client sequence number and its event time, {@code eventMillis}
     * ms since the epoch (positive; written as {@code t=} in META, docs/FORMAT.md).
     */
    public void add(RecordType type, byte[] raw, int off, int len, long clientSeq, long eventMillis) {
        add(type, raw, off, len, clientSeq);
        if (eventTimes == null) {
            eventTimes = new long[ends.length];
        }
        eventTimes[count - 1] = eventMillis;
    }

    /** Escapes {@code raw[off, off+len)} and adds it as one message of the given type. */
    public void add(RecordType type, byte[] raw, int off, int len) {
        room(Escaping.maxEscapedLength(len));
        dataLength = Escaping.escape(raw, off, len, data, dataLength);
        added(type);
    }

    /**
     * Adds {@code raw[off, off+len)} as it is: the caller found every byte plain ({@link Bytes#plainRunEnd}), which
     * escaping copies unchanged, so the line is not scanned a second time.
     */
    void addPlain(RecordType type, byte[] raw, int off, int len) {
        room(len);
        System.arraycopy(raw, off, data, dataLength, len);
        dataLength += len;
        added(type);
    }

    // Room for one more message of up to len bytes.
    private void room(int len) {
        int need = dataLength + len;
        if (need > data.length) {
            data = java.util.Arrays.copyOf(data, Math.max(need, 2 * data.length));
        }
        if (count == ends.length) {
            ends = java.util.Arrays.copyOf(ends, 2 * count);
            types = java.util.Arrays.copyOf(types, 2 * count);
            if (clientSeqs != null) {
                clientSeqs = java.util.Arrays.copyOf(clientSeqs, 2 * count);
                streams = java.util.Arrays.copyOf(streams, 2 * count);
            }
            if (eventTimes != null) {
                eventTimes = java.util.Arrays.copyOf(eventTimes, 2 * count);
            }
        }
        if (eventTimes != null) {
            eventTimes[count] = 0;
        }
    }

    private void added(RecordType type) {
        ends[count] = dataLength;
        types[count] = type;
        count++;
    }

    /** Number of messages waiting. */
    public int count() {
        return count;
    }

    /** Bytes of escaped messages waiting: what a session bounds to bound its memory. */
    public int bytes() {
        return dataLength;
    }

    /** Drops the messages (after they were appended); keeps the session id. */
    public void clear() {
        if (extraMeta != null) {
            java.util.Arrays.fill(extraMeta, 0, Math.min(count, extraMeta.length), null);
        }
        count = 0;
        dataLength = 0;
        mixed = false;
        if (data.length > (1 << 20)) {
            data = new byte[8192];
        }
    }

    int start(int i) {
        return i == 0 ? 0 : ends[i - 1];
    }

    int end(int i) {
        return ends[i];
    }

    RecordType type(int i) {
        return types[i];
    }

    byte[] data() {
        return data;
    }

    /** The seq of this session's first record, or 0 before it has one; written into each record's META. */
    public long sessionId() {
        return sessionId;
    }

    void sessionId(long id) {
        this.sessionId = id;
    }

    boolean perSession() {
        return perSession;
    }

    /** The acknowledged stream's id, or null for a plain session. */
    String streamId() {
        return stream;
    }

    long clientSeq(int i) {
        return clientSeqs[i];
    }

    /** The META items after {@code c=} of message {@code i}, or null when it has none. */
    String extraMeta(int i) {
        return extraMeta == null || i >= extraMeta.length ? null : extraMeta[i];
    }

    /** The stream of message {@code i} (acknowledged streams only). */
    String streamOf(int i) {
        return streams[i];
    }

    /** True when this batch holds messages of more than one stream. */
    boolean mixedStreams() {
        return mixed;
    }

    GapNamer gapNamer() {
        return gaps;
    }

    void gapsWritten(int n) {
        gapsWritten = n;
    }

    /** The {@code gap} records the last append of this batch wrote ({@link #fillGaps}). */
    public int gapsWritten() {
        return gapsWritten;
    }

    /** The text of a {@code gap} record naming the missing client sequence numbers {@code from..to} of a stream. */
    @FunctionalInterface
    public interface GapNamer {
        /** The record's message, plain printable ASCII. */
        byte[] text(String stream, long from, long to);
    }

    /** The event time of message {@code i} in ms since the epoch, or 0 when it has none. */
    long eventTime(int i) {
        return eventTimes == null ? 0 : eventTimes[i];
    }

    /** The client sequence number of the last message (acknowledged streams only). */
    public long lastClientSeq() {
        return clientSeqs[count - 1];
    }
}
