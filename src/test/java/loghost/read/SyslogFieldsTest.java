package loghost.read;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The PRI, identifier and PID of the syslog layouts the daemons of README's configurations write. */
class SyslogFieldsTest {

    private static SyslogFields of(String line) {
        return SyslogFields.of(line.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void readsRsyslogsAndSyslogNgsLinesAndRfc5424AndTheClassicLayout() {
        assertEquals(new SyslogFields(6, 4, "sshd", "1234"),
                of("<38>2026-11-24T10:00:00.123456+00:00 web01 sshd[1234]: Accepted publickey for admin"));
        assertEquals(new SyslogFields(3, 3, "cron", null), of("<27>Nov  4 10:00:00 web01 cron: job failed"));
        assertEquals(new SyslogFields(5, 1, "myapp", "8710"),
                of("<13>1 2026-11-24T10:00:00.003Z web01 myapp 8710 ID47 - an event"));
        assertEquals(new SyslogFields(5, 1, null, null), of("<13>1 2026-11-24T10:00:00Z web01 - - - -"));
        assertEquals(new SyslogFields(4, 0, "kernel", null), of("<4>kernel: [ 1.0] usb 1-1: reset"));
        assertEquals(new SyslogFields(0, 23, null, null), of("<184>something without a tag"));
        assertEquals(new SyslogFields(7, 23, null, null), of("<191>"));
    }

    @ParameterizedTest
    @CsvSource({"plain line without PRI", "<192>out of range", "<013>leading zero", "<>empty", "< 13>space", "x<13>"})
    void aLineWithoutAValidPriHasNoFields(String line) {
        assertNull(of(line));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "emerg        | 1",
        "err          | 15",
        "3            | 15",
        "debug        | 255",
        "warning..err | 24",
        "err..warning | 24",
        "0..0         | 1",
        "info..7      | 192",
    })
    void aPriorityIsThatLevelAndMoreImportantOnesOrARangeAsJournalctlP(String value, int mask) {
        assertEquals(mask, SyslogFields.priorityMask(value));
    }

    @Test
    void anUnknownPriorityIsNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SyslogFields.priorityMask("error"));
        assertEquals("not a priority: \"error\"; priorities are emerg, alert, crit, err, warning, notice, info, "
                + "debug or 0 to 7, or a range FROM..TO", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> SyslogFields.priorityMask("8"));
        assertThrows(IllegalArgumentException.class, () -> SyslogFields.priorityMask("err.."));
    }
}
