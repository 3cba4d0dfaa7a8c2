package loghost.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.file.Files;
import java.nio.file.Path;
import loghost.testing.Cli;
import loghost.testing.KeyGen;
import loghost.testing.Run;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The first-hour mistakes get one plain line naming what is wrong, and exit 1 (issue 13, "Clear messages"). */
class OperatorMessagesTest {

    @TempDir
    Path dir;

    @Test
    void enrollingAPrivateKeyFileSaysToGiveThePub() throws Exception {
        Path key = KeyGen.generate(dir, "web01", "ed25519");
        Run.Result r = Cli.run(dir.resolve("data"), "enroll", "web01", key.toString());
        assertEquals(1, r.exit(), r::toString);
        assertEquals("loghost: error: " + key + " is a private key; give the .pub (" + key + ".pub)\n", r.stderr());
        assertFalse(Files.exists(dir.resolve("data/enrolled_keys")), "nothing enrolled");
    }

    @Test
    void aConfigSyntaxErrorNamesTheFileAndTheLine() throws Exception {
        Path conf = dir.resolve("loghost.conf");
        Files.writeString(conf, "loghost {\n  audit {\n    refusals-per-second = = 5\n  }\n}\n");
        Run.Result r = Cli.run(dir.resolve("data"), "keys", "--config", conf.toString());
        assertEquals(1, r.exit(), r::toString);
        assertEquals(1, r.stderr().lines().count(), r::toString);
        String line = r.stderr().strip();
        assertEquals(true, line.startsWith("loghost: error: config file " + conf + " line 3: "), line);
    }

    @Test
    void aMissingConfigFileIsNoSuchFile() {
        Path conf = dir.resolve("nope.conf");
        Run.Result r = Cli.run(dir.resolve("data"), "keys", "--config", conf.toString());
        assertEquals(1, r.exit(), r::toString);
        assertEquals("loghost: error: no such file: " + conf + "\n", r.stderr());
    }
}
