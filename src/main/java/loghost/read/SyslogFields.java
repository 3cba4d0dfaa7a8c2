package loghost.read;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The syslog fields of a line that begins with a PRI ({@code <13>}): severity and facility, and the identifier and
 * PID of its tag, from the layouts syslog daemons write: RFC 5424 ({@code <13>1 TIMESTAMP HOST APP PROCID MSGID ...}),
 * and RFC 3164 with either timestamp ({@code <13>Nov 24 10:00:00 HOST sshd[12]: ...}, rsyslog's and syslog-ng's
 * {@code <13>2026-11-24T10:00:00+00:00 HOST sshd[12]: ...}) or none ({@code <13>sshd[12]: ...}). Field names are
 * journald's, as {@code journalctl -o json} writes them.
 *
 * @param priority the severity, 0 (emerg) to 7 (debug)
 * @param facility 0 (kern) to 23 (local7)
 * @param identifier the tag's program name, or null
 * @param pid the tag's PID (RFC 5424: PROCID), or null
 */
public record SyslogFields(int priority, int facility, String identifier, String pid) {

    /** journald's priority names, by value. */
    public static final List<String> PRIORITIES = List.of("emerg", "alert", "crit", "err", "warning", "notice",
            "info", "debug");

    // Only so much of a line is looked at: the header of a syslog line is short.
    private static final int HEAD = 512;
    private static final Pattern PRI = Pattern.compile("<(0|[1-9][0-9]{0,2})>");
    private static final Pattern RFC5424 = Pattern.compile("1 \\S+ \\S+ (\\S+) (\\S+) ");
    private static final Pattern TIMESTAMP = Pattern.compile(
            "(?:[A-Z][a-z]{2} [ 0-9][0-9] [0-9]{2}:[0-9]{2}:[0-9]{2}|[0-9]{4}-[0-9]{2}-[0-9]{2}T\\S+) ");
    private static final Pattern TAG = Pattern.compile("([\\x21-\\x7e&&[^\\[\\]:]]{1,48})(?:\\[([0-9]{1,10})\\])?:");
    private static final Pattern HOSTNAME = Pattern.compile("\\S+ ");
    private static final Pattern PRINTABLE = Pattern.compile("[\\x21-\\x7e]{1,128}");

    /** The fields of {@code line}, or null when it does not begin with a valid PRI (0 to 191). */
    public static SyslogFields of(byte[] line) {
        String s = new String(line, 0, Math.min(line.length, HEAD), StandardCharsets.ISO_8859_1);
        Matcher pri = PRI.matcher(s);
        if (!pri.lookingAt()) {
            return null;
        }
        int value = Integer.parseInt(pri.group(1));
        if (value > 191) {
            return null;
        }
        int at = pri.end();
        Matcher m = RFC5424.matcher(s).region(at, s.length());
        if (m.lookingAt()) {
            return new SyslogFields(value & 7, value >> 3, nil(m.group(1)), nil(m.group(2)));
        }
        m = TIMESTAMP.matcher(s).region(at, s.length());
        boolean stamped = m.lookingAt();
        if (stamped) {
            at = m.end();
        }
        Matcher tag = TAG.matcher(s).region(at, s.length());
        if (!tag.lookingAt() && stamped) {
            Matcher host = HOSTNAME.matcher(s).region(at, s.length());
            if (host.lookingAt()) {
                tag = TAG.matcher(s).region(host.end(), s.length());
            }
        }
        if (tag.lookingAt()) {
            return new SyslogFields(value & 7, value >> 3, tag.group(1), tag.group(2));
        }
        return new SyslogFields(value & 7, value >> 3, null, null);
    }

    /** The severity of {@code line}, or -1 when it has no PRI. */
    static int priorityOf(byte[] line) {
        SyslogFields f = of(line);
        return f == null ? -1 : f.priority();
    }

    /**
     * The severities a journalctl {@code -p} value selects, as a bit mask: one level ({@code err} or {@code 3}) is
     * that level and all more important ones; a range ({@code warning..err}, either way round) is both ends and
     * what lies between. IllegalArgumentException for anything else.
     */
    public static int priorityMask(String value) {
        int dots = value.indexOf("..");
        int from = dots < 0 ? 0 : level(value.substring(0, dots));
        int to = level(dots < 0 ? value : value.substring(dots + 2));
        int mask = 0;
        for (int i = Math.min(from, to); i <= Math.max(from, to); i++) {
            mask |= 1 << i;
        }
        return mask;
    }

    private static int level(String name) {
        int i = PRIORITIES.indexOf(name);
        if (i >= 0) {
            return i;
        }
        if (name.matches("[0-7]")) {
            return name.charAt(0) - '0';
        }
        throw new IllegalArgumentException("not a priority: \"" + name.replaceAll("[^ -~]", "?") + "\"; priorities are "
                + String.join(", ", PRIORITIES) + " or 0 to 7, or a range FROM..TO");
    }

    // RFC 5424's NILVALUE, and anything unprintable, is no field.
    private static String nil(String field) {
        return field.equals("-") || !PRINTABLE.matcher(field).matches() ? null : field;
    }
}
