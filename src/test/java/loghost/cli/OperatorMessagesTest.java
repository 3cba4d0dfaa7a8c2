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

    private static Run.Result forward(String... args) {
        java.io.StringWriter out = new java.io.StringWriter();
        java.io.StringWriter err = new java.io.StringWriter();
        int code = Main.run(new java.io.PrintWriter(out), new java.io.PrintWriter(err), args);
        return new Run.Result(code, out.toString(), err.toString());
    }

    @Test
    void forwardRefusesAPrivateKeyOthersCanReadAsSshDoes() throws Exception {
        Path key = KeyGen.generate(dir, "web01", "ed25519");
        Files.setPosixFilePermissions(key, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
        Path knownHosts = Files.writeString(dir.resolve("known_hosts"), "[127.0.0.1]:2222 ssh-ed25519 AAAA\n");
        Run.Result r = forward("forward", "--to", "127.0.0.1:2222", "--key", key.toString(), "--known-hosts",
                knownHosts.toString(), "--spool", dir.resolve("spool").toString(), "--stdin");
        assertEquals(1, r.exit(), r::toString);
        assertEquals("loghost: error: private key " + key + " is open to group or others (mode rw-r--r--); fix with: "
                + "chmod 600 " + key + "\n", r.stderr());
        assertFalse(Files.exists(dir.resolve("spool")), "nothing started");
    }

    @Test
    void forwardWithoutItsKnownHostsFileSaysSoAtStartAndStillSpools() throws Exception {
        Path key = KeyGen.generate(dir, "web01", "ed25519");
        Path knownHosts = dir.resolve("known_hosts");
        Path spool = dir.resolve("spool");
        loghost.testing.ForwarderProcess f = loghost.testing.ForwarderProcess.startPiped(java.util.List.of(),
                dir.resolve("forward.err"), "--to", "127.0.0.1:1", "--key", key.toString(), "--known-hosts",
                knownHosts.toString(), "--spool", spool.toString(), "--stdin", "--heartbeat", "0s");
        try {
            f.awaitLog("loghost forward: warning: no such file: "
                    + knownHosts + " (the loghost's host key, as the line \"[HOST]:PORT ssh-ed25519 AAAA...\" made "
                    + "from its DATA/ssh_host_ed25519_key.pub); lines are spooled, and the loghost is refused until "
                    + "the file is there");
            f.awaitLog("stream-created");
        } finally {
            f.kill();
        }
    }
}
