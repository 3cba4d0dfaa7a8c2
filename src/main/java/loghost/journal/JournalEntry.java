package loghost.journal;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * One journal entry as it is stored (docs/FORMAT.md, "Journal entries"): its line {@code IDENT[PID]: MESSAGE} and the
 * META items that keep its other fields ({@code ,t=...,p=...}, each with its leading comma; empty when none), which go
 * on the {@code log} record that ends the entry.
 *
 * @param line the entry's line, as pull mode and {@code append-log --journal} have always stored it
 * @param meta the META items after {@code c=}, each beginning with a comma
 */
public record JournalEntry(byte[] line, String meta) {

    /** Longest {@code _SYSTEMD_UNIT} kept, in bytes: systemd's own limit on unit names (UNIT_NAME_MAX). */
    public static final int MAX_UNIT = 256;
    /** Longest {@code _HOSTNAME} kept, in bytes: Linux's HOST_NAME_MAX. */
    public static final int MAX_HOSTNAME = 64;

    private static final Pattern REALTIME = Pattern.compile("[0-9]{1,19}");
    private static final Pattern PRIORITY = Pattern.compile("[0-7]");
    private static final Pattern BOOT_ID = Pattern.compile("[0-9a-f]{32}");
    private static final Pattern PID = Pattern.compile("[1-9][0-9]{0,9}");

    /** The fields of one entry as the export parser collected them (null: absent), turned into a stored entry. */
    static JournalEntry of(Fields f) {
        StringBuilder meta = new StringBuilder();
        StringBuilder unkept = new StringBuilder();
        if (f.realtime != null) {
            String v = ascii(f.realtime);
            if (REALTIME.matcher(v).matches() && Long.parseUnsignedLong(v) >= 0) {
                long us = Long.parseLong(v);
                meta.append(",t=").append(us / 1_000_000).append('.').append(String.format("%06d", us % 1_000_000));
            } else {
                unkept.append(".t");
            }
        }
        keep(meta, unkept, "p", f.priority, PRIORITY);
        keep(meta, unkept, "b", f.bootId, BOOT_ID);
        keep(meta, unkept, "pid", f.pid, PID);
        hex(meta, unkept, "u", f.unit, MAX_UNIT);
        hex(meta, unkept, "hn", f.hostname, MAX_HOSTNAME);
        byte[] line = line(f.ident, f.pid, f.message);
        if (f.ident != null) {
            // The identifier as the line holds it (bytes that are not UTF-8 replaced): its length in the line.
            meta.append(",il=").append(identifier(f.ident).length);
        }
        if (f.message != null) {
            meta.append(",ml=").append(f.message.length);
        }
        if (unkept.length() > 0) {
            meta.append(",unkept=").append(unkept, 1, unkept.length());
        }
        return new JournalEntry(line, meta.toString());
    }

    private static void keep(StringBuilder meta, StringBuilder unkept, String key, byte[] value, Pattern grammar) {
        if (value == null) {
            return;
        }
        String v = ascii(value);
        if (grammar.matcher(v).matches()) {
            meta.append(',').append(key).append('=').append(v);
        } else {
            unkept.append('.').append(key);
        }
    }

    private static void hex(StringBuilder meta, StringBuilder unkept, String key, byte[] value, int max) {
        if (value == null) {
            return;
        }
        if (value.length == 0 || value.length > max) {
            unkept.append('.').append(key);
        } else {
            meta.append(',').append(key).append('=').append(HexFormat.of().formatHex(value));
        }
    }

    // An ASCII reading in which any other byte becomes a replacement character, so that no grammar accepts it.
    private static String ascii(byte[] value) {
        return new String(value, StandardCharsets.US_ASCII);
    }

    private static byte[] identifier(byte[] ident) {
        // Decoded and encoded again as before: a byte that is not UTF-8 is replaced.
        return new String(ident, StandardCharsets.UTF_8).getBytes(StandardCharsets.UTF_8);
    }

    // IDENT[PID]: MESSAGE, as stored since the first journal support (a PID byte that is not ASCII becomes '?').
    private static byte[] line(byte[] ident, byte[] pid, byte[] message) {
        java.io.ByteArrayOutputStream line = new java.io.ByteArrayOutputStream();
        if (ident != null) {
            line.writeBytes(identifier(ident));
            if (pid != null) {
                line.writeBytes(("[" + ascii(pid) + "]").getBytes(StandardCharsets.US_ASCII));
            }
            line.writeBytes(": ".getBytes(StandardCharsets.US_ASCII));
        }
        if (message != null) {
            line.writeBytes(message);
        }
        return line.toByteArray();
    }

    /** The fields of the entry being parsed, each the bytes of its last value, or null when the entry had none. */
    static final class Fields {
        byte[] ident;
        byte[] pid;
        byte[] message;
        byte[] realtime;
        byte[] priority;
        byte[] bootId;
        byte[] unit;
        byte[] hostname;

        void clear() {
            ident = null;
            pid = null;
            message = null;
            realtime = null;
            priority = null;
            bootId = null;
            unit = null;
            hostname = null;
        }
    }
}
