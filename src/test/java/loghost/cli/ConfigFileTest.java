package loghost.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import loghost.testing.Cli;
import loghost.testing.Run;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 21 item 2: the config file every command reads (--config, else $LOGHOST_CONFIG) is used or is an error
 * naming it; a missing or unreadable one never falls back to the built-in defaults and their ./data.
 */
class ConfigFileTest {

    @TempDir
    Path dir;

    // The real program in its own JVM, with LOGHOST_CONFIG set as the installed launcher sets it.
    private Run.Result loghost(String config, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("java", "-cp", System.getProperty("java.class.path"),
                "loghost.cli.Main"));
        cmd.addAll(List.of(args));
        return Run.run(cmd, null, Map.of("LOGHOST_CONFIG", config), 120);
    }

    @Test
    void aConfigPathUnderARegularFileIsAnErrorNamingItAndUnknownForNagios() throws Exception {
        // What root meets too: the path cannot be reached, whoever asks.
        Path conf = Files.writeString(dir.resolve("etc"), "not a directory\n").resolve("loghost.conf");
        String why = "config file " + conf + " cannot be read (Not a directory); run loghost as the user the config "
                + "is meant for (e.g. sudo -u loghost loghost ...), or name another with --config";
        Run.Result status = Cli.main("status", "--config", conf.toString());
        assertEquals(1, status.exit(), status::toString);
        assertEquals("loghost: error: " + why + "\n", status.stderr());
        Run.Result nagios = Cli.main("status", "--nagios", "--config", conf.toString());
        assertEquals(3, nagios.exit(), nagios::toString);
        assertEquals("LOGHOST UNKNOWN - " + why + "\n", nagios.stdout());
        Run.Result keys = Cli.main("keys", "--config", conf.toString());
        assertEquals(1, keys.exit(), keys::toString);
        assertEquals("", keys.stdout(), "no header for keys that were not read");
    }

    @Test
    void aConfigInADirectoryThisUserCannotEnterIsUnreadableNotMissing() throws Exception {
        // /etc/loghost at 0700 and "sudo -u loghost loghost status": the file is there, this user cannot see it.
        Path etc = Files.createDirectories(dir.resolve("etc-loghost"));
        Path conf = Files.writeString(etc.resolve("loghost.conf"), "loghost.data-dir = \"" + dir + "\"\n");
        Files.setPosixFilePermissions(etc, PosixFilePermissions.fromString("---------"));
        try {
            Assumptions.assumeFalse(Files.isReadable(conf), "root enters a mode-0000 directory: nothing to refuse");
            Run.Result nagios = Cli.main("status", "--nagios", "--config", conf.toString());
            assertEquals(3, nagios.exit(), nagios::toString);
            assertEquals("LOGHOST UNKNOWN - config file " + conf + " cannot be read (permission denied on a directory "
                    + "above it); run loghost as the user the config is meant for (e.g. sudo -u loghost loghost ...), "
                    + "or name another with --config\n", nagios.stdout());
        } finally {
            Files.setPosixFilePermissions(etc, PosixFilePermissions.fromString("rwx------"));
        }
    }

    @Test
    void loghostConfigIsReadByEveryCommandForwardIncludedAndAMissingOneIsAnError() throws Exception {
        Path missing = dir.resolve("missing.conf");
        Run.Result nagios = loghost(missing.toString(), "status", "--nagios");
        assertEquals(3, nagios.exit(), nagios::toString);
        assertEquals("LOGHOST UNKNOWN - no such file: " + missing + "\n", nagios.stdout());
        Run.Result keys = loghost(missing.toString(), "keys");
        assertEquals(1, keys.exit(), keys::toString);
        assertEquals("loghost: error: no such file: " + missing + "\n", keys.stderr());
        // forward used to ignore LOGHOST_CONFIG and run on the built-in defaults.
        Run.Result forward = loghost(missing.toString(), "forward", "--stdin");
        assertEquals(1, forward.exit(), forward::toString);
        assertEquals("loghost: error: no such file: " + missing + "\n", forward.stderr());

        Path data = Files.createDirectories(dir.resolve("data"));
        Files.setPosixFilePermissions(data, PosixFilePermissions.fromString("rwx------"));
        Path conf = Files.writeString(dir.resolve("loghost.conf"), "loghost.data-dir = \"" + data + "\"\n"
                + "loghost.forward.to = \"nowhere\"\n");
        Run.Result status = loghost(conf.toString(), "status");
        assertEquals(0, status.exit(), status::toString);
        assertTrue(status.stdout().startsWith("status: 0 hosts"), status::toString);
        forward = loghost(conf.toString(), "forward", "--stdin");
        assertEquals(1, forward.exit(), forward::toString);
        assertEquals("loghost: error: --to: listen address \"nowhere\" must be HOST:PORT\n", forward.stderr());
        // --config wins over the environment.
        keys = loghost(missing.toString(), "keys", "--config", conf.toString());
        assertEquals(0, keys.exit(), keys::toString);
    }
}
