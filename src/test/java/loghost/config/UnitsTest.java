package loghost.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import loghost.testing.Cli;
import loghost.testing.Run;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A duration or size reads the same on the command line as in the config file, and is refused the same way. */
class UnitsTest {

    @TempDir
    Path dir;

    private Settings withHeartbeat(String value) throws Exception {
        return SettingsLoader.load(Files.writeString(dir.resolve("f.conf"),
                "loghost.forward.heartbeat-interval = " + value + "\n"));
    }

    @Test
    void theCommandLineAndTheConfigFileAcceptTheSameDurations() throws Exception {
        for (String text : List.of("500", "500ms", "90s", "1.5h", "10 minutes", "2d", "250 millis")) {
            Path f = Files.writeString(dir.resolve("d.conf"),
                    "loghost.forward.heartbeat-interval = \"" + text + "\"\n");
            assertEquals(SettingsLoader.load(f).forward().heartbeat(), Units.duration("--heartbeat", text), text);
        }
        assertEquals(Duration.ofMillis(500), Units.duration("--heartbeat", "500"));
        assertEquals(Duration.ofMinutes(90), Units.duration("--heartbeat", "1.5h"));
        assertEquals(Duration.ofMillis(750), withHeartbeat("750").forward().heartbeat(), "a bare number: ms");
    }

    @Test
    void theCommandLineAndTheConfigFileAcceptTheSameSizes() throws Exception {
        for (String text : List.of("64KiB", "256MiB", "1G", "10kB", "4096", "2 mebibytes")) {
            Path f = Files.writeString(dir.resolve("s.conf"), "loghost.forward.spool-max = \"" + text + "\"\n");
            assertEquals(SettingsLoader.load(f).forward().spoolMaxBytes(), Units.bytes("--spool-max", text), text);
        }
        assertEquals(64 * 1024, Units.bytes("--spool-max", "64KiB"));
    }

    @Test
    void aMistakeReadsTheSameOnTheCommandLineAndInTheFile() throws Exception {
        assertEquals("--heartbeat: \"soon\" is not a duration (e.g. 500ms, 60s, 10m)", assertThrows(
                SettingsLoader.ConfigError.class, () -> Units.duration("--heartbeat", "soon")).getMessage());
        Path f = Files.writeString(dir.resolve("bad.conf"), "loghost.forward.heartbeat-interval = soon\n");
        assertEquals("loghost.forward.heartbeat-interval: \"soon\" is not a duration (e.g. 500ms, 60s, 10m)",
                assertThrows(SettingsLoader.ConfigError.class, () -> SettingsLoader.load(f)).getMessage());
        assertEquals("--spool-max: \"lots\" is not a size (e.g. 64KiB, 256MiB)", assertThrows(
                SettingsLoader.ConfigError.class, () -> Units.bytes("--spool-max", "lots")).getMessage());
        Files.writeString(f, "loghost.forward.spool-max = lots\n");
        assertEquals("loghost.forward.spool-max: \"lots\" is not a size (e.g. 64KiB, 256MiB)",
                assertThrows(SettingsLoader.ConfigError.class, () -> SettingsLoader.load(f)).getMessage());
        // The text is the value, not HOCON: quotes are not taken away, nothing is substituted.
        assertThrows(SettingsLoader.ConfigError.class, () -> Units.duration("--heartbeat", "\"5s\""));
        assertThrows(SettingsLoader.ConfigError.class, () -> Units.duration("--heartbeat", "${x}"));
    }

    @Test
    void theCliSaysWhichFlagHoldsABadDuration() {
        Run.Result r = Cli.main("forward", "--to", "127.0.0.1:1", "--stdin", "--heartbeat", "soon");
        assertEquals(1, r.exit(), r::toString);
        assertEquals("loghost: error: --heartbeat: \"soon\" is not a duration (e.g. 500ms, 60s, 10m)\n", r.stderr());
        r = Cli.main("status", "--data", dir.toString(), "--silent-after", "10 fortnights");
        assertEquals(1, r.exit(), r::toString);
        assertEquals("loghost: error: --silent-after: \"10 fortnights\" is not a duration (e.g. 500ms, 60s, 10m)\n",
                r.stderr());
    }
}
