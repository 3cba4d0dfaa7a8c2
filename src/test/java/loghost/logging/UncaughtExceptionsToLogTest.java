package loghost.logging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import loghost.testing.Run;
import org.junit.jupiter.api.Test;

/** An exception that ends a thread reaches stderr as one escaped log line, not as the JVM's raw stack trace. */
class UncaughtExceptionsToLogTest {

    @Test
    void aThreadDyingOfAnExceptionWithClientTextGivesOneEscapedLogLine() throws Exception {
        String forged = "refused reason=fake source=10.66.66.66";
        Run.Result r = Run.run(List.of("java", "-Xmx64m", "-cp", System.getProperty("java.class.path"),
                DiesInAThread.class.getName(), forged), null, Map.of(), 60);
        assertEquals(0, r.exit(), r::toString);
        String[] lines = r.stderr().split("\n");
        assertEquals(2, lines.length, r::toString);
        assertTrue(lines[0].endsWith(" INFO  DiesInAThread started"), lines[0]);
        assertTrue(lines[1].matches("\\S+ ERROR uncaught uncaught-exception thread=sshd-worker\\\\n"
                + "java\\.lang\\.IllegalStateException: bad name x\\\\n" + forged + "\\\\x1b\\[2J\\\\n\\\\tat loghost\\."
                + "logging\\.DiesInAThread\\..*"), lines[1]);
    }
}
