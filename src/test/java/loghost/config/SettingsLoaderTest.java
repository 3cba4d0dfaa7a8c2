package loghost.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import loghost.store.DigestAlgorithm;
import loghost.testing.TestServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SettingsLoaderTest {

    @TempDir
    Path dir;

    private String errorFor(String hocon) throws Exception {
        Path f = dir.resolve("bad.conf");
        Files.writeString(f, hocon);
        return assertThrows(SettingsLoader.ConfigError.class, () -> SettingsLoader.load(f)).getMessage();
    }

    @Test
    void embeddedDefaults() {
        Settings s = SettingsLoader.load(null);
        assertEquals(Path.of("./data"), s.dataDir());
        assertEquals("127.0.0.1", s.listen().getHostString());
        assertEquals(2222, s.listen().getPort());
        assertEquals(DigestAlgorithm.SHA256, s.store().digest());
        assertEquals(64 * 1024, s.store().maxLineBytes());
        assertEquals(Duration.ofSeconds(1), s.store().fsyncInterval());
        assertEquals(4, s.ssh().maxSessionsPerHost());
    }

    @Test
    void theExampleConfigInTheRepositoryLoads() {
        Settings s = SettingsLoader.load(Path.of("config/loghost.conf"));
        assertEquals(Path.of("/var/lib/loghost"), s.dataDir());
    }

    @Test
    void mistypedKeyIsAnErrorNamingIt() throws Exception {
        String e = errorFor("loghost.store.fsync-intervall = 2s\nloghost { ssh { idle-timout = 5m } }");
        assertTrue(e.contains("unknown setting loghost.ssh.idle-timout, loghost.store.fsync-intervall"), e);
    }

    @Test
    void wrongTypeIsAnErrorNamingTheKey() throws Exception {
        String e = errorFor("loghost.store.fsync-interval = soon");
        assertTrue(e.contains("fsync-interval"), e);
        e = errorFor("loghost.store.digest = sha1");
        assertTrue(e.contains("loghost.store.digest: unknown algorithm \"sha1\""), e);
        e = errorFor("loghost.store.max-line = 2MiB");
        assertTrue(e.contains("loghost.store.max-line: must be between 1 byte and 1MiB"), e);
        e = errorFor("loghost.listen = \"nowhere\"");
        assertTrue(e.contains("must be HOST:PORT"), e);
    }

    @Test
    void serveRefusesToStartOnAMistypedKeyWithAOneLineError() throws Exception {
        try (TestServer server = new TestServer(dir, "")) {
            Path f = dir.resolve("typo.conf");
            Files.writeString(f, "loghost.ssh.max-sessions-per-hots = 2\n");
            var r = server.cli("serve", "--config", f.toString(), "--listen", "127.0.0.1:0");
            assertEquals(1, r.exit(), r::toString);
            assertEquals("loghost: error: config file " + f + ": unknown setting loghost.ssh.max-sessions-per-hots "
                    + "(see reference.conf for the settings that exist)\n", r.stderr());
        }
    }

    @Test
    void housekeepingDefaultsAndArchiveDestinationsAreReadAndMistakesNamed(@org.junit.jupiter.api.io.TempDir Path dir)
            throws Exception {
        Settings d = SettingsLoader.load(null);
        assertEquals(new Settings.Housekeeping(true, java.time.Duration.ofMinutes(5), java.time.Duration.ofDays(30),
                java.time.Duration.ZERO, java.util.List.of()), d.housekeeping());
        Path ok = java.nio.file.Files.writeString(dir.resolve("ok.conf"), "loghost.archive.destinations = "
                + "[{ name = nas, directory = \"/mnt/nas\" }]\nloghost.retention.online = 7d\n");
        Settings s = SettingsLoader.load(ok);
        assertEquals(java.util.List.of(new Settings.ArchiveDestination("nas", Path.of("/mnt/nas"))),
                s.housekeeping().destinations());
        assertEquals(java.time.Duration.ofDays(7), s.housekeeping().online());
        Path both = java.nio.file.Files.writeString(dir.resolve("both.conf"), "loghost.archive.destinations = "
                + "[{ name = nas, directory = \"/mnt/nas\" }]\nloghost.retention.delete-after = 7d\n");
        SettingsLoader.ConfigError e = org.junit.jupiter.api.Assertions.assertThrows(SettingsLoader.ConfigError.class,
                () -> SettingsLoader.load(both));
        assertTrue(e.getMessage().contains("loghost.retention.delete-after: only without archive.destinations"),
                e.getMessage());
        Path s3 = java.nio.file.Files.writeString(dir.resolve("s3.conf"), "loghost.archive.destinations = [{ name = off,"
                + " s3 { bucket = b, prefix = logs, access-key = AKIA1, secret-key = SECRETKEY1, object-lock-days = 400 } }]\n");
        // Credentials in the file: loaded only from a file others cannot read (S3CredentialsFileTest).
        java.nio.file.Files.setPosixFilePermissions(s3,
                java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        Settings.ArchiveDestination off = SettingsLoader.load(s3).housekeeping().destinations().get(0);
        assertEquals(new Settings.S3("b", "logs/", "", "us-east-1", "AKIA1", "SECRETKEY1", 400), off.s3());
        assertTrue(!off.toString().contains("SECRETKEY1") && !off.toString().contains("AKIA1"), off.toString());
        Path typo = java.nio.file.Files.writeString(dir.resolve("typo.conf"), "loghost.archive.destinations = "
                + "[{ name = nas, dir = \"/mnt/nas\" }]\n");
        e = org.junit.jupiter.api.Assertions.assertThrows(SettingsLoader.ConfigError.class,
                () -> SettingsLoader.load(typo));
        assertTrue(e.getMessage().contains("loghost.archive.destinations: unknown setting dir"), e.getMessage());
    }
}
