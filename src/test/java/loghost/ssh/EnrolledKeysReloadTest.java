package loghost.ssh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import loghost.audit.AuditTrail;
import loghost.keys.EnrolledKey;
import loghost.keys.EnrolledKeys;
import loghost.keys.EnrolledKeysFile;
import loghost.metrics.ServerMetrics;
import loghost.store.DigestAlgorithm;
import loghost.store.LogStore;
import loghost.testing.Stores;
import loghost.testing.Cli;
import loghost.testing.KeyGen;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** The enrolled keys as every login and command start asks for them: no lock unless the file changed. */
class EnrolledKeysReloadTest {

    @TempDir
    Path dir;

    // An operator log that stops taking lines (a full stderr pipe, a stalled journald) at the reload's
    // keys-loaded line, until released.
    private static final class StalledLog extends AppenderBase<ILoggingEvent> {
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);

        @Override
        protected void append(ILoggingEvent e) {
            if (e.getFormattedMessage().startsWith("keys-loaded")) {
                entered.countDown();
                try {
                    release.await(120, TimeUnit.SECONDS);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }

    private void enroll(String host) throws Exception {
        Path key = KeyGen.generate(dir, host, "ed25519");
        assertEquals(0, Cli.run(dir, "enroll", host, KeyGen.pub(key).toString()).exit());
    }

    // A server's authenticator with web01 enrolled, loaded as at start.
    private EnrolledKeysAuthenticator loadedWithWeb01() throws Exception {
        enroll("web01");
        LogStore store = Stores.open(dir.resolve("hosts"), DigestAlgorithm.SHA256, Clock.systemUTC());
        AuditTrail audit = new AuditTrail(store.host("_loghost"), 20);
        ServerMetrics metrics = new ServerMetrics(dir.resolve("hosts"), Clock.systemUTC());
        EnrolledKeysAuthenticator keys = new EnrolledKeysAuthenticator(new EnrolledKeysFile(dir),
                new Refusals(audit, metrics));
        keys.loadInitial();
        return keys;
    }

    private static List<String> hosts(EnrolledKeys keys) {
        return keys.all().stream().map(EnrolledKey::host).sorted().toList();
    }

    @Test
    void loginsGoOnWithTheNewKeysWhileTheReloadThatReadThemIsStillLogging() throws Exception {
        EnrolledKeysAuthenticator keys = loadedWithWeb01();
        enroll("web02");

        Logger logger = (Logger) LoggerFactory.getLogger(EnrolledKeysAuthenticator.class);
        StalledLog stalled = new StalledLog();
        stalled.setContext(logger.getLoggerContext());
        stalled.start();
        logger.addAppender(stalled);
        ExecutorService threads = Executors.newFixedThreadPool(2);
        try {
            Future<EnrolledKeys> reloading = threads.submit(keys::reloadIfChanged);
            assertTrue(stalled.entered.await(120, TimeUnit.SECONDS), "the reload never reached keys-loaded");
            // On a 2-core machine under load a plain volatile read takes far less than this; a login waiting for
            // the stalled reload would wait until the release below, two minutes on.
            Future<EnrolledKeys> login = threads.submit(keys::reloadIfChanged);
            EnrolledKeys seen;
            try {
                seen = login.get(20, TimeUnit.SECONDS);
            } catch (TimeoutException e) {
                throw new AssertionError("a login waited for a reload that had read the keys already", e);
            }
            assertEquals(List.of("web01", "web02"), hosts(seen));
            stalled.release.countDown();
            assertEquals(List.of("web01", "web02"), hosts(reloading.get(60, TimeUnit.SECONDS)));
        } finally {
            stalled.release.countDown();
            logger.detachAppender(stalled);
            threads.shutdownNow();
        }
    }

    @Test
    void aFileMadeUntrustedAdmitsNobodyAndIsTrustedAgainOnceItsModeIsFixed() throws Exception {
        EnrolledKeysAuthenticator keys = loadedWithWeb01();
        Path file = dir.resolve("enrolled_keys");
        // Only the mode changes: not the content, the size, the time or the inode.
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-rw-rw-"));
        assertNull(keys.reloadIfChanged());
        assertNull(keys.reloadIfChanged(), "an invalid file stays refused while it is unchanged");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        assertEquals(List.of("web01"), hosts(keys.reloadIfChanged()));
    }
}
