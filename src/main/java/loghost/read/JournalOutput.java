package loghost.read;

import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * How {@code cat}, {@code tail} and {@code grep} show a journal entry: by default as {@code journalctl -o short-iso}
 * does ({@code 2026-12-07T06:57:15+0000 HOST IDENT[PID]: MESSAGE}), with {@code -o json} its fields under journald's
 * names and in journalctl's value forms (a string, or an array of byte values when not printable UTF-8).
 */
final class JournalOutput {

    // journalctl -o short-iso's time: seconds and a numeric zone; loghost prints UTC, as everywhere.
    private static final DateTimeFormatter SHORT_ISO = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ssxx")
            .withZone(ZoneOffset.UTC);

    private JournalOutput() {
    }

    /**
     * What precedes the entry's line: its realtime ({@code t=}; for an entry stored without it, the receive time) to
     * the second, and {@code host}, the host the loghost stored it under (not the {@code _HOSTNAME} it claims).
     */
    static byte[] shortIsoPrefix(String host, LineAssembler.Entry e, JournalFields f) {
        String time = f.realtime() >= 0 ? SHORT_ISO.format(Instant.ofEpochSecond(f.realtime() / 1_000_000))
                : e.time().substring(0, 19) + "+0000";
        return (time + " " + host + " ").getBytes(StandardCharsets.US_ASCII);
    }

    /** The entry's fields as JSON members, each preceded by a comma, in journalctl's order of importance. */
    static String json(JournalFields f) {
        StringBuilder b = new StringBuilder();
        member(b, "MESSAGE", f.message());
        if (f.priority() >= 0) {
            member(b, "PRIORITY", String.valueOf(f.priority()));
        }
        member(b, "SYSLOG_IDENTIFIER", f.identifier());
        if (f.pid() != null) {
            member(b, "_PID", f.pid());
        }
        member(b, "_SYSTEMD_UNIT", f.unit());
        member(b, "_HOSTNAME", f.hostname());
        if (f.bootId() != null) {
            member(b, "_BOOT_ID", f.bootId());
        }
        if (f.realtime() >= 0) {
            member(b, "__REALTIME_TIMESTAMP", String.valueOf(f.realtime()));
        }
        member(b, "__CURSOR", f.cursor());
        return b.toString();
    }

    private static void member(StringBuilder b, String name, String ascii) {
        b.append(",\"").append(name).append("\":\"").append(ascii).append('"');
    }

    // journalctl's rule (utf8_is_printable): valid UTF-8 with no control character but TAB and LF is a string;
    // anything else an array of the byte values, so no byte is lost or changed.
    private static void member(StringBuilder b, String name, byte[] value) {
        if (value == null) {
            return;
        }
        b.append(",\"").append(name).append("\":");
        String s = printable(value);
        if (s != null) {
            b.append('"');
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                switch (c) {
                    case '"' -> b.append("\\\"");
                    case '\\' -> b.append("\\\\");
                    case '\n' -> b.append("\\n");
                    case '\t' -> b.append("\\t");
                    default -> b.append(c);
                }
            }
            b.append('"');
            return;
        }
        b.append('[');
        for (int i = 0; i < value.length; i++) {
            b.append(i == 0 ? "" : ",").append(value[i] & 0xff);
        }
        b.append(']');
    }

    private static String printable(byte[] value) {
        String s;
        try {
            s = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(java.nio.ByteBuffer.wrap(value)).toString();
        } catch (CharacterCodingException e) {
            return null; // not UTF-8: written as bytes, which is what journalctl does too
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if ((c < 0x20 && c != '\t' && c != '\n') || (c >= 0x7f && c <= 0x9f)) {
                return null;
            }
        }
        return s;
    }
}
