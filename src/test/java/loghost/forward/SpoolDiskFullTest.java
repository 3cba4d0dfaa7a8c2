package loghost.forward;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import loghost.protocol.Frames;
import loghost.testing.ForwarderProcess;
import loghost.testing.Tmpfs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A spool on a disk that fills up part way through a write (a real 1 MiB tmpfs). The failure is sticky: an fsync
 * error is reported once by Linux, so no later sync may count entries written before it as safe; the same rule
 * covers a failed write, which is what a test can produce for real.
 */
class SpoolDiskFullTest {

    private static final int DATA = 10_000;

    @TempDir
    Path dir;

    @Test
    void writeCutShortByFullDiskStopsTheSpoolForGoodAndLeavesOnlyWholeEntriesOnce() throws Exception {
        Path root = dir.resolve("disk");
        Path spoolDir = root.resolve("spool");
        try (Tmpfs disk = Tmpfs.mount(root, "1m")) {
            try (Spool spool = Spool.open(spoolDir, 1 << 20)) {
                Path filler = leaveFree(disk, 20 << 10);
                for (int i = 1; i <= 5; i++) {
                    assertEquals(i, spool.append(Frames.LINE, null, -1, data(i)));
                }
                SpoolFailedException full = assertThrows(SpoolFailedException.class, spool::sync,
                        "five 10 KB entries do not fit in 20 KiB");
                assertTrue(full.getMessage().contains("No space left on device"), full.getMessage());

                Files.delete(filler);
                assertThrows(SpoolFailedException.class, spool::sync, "room back: still refused");
                assertThrows(SpoolFailedException.class, () -> spool.append(Frames.LINE, null, -1, data(6)));
                assertThrows(SpoolFailedException.class, () -> spool.awaitSynced(0, 10));
                assertEquals(List.of(), spool.read(new Spool.Cursor(), 0, 100, 1 << 20, 0), "nothing counts as synced");
            }
            try (Spool again = Spool.open(spoolDir, 1 << 20)) {
                long kept = again.lastCseq();
                assertTrue(kept < 5, "the entries the full disk cut short are gone: " + kept);
                assertEquals(kept * SpoolEntry.size(null, DATA), Files.size(segment(spoolDir)),
                        "whole entries only, each once: the torn one is cut off at start");
                List<SpoolEntry> read = again.read(new Spool.Cursor(), 0, 100, 1 << 20, kept);
                List<Long> cseqs = new ArrayList<>();
                for (SpoolEntry e : read) {
                    cseqs.add(e.cseq());
                    assertArrayEquals(data((int) e.cseq()), e.data());
                }
                assertEquals(Stream.iterate(1L, c -> c + 1).limit(kept).toList(), cseqs);
            }
        }
    }

    @Test
    void forwarderWhoseSpoolDiskFillsExitsOneWithOneLine() throws Exception {
        Path root = dir.resolve("disk");
        Path spoolDir = root.resolve("spool");
        List<String> lines = new ArrayList<>();
        for (int i = 1; i <= 3000; i++) {
            lines.add("line " + i + " " + "x".repeat(100));
        }
        try (Tmpfs disk = Tmpfs.mount(root, "1m"); ForwardRig rig = new ForwardRig(dir)) {
            Path in = rig.file("in", lines);
            leaveFree(disk, 64 << 10);
            ForwarderProcess f = rig.forward(spoolDir, in, "--stdin", "--heartbeat", "0s");
            assertEquals(1, f.await(120), f::stderr);
            assertTrue(f.stderr().contains("loghost: error: spool " + spoolDir + " cannot be written"), f::stderr);
            assertTrue(f.stderr().contains("No space left on device"), f::stderr);
        }
    }

    @Test
    void stdinWriterFindsAnExactPrefixOfItsLinesStoredOnceAfterTheRestartAtLeastUpToTheNamedEntry() throws Exception {
        // What docs/PROTOCOL.md tells a --stdin writer to assume at the spool-failed exit: entries up to cseq N are
        // on disk and are delivered by the next start; lines after them may be lost (read but not on disk, or
        // still in the pipe) or delivered (on disk though not known to be); the loghost holds a prefix, each once.
        Path root = dir.resolve("disk");
        Path spoolDir = root.resolve("spool");
        List<String> lines = ForwardRig.lines("line", 1, 20_000).stream().map(l -> l + " " + "x".repeat(100)).toList();
        try (Tmpfs disk = Tmpfs.mount(root, "1m"); ForwardRig rig = new ForwardRig(dir)) {
            rig.loghost();
            Path in = rig.file("in", lines);
            Path filler = leaveFree(disk, 512 << 10);
            ForwarderProcess f = rig.forward(spoolDir, in, "--stdin", "--heartbeat", "0s");
            assertEquals(1, f.await(300), f::stderr);
            var m = java.util.regex.Pattern.compile("entries after cseq (\\d+) are not known to be on disk and were "
                    + "not sent").matcher(f.stderr());
            assertTrue(m.find(), f::stderr);
            int named = Integer.parseInt(m.group(1));
            assertTrue(named > 0 && named < lines.size(), "some lines fitted, not all: " + named);

            Files.delete(filler);
            ForwarderProcess again = rig.forward(spoolDir, null, "--stdin", "--heartbeat", "0s");
            assertEquals(0, again.await(300), again::stderr);
            List<String> stored = rig.stored();
            assertTrue(stored.size() >= named, "at least the named entries: " + stored.size() + " < " + named);
            assertEquals(lines.subList(0, stored.size()), stored, "an exact prefix of the input, each line once");
        }
    }

    // Fills the disk, then frees the last {@code free} bytes of the filler; returns the filler.
    private static Path leaveFree(Tmpfs disk, long free) throws IOException {
        Path filler = disk.fill("filler");
        try (FileChannel ch = FileChannel.open(filler, StandardOpenOption.WRITE)) {
            ch.truncate(ch.size() - free);
        }
        return filler;
    }

    static byte[] data(int i) {
        byte[] b = new byte[DATA];
        java.util.Arrays.fill(b, (byte) ('a' + i % 26));
        return b;
    }

    static Path segment(Path spoolDir) throws IOException {
        try (Stream<Path> s = Files.list(spoolDir)) {
            List<Path> segs = s.filter(p -> p.toString().endsWith(".seg")).toList();
            assertEquals(1, segs.size(), segs::toString);
            return segs.get(0);
        }
    }
}
