package loghost.archive;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import loghost.testing.Cli;
import loghost.testing.Run;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * S3 credentials in the config file: the installed loghost.conf is world-readable, so a secret-key in a file others
 * can read stops every command at start, naming the file, its mode and the fix; closed to others, it is accepted.
 */
class S3CredentialsFileTest {

    private static final String S3_WITH_KEYS = "loghost.archive.destinations = [{ name = offsite, s3 { bucket = b, "
            + "region = \"eu-west-1\", access-key = \"AKIAEXAMPLE\", secret-key = \"wJalrXUtnFEMIEXAMPLE\" } }]\n";

    @TempDir
    Path dir;

    private Path config(String text, String mode) throws Exception {
        Path conf = dir.resolve("loghost.conf");
        Files.writeString(conf, text);
        Files.setPosixFilePermissions(conf, PosixFilePermissions.fromString(mode));
        return conf;
    }

    private Run.Result status(Path conf) {
        return Cli.main("status", "--config", conf.toString(), "--data", dir.resolve("data").toString());
    }

    @Test
    void secretKeyInAWorldReadableConfigFileIsRefusedNamingFileModeAndFix() throws Exception {
        Path conf = config(S3_WITH_KEYS, "rw-r--r--");
        Run.Result r = status(conf);
        assertEquals(1, r.exit(), r::toString);
        assertEquals("loghost: error: config file " + conf + " holds an archive secret-key but others can read it "
                + "(mode rw-r--r--): move the credentials to the environment (README, \"S3\"), or run: chown "
                + "root:loghost " + conf + " && chmod 640 " + conf + "\n", r.stderr());
        assertTrue(!r.stderr().contains("wJalrXUtnFEMIEXAMPLE"), "the secret is never printed");
    }

    @Test
    void secretKeyInAFileClosedToOthersAndNoSecretInAnOpenFileAreAccepted() throws Exception {
        Run.Result closed = status(config(S3_WITH_KEYS, "rw-r-----"));
        assertTrue(!closed.stderr().contains("secret-key"), closed::toString);
        Run.Result open = status(config("loghost.archive.destinations = [{ name = offsite, s3 { bucket = b } }]\n",
                "rw-r--r--"));
        assertTrue(!open.stderr().contains("secret-key"), open::toString);
    }
}
