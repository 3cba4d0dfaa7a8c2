package loghost.housekeeping;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.TreeSet;
import java.util.function.BooleanSupplier;
import loghost.testing.Await;
import loghost.testing.Cli;
import loghost.testing.KeyGen;
import loghost.testing.Run;
import loghost.testing.ServerProcess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A real {@code loghost serve} process whose clock (the test-only clock file) is moved through midnight. */
class ServerMidnightTest {

    @TempDir
    Path dir;

    private Path clockFile;

    private void setClock(String instant) throws Exception {
        Path tmp = dir.resolve("clock.tmp");
        Files.writeString(tmp, instant + "\n");
        Files.move(tmp, clockFile, StandardCopyOption.ATOMIC_MOVE);
    }

    static void await(String what, BooleanSupplier condition, ServerProcess server) throws Exception {
        Await.until(() -> what + "; server: " + (server == null ? "" : server.stderr()), condition::getAsBoolean);
    }

    private ServerProcess start(Path data, Path config, String... jvmArgs) throws Exception {
        List<String> jvm = new java.util.ArrayList<>(List.of("-Dloghost.test.clock-file=" + clockFile));
        jvm.addAll(List.of(jvmArgs));
        return ServerProcess.start(data, dir.resolve("serve.err"), dir.resolve("known_hosts"), jvm,
                List.of("--config", config.toString()));
    }

    private static void send(ServerProcess server, Path key, Path line) throws Exception {
        Run.Result sent = Run.run(server.appendCommand(key), line, null, 60);
        assertEquals(0, sent.exit(), () -> sent + "\nserver: " + server.stderr());
    }

    @Test
    void theServerClosesAQuietHostsDayAfterMidnightAndCompressesItEvenAfterAKillInBetween() throws Exception {
        Path data = dir.resolve("data");
        clockFile = dir.resolve("clock");
        setClock("2026-11-22T23:59:50Z");
        // Sealing off, as in the other test kits: this test reads verify's whole output, and is about closing days.
        Path config = Files.writeString(dir.resolve("loghost.conf"),
                "loghost.housekeeping.interval = 200ms\nloghost.seal.enabled = false\n");
        Path key = KeyGen.generate(dir, "web01key", "ed25519");
        assertEquals(0, Cli.run(data, "enroll", "web01", KeyGen.pub(key).toString()).exit());
        Path line = Files.writeString(dir.resolve("line.txt"), "the last line before midnight\n");
        Path web01 = data.resolve("hosts/web01");

        // The server is killed (halt, as kill -9) by its own housekeeping right after the compressed file is
        // renamed into place, before the manifest lists it.
        try (ServerProcess server = start(data, config, "-Dloghost.test.halt-after=renamed")) {
            send(server, key, line);
            assertEquals(new TreeSet<>(List.of("2026-11-22.log")), HousekeeperTest.names(web01));
            setClock("2026-11-23T00:00:05Z");
            assertTrue(server.process().waitFor(120, java.util.concurrent.TimeUnit.SECONDS), server.stderr());
            assertEquals(137, server.process().exitValue(), server.stderr());
        }
        // Both days closed (today's file exists); the audit host, first in name order, was compressed but not
        // listed when the kill came: nothing lost, verify passes with a note.
        assertEquals(new TreeSet<>(List.of("2026-11-22.log", "2026-11-23.log")), HousekeeperTest.names(web01));
        assertEquals(new TreeSet<>(List.of("2026-11-22.log", "2026-11-22.log.gz", "2026-11-23.log")),
                HousekeeperTest.names(data.resolve("hosts/_loghost")));
        Run.Result between = Cli.run(data, "verify");
        assertEquals(0, between.exit(), between::toString);
        assertTrue(between.stdout().contains("verify: note: hosts/_loghost/2026-11-22.log.gz: compressed copy beside "
                + "its day file"), between::toString);

        // Started again, its first pass finishes the compression.
        try (ServerProcess server = start(data, config)) {
            await("web01's 2026-11-22 compressed and listed", () -> {
                try {
                    return HousekeeperTest.names(web01).equals(new TreeSet<>(List.of("2026-11-22.log.gz",
                            "2026-11-23.log", "MANIFEST"))) && !Files.exists(data.resolve(
                            "hosts/_loghost/2026-11-22.log"));
                } catch (Exception e) {
                    return false;
                }
            }, server);
            Path second = Files.writeString(dir.resolve("line2.txt"), "after midnight\n");
            send(server, key, second);
        }
        Run.Result after = Cli.run(data, "verify");
        assertEquals(0, after.exit(), after::toString);
        assertTrue(after.stdout().startsWith("verify: OK: 2 hosts"), after::toString);
        assertTrue(!after.stdout().contains("note"), after::toString);
        Run.Result cat = Run.run(List.of("java", "-cp", System.getProperty("java.class.path"), "loghost.cli.Main",
                "cat", "--data", data.toString(), "--host", "web01"), null, null, 120);
        assertEquals("the last line before midnight\nafter midnight\n", cat.stdout(), cat::toString);
    }
}
