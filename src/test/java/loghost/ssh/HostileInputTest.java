package loghost.ssh;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import loghost.testing.Cli;
import loghost.testing.HostRecords;
import loghost.testing.KeyGen;
import loghost.testing.Run;
import loghost.testing.ServerProcess;
import loghost.testing.TestServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Whatever bytes a client sends are stored exactly, escaped, in bounded memory. */
class HostileInputTest {

    @TempDir
    Path dir;

    @Test
    void aGibibyteWithoutNewlineBecomesContRecordsInA64MiBHeap() throws Exception {
        Path data = dir.resolve("data");
        try (ServerProcess server = ServerProcess.start(data, dir.resolve("stderr.txt"), dir.resolve("known_hosts"),
                "-Xmx64m")) {
            Path key = KeyGen.generate(dir, "k", "ed25519");
            assertEquals(0, Cli.run(data, "enroll", "web01", KeyGen.pub(key).toString()).exit());
            String ssh = String.join(" ", server.appendCommand(key));
            Run.Result r = Run.run(List.of("bash", "-c", "head -c 1073741824 /dev/zero | tr '\\0' a | " + ssh),
                    null, Map.of(), 600);
            assertEquals(0, r.exit(), r::toString);
            assertTrue(server.process().isAlive(), "server died");
            assertFalse(server.stderr().contains("OutOfMemoryError"), server.stderr());

            // 1 GiB = 16384 x 64 KiB; an epoch that ends meanwhile adds a seal record.
            assertEquals(16384, HostRecords.count(data, "web01", "cont"));
            HostRecords.verifyCounting(data, "web01", 16384);
            Path file = HostRecords.files(data, "web01").get(0);
            try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.US_ASCII)) {
                in.readLine();
                String first = in.readLine();
                assertTrue(first.matches("1 \\S+ cont s=1 [0-9a-f]{64} a{65536}"), first.substring(0, 120));
            }
        }
    }

    @Test
    void urandomNulsLoneCrTerminalEscapesAndMegabyteLinesRoundTripExactly() throws Exception {
        try (TestServer server = new TestServer(dir, "")) {
            Path key = KeyGen.generate(dir, "k", "ed25519");
            server.enroll("web01", key);
            ByteArrayOutputStream input = new ByteArrayOutputStream();
            try (InputStream urandom = Files.newInputStream(Path.of("/dev/urandom"))) {
                input.writeBytes(urandom.readNBytes(4 << 20));
            }
            input.writeBytes("\nlone CR\rhere\nNUL \0 in the middle\n\u001b]0;pwned\u0007\u001b[2J\u001b[H title+clear\n"
                    .getBytes(StandardCharsets.ISO_8859_1));
            input.writeBytes("x".repeat(1 << 20).getBytes(StandardCharsets.US_ASCII));
            input.writeBytes("\n".getBytes(StandardCharsets.US_ASCII));
            Path in = dir.resolve("hostile.bin");
            Files.write(in, input.toByteArray());

            Run.Result r = server.append(key, in);
            assertEquals(0, r.exit(), r::toString);
            List<HostRecords.Rec> recs = HostRecords.read(server.data(), "web01");
            assertArrayEquals(input.toByteArray(), HostRecords.sessions(recs).get("s=1"));
            for (byte b : Files.readAllBytes(HostRecords.files(server.data(), "web01").get(0))) {
                assertTrue(b == '\n' || ((b & 0xff) >= 0x20 && b != 0x7f), "raw control byte on disk: " + b);
            }
            assertEquals(0, server.cli("verify").exit());
        }
    }
}
