package loghost.read;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Which entries {@link HostLines} shows. {@code types} empty means all; times compare as the 24-byte TIME text,
 * with the entry's event time ({@code t=}, or TIME without it) unless {@code receiveTime}, then with its TIME;
 * {@code priorities} is a mask of syslog severities (0: any; otherwise a line without a PRI is not shown).
 */
public record EntryFilter(Set<String> types, String since, String until, Pattern match,
                     boolean invert, int priorities, List<Pattern> units,
                     boolean receiveTime) {
    /** A filter by type and event time only. */
    public EntryFilter(Set<String> types, String since, String until) {
        this(types, since, until, null, false, 0, List.of(), false);
    }

    /** The same filter, keeping only entries whose text (decoded as UTF-8) {@code match} finds, or not. */
    public EntryFilter matching(Pattern pattern, boolean inverted) {
        return new EntryFilter(types, since, until, pattern, inverted, priorities, units, receiveTime);
    }

    /**
     * The same filter, keeping only lines whose PRI has a severity in {@code mask} (bit 0: emerg), and journal
     * entries whose {@code PRIORITY} has.
     */
    public EntryFilter withPriorities(int mask) {
        return new EntryFilter(types, since, until, match, invert, mask, units, receiveTime);
    }

    /**
     * The same filter, keeping only journal entries whose {@code _SYSTEMD_UNIT} one of {@code units} names, as
     * journalctl's {@code -u} (a name, {@code .service} added when it has no unit type, or a shell pattern).
     */
    public EntryFilter withUnits(List<String> units) {
        return new EntryFilter(types, since, until, match, invert, priorities,
                units.stream().map(JournalFields::unitPattern).toList(), receiveTime);
    }

    /** The same filter with since and until compared with the receive time (TIME) instead of the event time. */
    public EntryFilter byReceiveTime() {
        return new EntryFilter(types, since, until, match, invert, priorities, this.units, true);
    }

    boolean accepts(LineAssembler.Entry e) {
        String time = since == null && until == null || receiveTime ? e.time()
                : EventTime.millis(e.meta(), e.time());
        return (types.isEmpty() || types.contains(e.type()))
                && (since == null || time.compareTo(since) >= 0)
                && (until == null || time.compareTo(until) < 0)
                && hasPriority(e)
                && inUnits(e)
                && (match == null || match.matcher(new String(e.bytes(),
                        StandardCharsets.UTF_8)).find() != invert);
    }

    private boolean hasPriority(LineAssembler.Entry e) {
        if (priorities == 0) {
            return true;
        }
        JournalFields journal = JournalFields.of(e);
        int p = journal != null ? journal.priority() : SyslogFields.priorityOf(e.bytes());
        return p >= 0 && (priorities & 1 << p) != 0;
    }

    private boolean inUnits(LineAssembler.Entry e) {
        if (units.isEmpty()) {
            return true;
        }
        JournalFields journal = JournalFields.of(e);
        return journal != null && units.stream().anyMatch(journal::inUnit);
    }
}
