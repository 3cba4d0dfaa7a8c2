package loghost.pull;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import loghost.testing.Cli;
import loghost.testing.Run;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Stream pull against a real OpenSSH sshd running serve-logs as the forced command. */
class PullStreamTest {

    @TempDir
    Path tmp;
    private final List<AutoCloseable> toClose = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
    }

    @Test
    void everyLineExactlyOnceInOrderAcrossKilledConnectionsAndARotation() throws Exception {
        Path logs = Files.createDirectories(tmp.resolve("var-log"));
        Path auth = logs.resolve("auth.log");
        Files.writeString(auth, "");
        SourceHost host = SourceHost.start(tmp.resolve("source"), List.of(logs + "/auth.log*"));
        toClose.add(host);
        PullRig loghost = new PullRig(tmp.resolve("data"));
        toClose.add(loghost);
        PullSource source = loghost.source(PullRig.source(host, "web01", host.hostKeyLine(), List.of(auth.toString()),
                List.of()));
        Thread puller = new Thread(source::runForever, "test-puller");
        puller.start();

        int total = 100_000;
        List<String> expected = new ArrayList<>(total);
        for (int i = 1; i <= total; i++) {
            expected.add(String.format("Nov 24 10:%02d:%02d web01 app[%d]: line %06d of the test, some padding",
                    (i / 60) % 60, i % 60, i % 997, i));
        }
        java.util.concurrent.atomic.AtomicInteger written = new java.util.concurrent.atomic.AtomicInteger();
        Thread writer = new Thread(() -> {
            try {
                OutputStream out = Files.newOutputStream(auth, StandardOpenOption.APPEND);
                for (int i = 1; i <= total; i++) {
                    out.write((expected.get(i - 1) + "\n").getBytes(StandardCharsets.US_ASCII));
                    if (i % 100 == 0) {
                        out.flush();
                        written.set(i);
                        Thread.sleep(15);
                    }
                    if (i == 55_000) {
                        // logrotate's create mode: rename, new file, the writer reopens.
                        out.close();
                        Files.move(auth, logs.resolve("auth.log.1"));
                        out = Files.newOutputStream(auth, StandardOpenOption.CREATE_NEW);
                    }
                }
                out.close();
            } catch (IOException | InterruptedException e) {
                throw new IllegalStateException(e);
            }
        }, "test-writer");
        writer.start();
        // Each kill cuts a live connection that is storing lines: the pull has stored 3,000 more since the last one.
        for (int kill = 1; kill <= 3; kill++) {
            long before = loghost.seq("web01");
            assertTrue(SourceHost.await(Duration.ofSeconds(180), () -> loghost.seq("web01") > before + 3_000),
                    "the pull is storing lines");
            if (kill == 2) {
                host.restart();
            } else {
                assertTrue(host.killSessions() > 0, "a session was open to kill");
            }
        }
        writer.join(600_000);
        assertEquals(total, written.get());
        boolean all = SourceHost.await(Duration.ofSeconds(300), () -> loghost.seq("web01") >= total)
                && SourceHost.await(Duration.ofSeconds(60), () -> count(loghost.data) >= total);
        source.stop();
        puller.join(30_000);
        loghost.close();
        List<String> stored = PullRig.pulledLines(loghost.data, "web01");
        assertTrue(all, () -> "only " + stored.size() + " lines arrived");
        assertEquals(total, stored.size());
        assertEquals(expected, stored);
        Run.Result verify = Cli.run(loghost.data, "verify");
        assertEquals(0, verify.exit(), verify::toString);
    }

    private static int count(Path data) {
        try {
            return PullRig.pulledLines(data, "web01").size();
        } catch (IOException e) {
            return -1;
        }
    }
}
