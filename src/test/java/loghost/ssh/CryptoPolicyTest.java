package loghost.ssh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import loghost.config.Settings;
import loghost.config.SettingsLoader;
import loghost.testing.KeyGen;
import loghost.testing.Run;
import loghost.testing.TestServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Weak algorithms cannot be negotiated, even when a client asks for nothing else. */
class CryptoPolicyTest {

    @TempDir
    Path dir;

    private Run.Result sshWith(TestServer server, Path key, String... options) throws Exception {
        List<String> args = new java.util.ArrayList<>(List.of(options));
        args.addAll(List.of("-T", "log@127.0.0.1", "append-log"));
        return server.sshAtLogLevel(key, "INFO", args.toArray(String[]::new));
    }

    @Test
    void weakAlgorithmsAreNotNegotiable() throws Exception {
        try (TestServer server = new TestServer(dir, "")) {
            Path rsa = KeyGen.generate(dir, "rsa", "rsa", "-b", "3072");
            server.enroll("web01", rsa);
            assertEquals(0, sshWith(server, rsa).exit(), "defaults work");

            Run.Result r = sshWith(server, rsa, "-o", "Ciphers=aes128-cbc,aes256-cbc,3des-cbc");
            assertEquals(255, r.exit(), r::toString);
            assertTrue(r.stderr().contains("no matching cipher"), r::toString);

            r = sshWith(server, rsa, "-o", "KexAlgorithms=diffie-hellman-group14-sha1,diffie-hellman-group1-sha1");
            assertEquals(255, r.exit(), r::toString);
            assertTrue(r.stderr().contains("no matching key exchange method"), r::toString);

            r = sshWith(server, rsa, "-o", "MACs=hmac-sha1,hmac-md5", "-o", "Ciphers=aes128-ctr");
            assertEquals(255, r.exit(), r::toString);

            // An RSA key signing with SHA-1 ("ssh-rsa") is not accepted, only rsa-sha2-256/512.
            r = sshWith(server, rsa, "-o", "PubkeyAcceptedAlgorithms=ssh-rsa");
            assertEquals(255, r.exit(), r::toString);
            assertTrue(r.stderr().contains("Permission denied"), r::toString);
        }
    }

    @Test
    void strictKeyExchangeIsOnAgainstTerrapin() throws Exception {
        try (TestServer server = new TestServer(dir, "")) {
            Run.Result r = server.stockSessionAtLogLevel(dir, "DEBUG3");
            assertEquals(0, r.exit(), r::toString);
            assertTrue(r.stderr().contains("will use strict KEX ordering"), r::toString);
            assertTrue(r.stderr().contains("kex-strict-s-v00@openssh.com"), r::toString);
            // Scanners learn nothing about the SSH library or its version.
            assertTrue(r.stderr().contains("remote software version loghost"), r::toString);
        }
    }

    // The default exchange of a stock OpenSSH client is the post-quantum one, and the server answers it with its own
    // encapsulation (Sntrup761Kex): the client must complete it, not fall back to curve25519.
    @Test
    void stockClientNegotiatesSntrup761x25519WithTheServersEncapsulation() throws Exception {
        try (TestServer server = new TestServer(dir, "")) {
            Run.Result r = server.stockSessionAtLogLevel(dir, "DEBUG2");
            assertEquals(0, r.exit(), r::toString);
            assertTrue(r.stderr().contains("kex: algorithm: sntrup761x25519-sha512"), r::toString);
            assertTrue(r.stderr().contains("Authenticated to 127.0.0.1"), r::toString);
        }
    }

    @Test
    void chachaCanBeEnabledButWeakNamesCannot() throws Exception {
        try (TestServer server = new TestServer(dir,
                "loghost.ssh.ciphers = [\"chacha20-poly1305@openssh.com\", \"aes128-gcm@openssh.com\"]")) {
            Run.Result r = server.stockSessionAtLogLevel(dir, "DEBUG1");
            assertEquals(0, r.exit(), r::toString);
            assertTrue(r.stderr().contains("cipher: chacha20-poly1305@openssh.com"), r::toString);
        }
        Path conf = dir.resolve("weak.conf");
        Files.writeString(conf, "loghost.ssh.ciphers = [\"aes128-gcm@openssh.com\", \"aes128-cbc\"]\n");
        Settings s = SettingsLoader.load(conf).withDataDir(dir.resolve("d2"))
                .withListen(SettingsLoader.parseListen("127.0.0.1:0"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> loghost.serve.Serve.start(s));
        assertTrue(e.getMessage().startsWith("loghost.ssh.ciphers: \"aes128-cbc\" is not allowed (allowed: "),
                e.getMessage());
        Files.writeString(conf, "loghost.ssh.kex-algorithms = [\"diffie-hellman-group14-sha1\"]\n");
        Settings s2 = SettingsLoader.load(conf).withDataDir(dir.resolve("d3"))
                .withListen(SettingsLoader.parseListen("127.0.0.1:0"));
        e = assertThrows(IllegalArgumentException.class, () -> loghost.serve.Serve.start(s2));
        assertTrue(e.getMessage().startsWith("loghost.ssh.kex-algorithms: \"diffie-hellman-group14-sha1\" is not"),
                e.getMessage());
    }

    // Issue 21 item 17: every start on JDK 17 logged "algorithm-unsupported mlkem768x25519-sha256" from the
    // default list, which reads like a fault. Default names this JVM cannot do: one INFO line; named by the
    // operator: a warning each.
    @Test
    void defaultAlgorithmsThisJvmLacksAreSaidOnceAtInfoAndOnlyTheOperatorsOwnChoiceWarns() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeFalse(
                org.apache.sshd.common.kex.BuiltinDHFactories.mlkem768x25519.isSupported(),
                "this JVM can do mlkem768x25519-sha256: nothing to skip");
        ch.qos.logback.classic.Logger logger = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(
                CryptoPolicy.class);
        ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> events =
                new ch.qos.logback.core.read.ListAppender<>();
        events.start();
        logger.addAppender(events);
        try {
            CryptoPolicy defaults = new CryptoPolicy(SettingsLoader.load(null).crypto());
            assertEquals(1, events.list.size(), events.list::toString);
            assertEquals(ch.qos.logback.classic.Level.INFO, events.list.get(0).getLevel());
            assertTrue(events.list.get(0).getFormattedMessage().startsWith(
                    "algorithms-not-offered kex-algorithms=mlkem768x25519-sha256: in the default lists, but this "
                    + "JVM cannot do them"), events.list::toString);
            assertTrue(defaults.keyExchanges().stream().noneMatch(k -> k.getName().startsWith("mlkem")));

            events.list.clear();
            CryptoPolicy.quiet(SettingsLoader.load(null).crypto());
            assertEquals(List.of(), events.list, "a pull client's policy says nothing again");

            Path conf = Files.writeString(dir.resolve("kex.conf"), "loghost.ssh.kex-algorithms = "
                    + "[\"mlkem768x25519-sha256\", \"curve25519-sha256\"]\n");
            new CryptoPolicy(SettingsLoader.load(conf).crypto());
            assertEquals(1, events.list.size(), events.list::toString);
            assertEquals(ch.qos.logback.classic.Level.WARN, events.list.get(0).getLevel());
            assertEquals("algorithm-unsupported setting=loghost.ssh.kex-algorithms name=mlkem768x25519-sha256: "
                    + "skipped (this JVM cannot do it)", events.list.get(0).getFormattedMessage());
        } finally {
            logger.detachAppender(events);
        }
    }
}
