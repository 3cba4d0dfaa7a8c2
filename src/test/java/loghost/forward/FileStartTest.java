package loghost.forward;

import static loghost.forward.ForwardRig.lines;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import loghost.testing.Cli;
import loghost.testing.ForwarderProcess;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Where {@code forward --file} starts, and that the start survives a restart before the first line. */
class FileStartTest {

    @TempDir
    Path dir;

    private ForwardRig rig;

    @BeforeEach
    void rig() throws Exception {
        rig = new ForwardRig(dir);
        rig.loghost();
    }

    @AfterEach
    void stop() throws Exception {
        rig.close();
    }

    private ForwarderProcess follow(Path log, String... extra) throws Exception {
        List<String> args = new ArrayList<>(List.of("--file", log.toString(), "--heartbeat", "0s"));
        args.addAll(List.of(extra));
        return rig.forward(dir.resolve("spool"), null, args.toArray(String[]::new));
    }

    private static void append(Path log, List<String> lines) throws Exception {
        try (OutputStream out = Files.newOutputStream(log, StandardOpenOption.CREATE, StandardOpenOption.APPEND)) {
            out.write((String.join("\n", lines) + "\n").getBytes(StandardCharsets.US_ASCII));
        }
    }

    @Test
    void fileThatAppearsAfterTheForwarderStartedIsReadFromItsStart() throws Exception {
        Path log = dir.resolve("late.log");
        ForwarderProcess fwd = follow(log);
        fwd.awaitLog("delivery-connected");
        append(log, lines("late file line", 1, 1000));
        assertEquals(lines("late file line", 1, 1000), rig.awaitStored(1000), fwd::stderr);
    }

    @Test
    void restartBeforeTheFirstLineNeitherLosesNorRepeatsALine() throws Exception {
        Path log = dir.resolve("app.log");
        append(log, lines("old line", 1, 50));
        ForwarderProcess fwd = follow(log);
        fwd.awaitLog("file-follow");
        fwd.kill();
        append(log, lines("written while stopped", 1, 100));
        fwd = follow(log);
        fwd.awaitLog("file-follow");
        append(log, lines("written after the restart", 1, 10));
        List<String> want = new ArrayList<>(lines("written while stopped", 1, 100));
        want.addAll(lines("written after the restart", 1, 10));
        assertEquals(want, rig.awaitStored(110), "an existing file starts at its end, kept from the first moment");
        Thread.sleep(1000); // nothing more may arrive (a repeat would)
        assertEquals(want, rig.stored());
        assertEquals(0, Cli.run(rig.data, "verify").exit());
    }

    @Test
    void restartBeforeALateFileAppearsStillReadsItFromItsStart() throws Exception {
        Path log = dir.resolve("later.log");
        ForwarderProcess fwd = follow(log);
        fwd.awaitLog("delivery-connected");
        fwd.kill();
        append(log, lines("appeared while stopped", 1, 100));
        fwd = follow(log);
        assertEquals(lines("appeared while stopped", 1, 100), rig.awaitStored(100), fwd::stderr);
    }

    @Test
    void fromStartReadsAnExistingFileFromItsStart() throws Exception {
        Path log = dir.resolve("app.log");
        append(log, lines("existing line", 1, 50));
        ForwarderProcess fwd = follow(log, "--from-start");
        assertEquals(lines("existing line", 1, 50), rig.awaitStored(50), fwd::stderr);
    }
}
