package loghost.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;
import loghost.testing.Cli;
import loghost.testing.HostRecords;
import loghost.testing.KeyGen;
import loghost.testing.Run;
import loghost.testing.ServerProcess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A revoked key is told apart from an unknown key in the audit trail, also after the server restarted. */
class RevokedKeysTest {

    @TempDir
    Path dir;

    private ServerProcess start() throws Exception {
        return ServerProcess.start(dir.resolve("data"), dir.resolve("stderr.txt"), dir.resolve("known_hosts"));
    }

    private static void stop(ServerProcess s) throws Exception {
        s.process().destroy();
        assertTrue(s.process().waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, s.process().exitValue(), s::stderr);
    }

    @Test
    void revokedKeyTryingAgainAfterARestartIsAuditedAsRevoked() throws Exception {
        Path data = dir.resolve("data");
        Path key = KeyGen.generate(dir, "web01", "ed25519");
        String fp = KeyGen.fingerprint(KeyGen.pub(key));
        assertEquals(0, Cli.run(data, "enroll", "web01", KeyGen.pub(key).toString()).exit());
        assertEquals(0, Cli.run(data, "revoke", "web01").exit());

        Run.Result listed = Cli.run(data, "keys", "--revoked");
        assertEquals(0, listed.exit(), listed::toString);
        assertTrue(listed.stdout().matches("FINGERPRINT\tHOST\tREVOKED\n" + java.util.regex.Pattern.quote(fp)
                + "\tweb01\t\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ\n"), listed.stdout());
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(
                data.resolve("revoked_keys"))));

        // A server started after the revocation never saw the key enrolled: only the file can tell it.
        ServerProcess s = start();
        Path in = dir.resolve("in");
        Files.writeString(in, "after revoke\n");
        assertEquals(255, Run.run(s.appendCommand(key), in, null, 60).exit());
        stop(s);
        assertTrue(HostRecords.read(data, "_loghost").stream().anyMatch(r -> r.text().contains(
                "refused reason=revoked-key") && r.text().contains("key=" + fp + " revoked-host=web01")),
                () -> s.stderr());

        // Enrolled again: off the list, and admitted.
        assertEquals(0, Cli.run(data, "enroll", "web01", KeyGen.pub(key).toString()).exit());
        assertEquals("FINGERPRINT\tHOST\tREVOKED\n", Cli.run(data, "keys", "--revoked").stdout());
        ServerProcess again = start();
        assertEquals(0, Run.run(again.appendCommand(key), in, null, 60).exit(), again::stderr);
        stop(again);
    }
}
