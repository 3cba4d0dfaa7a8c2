package loghost.ssh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import loghost.testing.Await;
import loghost.testing.CapturedLog;
import loghost.testing.HostRecords;
import loghost.testing.KeyGen;
import loghost.testing.Run;
import loghost.testing.TestServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Floods and slow clients from other loopback addresses cannot stop an enrolled host from logging. */
class FloodTest {

    private static final String CONFIG = "loghost.ssh { auth-timeout = 2s, max-unauthenticated = 64,"
            + " max-connections-per-source = 16, max-waiting-per-source = 4 }";

    @TempDir
    Path dir;

    private static Socket connectFrom(String source, int port) throws IOException {
        Socket s = new Socket();
        s.bind(new InetSocketAddress(source, 0));
        s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
        s.setSoTimeout(10_000);
        return s;
    }

    @Test
    void hostKeepsLoggingThrough2000ConnectionAttempts() throws Exception {
        try (TestServer server = new TestServer(dir, CONFIG); CapturedLog log = new CapturedLog()) {
            Path key = KeyGen.generate(dir, "k", "ed25519");
            server.enroll("web01", key);
            int port = server.port();

            AtomicInteger attempts = new AtomicInteger();
            ExecutorService flood = Executors.newFixedThreadPool(32);
            List<Future<?>> floods = new ArrayList<>();
            for (int t = 0; t < 32; t++) {
                floods.add(flood.submit(() -> {
                    while (attempts.incrementAndGet() <= 2000) {
                        // Each connection sends a banner and then nothing, holding its slot until the server
                        // drops it: at once when over a cap, otherwise at the auth timeout.
                        try (Socket s = connectFrom("127.0.0.2", port)) {
                            s.getOutputStream().write("SSH-2.0-flood\r\n".getBytes(StandardCharsets.US_ASCII));
                            readsToEnd(s);
                        } catch (IOException refusedOrReset) {
                            // Expected for connections over the caps: the server closes them at once.
                        }
                    }
                    return null;
                }));
            }

            // Meanwhile the host opens new sessions and logs, one after another.
            List<String> expected = new ArrayList<>();
            int session = 0;
            while (!floods.stream().allMatch(Future::isDone) || session < 5) {
                StringBuilder b = new StringBuilder();
                for (int i = 0; i < 200; i++) {
                    String line = "session " + session + " line " + i;
                    expected.add(line);
                    b.append(line).append('\n');
                }
                Path in = dir.resolve("in-" + session);
                Files.writeString(in, b);
                Run.Result r = server.ssh(key, in, "-b", "127.0.0.1", "-T", "log@127.0.0.1", "append-log");
                assertEquals(0, r.exit(), () -> "session during flood failed: " + r);
                session++;
            }
            for (Future<?> f : floods) {
                f.get(60, TimeUnit.SECONDS);
            }
            flood.shutdown();

            assertEquals(expected, HostRecords.read(server.data(), "web01").stream().map(HostRecords.Rec::text).toList());
            log.awaitLine("refused reason=too-many-connections-from-source",
                    "source=127.0.0.2:");
            assertEquals(0, server.cli("verify").exit());
            // The audit trail recorded refusals up to its rate and counted the rest (written asynchronously).
            HostRecords.awaitAudit(server.data(), t -> t.startsWith("refusals-suppressed count="));
        }
    }

    @Test
    void slowClientsAreCutOffAtTheAuthTimeout() throws Exception {
        try (TestServer server = new TestServer(dir, CONFIG)) {
            List<Socket> silent = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                silent.add(connectFrom("127.0.0.3", server.port()));
            }
            Socket trickle = connectFrom("127.0.0.4", server.port());
            long start = System.nanoTime();
            // One that sends its banner a byte at a time, too slowly to ever finish within the timeout.
            OutputStream out = trickle.getOutputStream();
            boolean cut = false;
            for (byte b : "SSH-2.0-OpenSSH_9.2p1 trickling".getBytes(StandardCharsets.US_ASCII)) {
                try {
                    out.write(b);
                    out.flush();
                } catch (IOException e) {
                    cut = true;
                    break;
                }
                Thread.sleep(300);
            }
            assertTrue(cut || readsToEnd(trickle), "trickling client still connected");
            for (Socket s : silent) {
                assertTrue(readsToEnd(s), "silent client still connected");
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            // The auth timeout is the subject: a bound, scaled like every wait.
            double bound = Await.scaled(java.time.Duration.ofSeconds(8)).toMillis() / 1000.0;
            assertTrue(seconds < bound, "slow clients held on for " + seconds + " s with a 2 s auth timeout");
            for (Socket s : silent) {
                s.close();
            }
            trickle.close();
        }
    }

    private static boolean readsToEnd(Socket s) {
        try {
            InputStream in = s.getInputStream();
            byte[] buf = new byte[4096];
            while (in.read(buf) >= 0) {
                // drain the server's banner and key exchange until it closes
            }
            return true;
        } catch (IOException e) {
            return e.getMessage() != null && e.getMessage().contains("reset");
        }
    }
}
