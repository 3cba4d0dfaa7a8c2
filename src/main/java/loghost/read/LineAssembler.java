package loghost.read;

import java.io.ByteArrayOutputStream;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import loghost.store.Escaping;
import loghost.store.RecordView;

/**
 * Turns records back into what the host sent: decodes each message and joins a session's {@code cont} records
 * with the record that ends its line (FORMAT.md, "META attributes"). Other sessions' records may come in between;
 * a session's unfinished line is held until its end arrives, up to {@link #MAX_PENDING} bytes, after which the
 * held part is emitted as an entry of its own (flagged {@code partial}) rather than held without bound.
 */
final class LineAssembler {

    /** Bytes of one unfinished line held back before they are emitted as a partial entry. */
    static final int MAX_PENDING = 64 << 20;

    private static final Pattern SESSION = Pattern.compile("(?:^|,)s=([0-9]+)(?:,|$)");

    /** One line (or one non-log record) as the host sent it. */
    record Entry(long seq, String time, String type, String meta, byte[] bytes, boolean endsLine, boolean partial) {
    }

    /** Receives entries in the order their last record appears in the chain. */
    interface Sink {
        /** One entry; returns false to stop reading. */
        boolean accept(Entry e) throws java.io.IOException;
    }

    /** A session's unfinished line and its newest record. */
    private static final class Held {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        long seq;
        String time;
        String meta;
    }

    private final Map<String, Held> pending = new LinkedHashMap<>();

    /**
     * Feeds one record, parsed by {@code r} from {@code raw}; returns what {@code sink} returned, or true when the
     * record only continued a line.
     */
    boolean accept(RecordView r, byte[] raw, Sink sink) throws java.io.IOException {
        byte[] message;
        try {
            message = Escaping.unescape(raw, r.messageStart(), r.end() - r.messageStart());
        } catch (IllegalArgumentException e) {
            throw new java.io.IOException("record " + r.seq() + ": message is not in escaped form: " + e.getMessage()
                    + " (run loghost verify)", e);
        }
        String type = r.type();
        String meta = r.meta();
        String session = session(meta);
        Held held = session == null ? null : pending.get(session);
        if ("cont".equals(type) && session != null) {
            if (held == null) {
                held = new Held();
                pending.put(session, held);
            }
            held.bytes.writeBytes(message);
            held.seq = r.seq();
            held.time = r.time();
            held.meta = meta;
            if (held.bytes.size() >= MAX_PENDING) {
                pending.remove(session);
                return sink.accept(new Entry(r.seq(), r.time(), "log", meta, held.bytes.toByteArray(), false, true));
            }
            return true;
        }
        if (held != null && "log".equals(type)) {
            pending.remove(session);
            held.bytes.writeBytes(message);
            message = held.bytes.toByteArray();
        }
        return sink.accept(new Entry(r.seq(), r.time(), type, meta, message, "log".equals(type), false));
    }

    /** Emits every line still unfinished (sessions that ended without a final LF), oldest session first. */
    void finish(Sink sink) throws java.io.IOException {
        for (Held h : pending.values()) {
            if (!sink.accept(new Entry(h.seq, h.time, "cont", h.meta, h.bytes.toByteArray(), false, false))) {
                break;
            }
        }
        pending.clear();
    }

    private static String session(String meta) {
        Matcher m = SESSION.matcher(meta);
        return m.find() ? m.group(1) : null;
    }
}
