package loghost.forward;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import loghost.protocol.Frames;
import loghost.testing.ForwarderProcess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Spool recovery at start: only a cut-short entry at the end of the last segment is a crash's torn tail; any other
 * bad entry is corruption, and the forwarder does not start (fail closed) rather than drop entries silently.
 */
class SpoolRecoveryTest {

    private static final int DATA = 1000;
    private static final long ENTRY = SpoolEntry.size(null, DATA);

    @TempDir
    Path dir;

    @Test
    void corruptEntryInAFinishedSegmentStopsTheForwarderNamingFileAndOffset() throws Exception {
        Path spool = dir.resolve("spool");
        fill(spool, 60); // 16 KiB segments from cseq 1, 17, 33 and 49
        Path first = segment(spool, 1);
        long size = Files.size(first);
        SpoolCorruptionTest.flipByte(first, 8 * ENTRY + 40);

        try (ForwardRig rig = new ForwardRig(dir)) {
            ForwarderProcess f = rig.forward(spool, rig.file("in", List.of("x")), "--stdin", "--spool-max", "64KiB",
                    "--heartbeat", "0s");
            assertEquals(1, f.await(120), f::stderr);
            assertTrue(f.stderr().contains("loghost: error: spool segment " + first + " is corrupt at offset "
                    + 8 * ENTRY + " "), f::stderr);
        }
        assertEquals(size, Files.size(first), "nothing is cut off a corrupt segment");
    }

    @Test
    void entryCutShortAtTheEndOfAFinishedSegmentIsCorruption() throws Exception {
        fill(dir, 60);
        Path second = segment(dir, 17);
        truncate(second, Files.size(second) - 10);

        SpoolFailedException e = assertThrows(SpoolFailedException.class, () -> Spool.open(dir, 64 << 10));

        assertTrue(e.getMessage().contains(second + " is corrupt at offset " + 15 * ENTRY + " "), e.getMessage());
    }

    @Test
    void strayBytesAfterTheLastEntryOfAFinishedSegmentAreCorruption() throws Exception {
        // Fewer bytes than an entry's length field: read as a clean end before, and cut off without a word.
        fill(dir, 60);
        Path second = segment(dir, 17);
        long size = Files.size(second);
        Files.write(second, new byte[] {1, 2}, java.nio.file.StandardOpenOption.APPEND);

        SpoolFailedException e = assertThrows(SpoolFailedException.class, () -> Spool.open(dir, 64 << 10));

        assertTrue(e.getMessage().contains(second + " is corrupt at offset " + size + " "), e.getMessage());
    }

    @Test
    void badEntryBeforeTheEndOfTheLastSegmentIsCorruption() throws Exception {
        fill(dir, 60);
        Path last = segment(dir, 49);
        SpoolCorruptionTest.flipByte(last, 3 * ENTRY + 40);

        SpoolFailedException e = assertThrows(SpoolFailedException.class, () -> Spool.open(dir, 64 << 10));

        assertTrue(e.getMessage().contains(last + " is corrupt at offset " + 3 * ENTRY + " "), e.getMessage());
    }

    @Test
    void entryCutShortAtTheEndOfTheLastSegmentIsATornTailAndCutOff() throws Exception {
        fill(dir, 60);
        Path last = segment(dir, 49);
        truncate(last, Files.size(last) - 10);

        try (Spool spool = Spool.open(dir, 64 << 10)) {
            assertEquals(59, spool.lastCseq());
            assertEquals(11 * ENTRY, Files.size(last), "the torn entry is cut off");
            List<SpoolEntry> read = spool.read(new Spool.Cursor(), 48, 100, 1 << 20, 59);
            assertEquals(11, read.size());
            assertEquals(59, read.get(10).cseq());
        }
    }

    // Spools n entries in a 64 KiB spool (16 KiB segments: 16 entries each) and closes it.
    private static void fill(Path spoolDir, int n) throws Exception {
        try (Spool spool = Spool.open(spoolDir, 64 << 10)) {
            for (int i = 1; i <= n; i++) {
                spool.append(Frames.LINE, null, -1, new byte[DATA]);
            }
        }
    }

    private static Path segment(Path spoolDir, long first) {
        Path f = spoolDir.resolve(String.format("%020d.seg", first));
        assertTrue(Files.exists(f), f::toString);
        return f;
    }

    private static void truncate(Path f, long size) throws Exception {
        try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
            raf.setLength(size);
        }
    }
}
