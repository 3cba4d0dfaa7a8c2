package loghost.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import loghost.testing.Run;
import loghost.testing.ServerProcess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** SIGHUP's one line names every changed server setting a restart needs, pull mode's included, key by key. */
class ReloadReportTest {

    @TempDir
    Path dir;

    @Test
    void sighupNamesChangedPullAndHousekeepingKeysAsNeedingARestartAndNeverForwardKeys() throws Exception {
        Path conf = Files.writeString(dir.resolve("loghost.conf"), "loghost.seal.enabled = false\n");
        try (ServerProcess s = ServerProcess.startWith(dir.resolve("data"), dir.resolve("stderr.txt"),
                dir.resolve("known_hosts"), "--config", conf.toString())) {
            // Before: pull settings were never re-read, and housekeeping changes were named as one lump.
            Files.writeString(conf, "loghost.seal.enabled = false\nloghost.pull.backoff-max = 2m\n"
                    + "loghost.housekeeping.interval = 10m\nloghost.forward.heartbeat-interval = 5s\n");
            Run.Result hup = Run.run("kill", "-HUP", String.valueOf(s.process().pid()));
            assertEquals(0, hup.exit(), hup::toString);
            String expected = "config-reloaded changed=none needs-restart=pull.backoff-max,housekeeping.interval "
                    + "(enrolled keys re-read)";
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (!s.stderr().contains(expected)) {
                assertTrue(System.nanoTime() < deadline, () -> "no \"" + expected + "\" in:\n" + s.stderr());
                Thread.sleep(50);
            }
            assertTrue(s.process().isAlive(), "SIGHUP never stops the server");
        }
    }
}
