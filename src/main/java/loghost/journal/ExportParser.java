package loghost.journal;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * journalctl's export format ({@code journalctl -o export}): {@code NAME=value} lines, or {@code NAME}, a
 * little-endian 64-bit length, the bytes and a newline for a binary value; an empty line ends an entry. Each entry
 * goes to the sink as its cursor and a {@link JournalEntry}: its line {@code IDENT[PID]: MESSAGE} (docs/PROTOCOL.md,
 * "The journal") and the META items of its other kept fields (docs/FORMAT.md, "Journal entries"): the one parser of
 * pull mode's journal and of {@code append-log --journal}.
 *
 * @param <E> what the sink may throw
 */
public final class ExportParser<E extends Exception> {

    /** Largest binary field value taken (journald's own entries stay far below). */
    public static final int MAX_FIELD = 16 << 20;
    /** Bytes held while waiting for a field to end: the largest field with its name, length and LF. */
    public static final int MAX_PENDING = MAX_FIELD + 64 * 1024;
    /** Longest field name: journald's own rule (journal_field_valid), so no real entry is refused for it. */
    public static final int MAX_NAME = 64;
    /** Longest {@code __CURSOR}: journald's are about 150 bytes (six fixed-size parts). */
    public static final int MAX_CURSOR = 1024;
    /** Most bytes one entry's kept fields (identifier, PID, message) may hold together. */
    public static final int MAX_KEPT = MAX_PENDING;

    /** Where each complete entry goes. */
    public interface Entries<E extends Exception> {
        /** One entry: its {@code __CURSOR} (null when it had none), its line and its kept fields. */
        void entry(String cursor, JournalEntry entry) throws E;
    }

    private final Entries<E> sink;
    // The bytes not yet parsed are a[0, len); none of a[0, scanned) is an LF (so a field arriving in many
    // chunks is searched once, not once per chunk: a 16 MiB field costs linear, not quadratic, time).
    private byte[] a = new byte[64 * 1024];
    private int len;
    private int scanned;
    private String cursor;
    private final JournalEntry.Fields fields = new JournalEntry.Fields();

    /** A parser handing entries to {@code sink}. */
    public ExportParser(Entries<E> sink) {
        this.sink = sink;
    }

    /** Parses {@code b[0, n)}, handing on every entry it completes. */
    public void feed(byte[] b, int n) throws ExportException, E {
        if (a.length - len < n) {
            a = Arrays.copyOf(a, Math.max(a.length * 2, len + n));
        }
        System.arraycopy(b, 0, a, len, n);
        len += n;
        int p = 0;
        while (true) {
            int lf = indexOf((byte) '\n', Math.max(p, scanned), len);
            if (lf < 0) {
                scanned = len;
                break;
            }
            if (lf == p) {
                finishEntry();
                p = lf + 1;
                continue;
            }
            // A name is at most 64 bytes: the '=' (or, for a binary field, the LF) must come by then, and a name
            // is never searched again and again as its field's bytes arrive.
            int eq = indexOf((byte) '=', p, Math.min(lf, p + MAX_NAME + 1));
            if (eq < 0 && lf - p > MAX_NAME) {
                throw new ExportException("a field name longer than " + MAX_NAME + " bytes");
            }
            if (eq >= 0) {
                field(new String(a, p, eq - p, StandardCharsets.US_ASCII), Arrays.copyOfRange(a, eq + 1, lf));
                p = lf + 1;
                continue;
            }
            // A binary field: its name's LF is found; its length and bytes may still be on their way.
            scanned = p;
            int next = binaryField(p, lf);
            if (next < 0) {
                break;
            }
            p = next;
        }
        // A sender that never ends a field (no LF, a length never reached) must not fill the heap.
        if (len - p > MAX_PENDING) {
            throw new ExportException("more than " + MAX_PENDING + " bytes without the end of a field");
        }
        if (p > 0) {
            System.arraycopy(a, p, a, 0, len - p);
            len -= p;
            scanned = Math.max(0, scanned - p);
        }
    }

    // The binary field whose name is a[p, lf): where the next field starts, or -1 while its bytes are still coming.
    private int binaryField(int p, int lf) throws ExportException {
        if (len < lf + 1 + 8) {
            return -1;
        }
        long size = 0;
        for (int i = 7; i >= 0; i--) {
            size = (size << 8) | (a[lf + 1 + i] & 0xff);
        }
        if (size < 0 || size > MAX_FIELD) {
            throw new ExportException("a field longer than " + MAX_FIELD + " bytes");
        }
        int start = lf + 1 + 8;
        if (len < start + size + 1) {
            return -1;
        }
        if (a[start + (int) size] != '\n') {
            throw new ExportException("a binary field not followed by LF");
        }
        field(new String(a, p, lf - p, StandardCharsets.US_ASCII), Arrays.copyOfRange(a, start, start + (int) size));
        return start + (int) size + 1;
    }

    private int indexOf(byte b, int from, int to) {
        for (int i = from; i < to; i++) {
            if (a[i] == b) {
                return i;
            }
        }
        return -1;
    }

    private void field(String name, byte[] value) throws ExportException {
        switch (name) {
            case "__CURSOR" -> {
                if (value.length > MAX_CURSOR) {
                    throw new ExportException("a __CURSOR longer than " + MAX_CURSOR + " bytes");
                }
                cursor = new String(value, StandardCharsets.US_ASCII);
            }
            case "SYSLOG_IDENTIFIER" -> fields.ident = kept(value, fields.pid, fields.message);
            case "_PID" -> fields.pid = kept(value, fields.ident, fields.message);
            case "MESSAGE" -> fields.message = kept(value, fields.ident, fields.pid);
            case "__REALTIME_TIMESTAMP" -> fields.realtime = small(value);
            case "PRIORITY" -> fields.priority = small(value);
            case "_BOOT_ID" -> fields.bootId = small(value);
            case "_SYSTEMD_UNIT" -> fields.unit = small(value);
            case "_HOSTNAME" -> fields.hostname = small(value);
            default -> { }
        }
    }

    // The kept fields of one entry are held until its end: together they are bounded, whatever their order.
    private static byte[] kept(byte[] value, byte[] other, byte[] third) throws ExportException {
        long total = (long) value.length + (other == null ? 0 : other.length) + (third == null ? 0 : third.length);
        if (total > MAX_KEPT) {
            throw new ExportException("an entry whose identifier, PID and message hold more than " + MAX_KEPT
                    + " bytes");
        }
        return value;
    }

    // A field kept as a META value is short when valid: a longer one is held as an empty value, which no grammar
    // takes (it is then named in unkept=), so these fields never hold more than a few hundred bytes.
    private static byte[] small(byte[] value) {
        return value.length > JournalEntry.MAX_UNIT ? new byte[0] : value;
    }

    private void finishEntry() throws E {
        JournalEntry entry = JournalEntry.of(fields);
        String c = cursor;
        cursor = null;
        fields.clear();
        sink.entry(c, entry);
    }
}
