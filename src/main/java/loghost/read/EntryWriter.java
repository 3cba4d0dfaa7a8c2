package loghost.read;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import loghost.store.Escaping;

/** Writes entries in one of the output modes of {@code loghost cat} and {@code tail}. */
public final class EntryWriter {

    /** Output modes. */
    public enum Mode {
        /**
         * The host's lines as sent, one per line (escaped when {@code escape} is set, e.g. on a terminal); a journal
         * entry's line preceded by its time and host, as {@code journalctl -o short-iso} shows it.
         */
        LINES,
        /** {@code SEQ TIME TYPE META MESSAGE}, the message always escaped. */
        RECORDS,
        /**
         * One JSON object per line; {@code message} in escaped form (always printable, valid UTF-8); a journal entry's
         * fields under journald's names.
         */
        JSON
    }

    private final OutputStream out;
    private final Mode mode;
    private final boolean escape;
    private final boolean prefixHost;

    /** A writer to {@code out}; with {@code escape}, LINES shows the escaped form instead of raw bytes. */
    public EntryWriter(OutputStream out, Mode mode, boolean escape) {
        this(out, mode, escape, false);
    }

    /**
     * As {@link #EntryWriter(OutputStream, Mode, boolean)}; with {@code prefixHost}, LINES and RECORDS begin each
     * line with {@code HOST } (several hosts in one stream; JSON names the host always).
     */
    public EntryWriter(OutputStream out, Mode mode, boolean escape, boolean prefixHost) {
        this.out = out;
        this.mode = mode;
        this.escape = escape;
        this.prefixHost = prefixHost;
    }

    void write(String host, LineAssembler.Entry e) throws IOException {
        if (prefixHost && mode != Mode.JSON) {
            out.write((host + " ").getBytes(StandardCharsets.US_ASCII)); // host names are ASCII, without spaces
        }
        switch (mode) {
            case LINES -> {
                JournalFields journal = JournalFields.of(e);
                if (journal != null) {
                    out.write(JournalOutput.shortIsoPrefix(host, e, journal));
                }
                out.write(escape ? Escaping.escape(e.bytes()) : e.bytes());
                out.write('\n');
            }
            case RECORDS -> {
                out.write((e.seq() + " " + e.time() + " " + e.type() + " " + e.meta() + " ")
                        .getBytes(StandardCharsets.US_ASCII));
                out.write(Escaping.escape(e.bytes()));
                out.write('\n');
            }
            case JSON -> {
                String escaped = new String(Escaping.escape(e.bytes()), StandardCharsets.UTF_8);
                // time: when the line happened (t=, or TIME without it); received: when the loghost stored it.
                String json = "{\"host\":\"" + host + "\",\"seq\":" + e.seq() + ",\"time\":\""
                        + EventTime.of(e.meta(), e.time()) + "\",\"received\":\"" + e.time()
                        + "\",\"type\":\"" + e.type() + "\",\"meta\":\"" + e.meta() + "\",\"line-ends\":"
                        + e.endsLine() + syslogFields(e) + ",\"message\":\"" + jsonString(escaped) + "\"}\n";
                out.write(json.getBytes(StandardCharsets.UTF_8));
            }
            default -> throw new IllegalStateException("unknown mode " + mode);
        }
    }

    void flush() throws IOException {
        out.flush();
    }

    // journald's names and string values, as journalctl -o json writes them: a journal entry's own fields, or those
    // of a line that begins with a PRI.
    private static String syslogFields(LineAssembler.Entry e) {
        JournalFields journal = JournalFields.of(e);
        if (journal != null) {
            return JournalOutput.json(journal);
        }
        SyslogFields f = SyslogFields.of(e.bytes());
        if (f == null) {
            return "";
        }
        StringBuilder b = new StringBuilder(",\"PRIORITY\":\"").append(f.priority())
                .append("\",\"SYSLOG_FACILITY\":\"").append(f.facility()).append('"');
        if (f.identifier() != null) {
            b.append(",\"SYSLOG_IDENTIFIER\":\"").append(jsonString(f.identifier())).append('"');
        }
        if (f.pid() != null) {
            b.append(",\"SYSLOG_PID\":\"").append(jsonString(f.pid())).append('"');
        }
        return b.toString();
    }

    // The escaped form holds no control characters: only backslash and quote need JSON escapes.
    private static String jsonString(String s) {
        return s.replace("\\", "\\\\").replace("\"", "\\\"");
    }
}
