package loghost.forward;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.BufferedOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.List;
import loghost.testing.ForwarderProcess;
import loghost.testing.HostRecords;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The forwarder's memory is bounded in bytes, not in entries: a 100 MB line passes a forwarder at -Xmx64m. */
class ForwardMemoryTest {

    @TempDir
    Path dir;

    private ForwardRig rig;

    @BeforeEach
    void rig() throws Exception {
        rig = new ForwardRig(dir);
    }

    @AfterEach
    void stop() throws Exception {
        rig.close();
    }

    @Test
    void lineLongerThanHalfASmallSpoolIsCutIntoPartsNotDropped() throws Exception {
        rig.loghost();
        String longLine = "z".repeat(200_000);
        ForwarderProcess f = rig.forward(dir.resolve("spool"), rig.file("in", List.of("before", longLine, "after")),
                "--stdin", "--spool-max", "64KiB", "--heartbeat", "0s");
        assertEquals(0, f.await(120), f::stderr);
        List<HostRecords.Rec> recs = rig.records();
        assertFalse(recs.stream().anyMatch(r -> r.type().equals("gap")), "stdin waits; it never drops a line");
        StringBuilder stream = new StringBuilder(); // the rule of docs/FORMAT.md: cont records go on, log ends a line
        for (HostRecords.Rec r : recs) {
            stream.append(new String(r.message(), StandardCharsets.US_ASCII));
            stream.append(r.type().equals("log") ? "\n" : "");
        }
        assertEquals("before\n" + longLine + "\nafter\n", stream.toString());
    }

    @Test
    void hundredMegabyteLineThroughAForwarderAt64MegabytesOfHeap() throws Exception {
        rig.loghost();
        Path in = dir.resolve("long-line");
        MessageDigest want = MessageDigest.getInstance("SHA-256");
        byte[] chunk = new byte[1 << 16];
        long length = 100L * 1000 * 1000;
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(in), 1 << 16)) {
            for (long written = 0; written < length; written += chunk.length) {
                for (int i = 0; i < chunk.length; i++) {
                    chunk[i] = (byte) ('a' + (written / chunk.length + i) % 26); // printable: stored unescaped
                }
                int n = (int) Math.min(chunk.length, length - written);
                out.write(chunk, 0, n);
                want.update(chunk, 0, n);
            }
            out.write("\nthe line after it\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        }

        ForwarderProcess f = rig.forward(dir.resolve("spool"), in, "--stdin", "--heartbeat", "0s");
        int exit = f.await(600);
        assertFalse(f.stderr().contains("OutOfMemoryError"), f::stderr);
        assertEquals(0, exit, f::stderr);

        List<HostRecords.Rec> recs = rig.records();
        MessageDigest got = MessageDigest.getInstance("SHA-256");
        long gotLength = 0;
        int i = 0;
        for (; i < recs.size() && !recs.get(i).type().equals("log"); i++) {
            got.update(recs.get(i).message());
            gotLength += recs.get(i).message().length;
        }
        got.update(recs.get(i).message());
        gotLength += recs.get(i).message().length;
        assertEquals(length, gotLength, "the long line, byte for byte");
        assertArrayEquals(want.digest(), got.digest());
        assertEquals("the line after it", recs.get(i + 1).text());
        assertEquals(i + 2, recs.size());
    }
}
