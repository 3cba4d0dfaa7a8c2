package loghost.read;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The journal fields of a stored journal entry (docs/FORMAT.md, "Journal entries"): a {@code log} entry whose
 * {@code c=} names a journal stream ({@code j.SEQNUM_ID} pushed, {@code pull.j.SEQNUM_ID} pulled), its fields read
 * back from the META items its {@code log} record carries and from its line {@code IDENT[PID]: MESSAGE}.
 *
 * @param seqnumId the journal's sequence number id (32 hex digits)
 * @param seqnum the entry's sequence number
 * @param realtime {@code __REALTIME_TIMESTAMP} in microseconds, or -1 when not stored
 * @param priority {@code PRIORITY} 0 to 7, or -1 when not stored
 * @param bootId {@code _BOOT_ID}, or null
 * @param pid {@code _PID}, or null
 * @param unit {@code _SYSTEMD_UNIT}'s bytes, or null
 * @param hostname {@code _HOSTNAME}'s bytes (as the host claims it), or null
 * @param identifier {@code SYSLOG_IDENTIFIER}'s bytes as the line holds them, or null (or null when not stored)
 * @param message {@code MESSAGE}'s bytes, or null (or null when not stored)
 */
public record JournalFields(String seqnumId, long seqnum, long realtime, int priority, String bootId, String pid,
                            byte[] unit, byte[] hostname, byte[] identifier, byte[] message) {

    private static final Pattern STREAM = Pattern.compile("(?:^|,)c=(?:pull\\.)?j\\.([0-9a-f]{32}):([0-9]{1,19})(?:,|$)");
    private static final Pattern REALTIME = Pattern.compile("([0-9]{1,13})\\.([0-9]{6})");
    private static final List<String> UNIT_TYPES = List.of(".service", ".socket", ".target", ".device", ".mount",
            ".automount", ".swap", ".timer", ".path", ".slice", ".scope");

    /** The fields of {@code e}, or null when it is not a journal entry. */
    static JournalFields of(LineAssembler.Entry e) {
        if (!"log".equals(e.type())) {
            return null;
        }
        Matcher c = STREAM.matcher(e.meta());
        if (!c.find()) {
            return null;
        }
        long realtime = -1;
        int priority = -1;
        String boot = null;
        String pid = null;
        byte[] unit = null;
        byte[] hostname = null;
        int il = -1;
        int ml = -1;
        for (String item : e.meta().split(",")) {
            int eq = item.indexOf('=');
            String v = item.substring(eq + 1);
            switch (item.substring(0, eq)) {
                case "t" -> realtime = realtime(v);
                case "p" -> priority = v.matches("[0-7]") ? v.charAt(0) - '0' : -1;
                case "b" -> boot = v;
                case "pid" -> pid = v;
                case "u" -> unit = hex(v);
                case "hn" -> hostname = hex(v);
                case "il" -> il = length(v);
                case "ml" -> ml = length(v);
                default -> { }
            }
        }
        byte[] line = e.bytes();
        // Lengths that do not fit the line (a record edited by hand: verify would say so) give no field at all.
        byte[] identifier = il >= 0 && il <= line.length ? Arrays.copyOfRange(line, 0, il) : null;
        byte[] message = ml >= 0 && ml <= line.length ? Arrays.copyOfRange(line, line.length - ml, line.length) : null;
        return new JournalFields(c.group(1), Long.parseUnsignedLong(c.group(2)), realtime, priority, boot, pid, unit,
                hostname, identifier, message);
    }

    private static long realtime(String v) {
        Matcher m = REALTIME.matcher(v);
        return m.matches() ? Long.parseLong(m.group(1)) * 1_000_000 + Long.parseLong(m.group(2)) : -1;
    }

    private static byte[] hex(String v) {
        try {
            return v.length() % 2 == 0 ? HexFormat.of().parseHex(v) : null;
        } catch (IllegalArgumentException e) {
            return null; // not hex: as if the key were absent (verify checks the grammar, not these values)
        }
    }

    private static int length(String v) {
        return v.matches("0|[1-9][0-9]{0,8}") ? Integer.parseInt(v) : -1;
    }

    /** The partial cursor journalctl's {@code --cursor} and {@code --after-cursor} take: {@code s=ID;i=HEX}. */
    public String cursor() {
        return "s=" + seqnumId + ";i=" + Long.toHexString(seqnum);
    }

    /**
     * A matcher for journalctl's {@code -u UNIT}: a shell pattern ({@code *}, {@code ?}, {@code [...]}) matches
     * {@code _SYSTEMD_UNIT} as a whole; a plain name without a unit type gets {@code .service}, as journalctl does.
     */
    static Pattern unitPattern(String unit) {
        if (unit.chars().noneMatch(ch -> "*?[".indexOf(ch) >= 0)) {
            boolean typed = UNIT_TYPES.stream().anyMatch(unit::endsWith);
            return Pattern.compile(Pattern.quote(typed ? unit : unit + ".service"));
        }
        StringBuilder re = new StringBuilder();
        for (int i = 0; i < unit.length(); i++) {
            char ch = unit.charAt(i);
            int close = ch == '[' ? unit.indexOf(']', i + 2) : -1;
            if (ch == '*') {
                re.append(".*");
            } else if (ch == '?') {
                re.append('.');
            } else if (close > 0) {
                String set = unit.substring(i + 1, close);
                boolean not = set.startsWith("!");
                re.append(not ? "[^" : "[").append(charClass(not ? set.substring(1) : set)).append(']');
                i = close;
            } else {
                re.append(Pattern.quote(String.valueOf(ch)));
            }
        }
        return Pattern.compile(re.toString(), Pattern.DOTALL);
    }

    // A bracket expression's members for a Java character class: a-z ranges kept, every other sign taken literally.
    private static String charClass(String set) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < set.length(); i++) {
            char ch = set.charAt(i);
            boolean range = ch == '-' && i > 0 && i < set.length() - 1;
            b.append(Character.isLetterOrDigit(ch) || range ? String.valueOf(ch) : "\\" + ch);
        }
        return b.toString();
    }

    /** True when this entry's {@code _SYSTEMD_UNIT} is kept and {@code unit} matches it whole. */
    boolean inUnit(Pattern unit) {
        return this.unit != null && unit.matcher(new String(this.unit, StandardCharsets.UTF_8)).matches();
    }
}
