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
    private String stream;
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
        }
        this.sessionId = session;
    }

    /** Adds a message of an acknowledged stream with its client sequence number. */
    public void add(RecordType type, byte[] raw, int off, int len, long clientSeq) {
        add(type, raw, off, len);
        clientSeqs[count - 1] = clientSeq;
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
            }
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
        count = 0;
        dataLength = 0;
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

    /** The client sequence number of the last message (acknowledged streams only). */
    public long lastClientSeq() {
        return clientSeqs[count - 1];
    }
}
