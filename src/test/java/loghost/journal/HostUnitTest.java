package loghost.journal;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import loghost.testing.Run;
import loghost.testing.Tools;
import org.junit.jupiter.api.Test;

/** The host units (src/host/loghost-push-journal.service, loghost-push-file@.service) as {@code systemd-analyze
 * security} judges them. */
class HostUnitTest {

    private static final Pattern EXPOSURE = Pattern.compile("Overall exposure level for \\S+: ([0-9]+\\.[0-9]) ");

    @Test
    void theHostUnitIsHardenedAtLeastAsMuchAsTheForwarders() throws Exception {
        assertHardened("src/host/loghost-push-journal.service");
    }

    @Test
    void theFileUnitIsHardenedAsMuchAsTheJournals() throws Exception {
        // The template as instance syslog (the shipped example), as systemd would run it.
        assertHardened("src/host/loghost-push-file@syslog.service");
    }

    private static void assertHardened(String unit) throws Exception {
        Tools.SYSTEMD_ANALYZE.assume();
        Run.Result r = Run.run(List.of("systemd-analyze", "security", "--offline=true", unit), null, null, 120);
        Matcher m = EXPOSURE.matcher(r.stdout());
        assertTrue(m.find(), () -> "no exposure level in: " + r);
        // 4.9 with only the first few settings; 1.6 with loghost-forward.service's set (whose bound is 2.0).
        assertTrue(Double.parseDouble(m.group(1)) <= 2.0, r::toString);
    }
}
