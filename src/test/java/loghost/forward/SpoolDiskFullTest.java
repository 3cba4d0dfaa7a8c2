package loghost.forward;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.stream.Stream;
import loghost.protocol.Frames;
import loghost.testing.Tmpfs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A spool on a disk that fills up part way through a write (a real 1 MiB tmpfs). */
class SpoolDiskFullTest {

    private static final int DATA = 10_000;

    @TempDir
    Path dir;

    @Test
    void writeCutShortByFullDiskIsNotWrittenTwiceWhenRoomComesBack() throws Exception {
        Path root = dir.resolve("disk");
        try (Tmpfs disk = Tmpfs.mount(root, "1m"); Spool spool = Spool.open(root.resolve("spool"), 1 << 20)) {
            Path filler = leaveFree(disk, 20 << 10);
            for (int i = 1; i <= 5; i++) {
                assertEquals(i, spool.append(Frames.LINE, null, -1, data(i)));
            }
            IOException full = assertThrows(IOException.class, spool::sync, "five 10 KB entries do not fit in 20 KiB");
            assertEquals("No space left on device", full.getMessage());

            Files.delete(filler);
            assertEquals(6, spool.append(Frames.LINE, null, -1, data(6)));
            assertEquals(6, spool.sync());

            assertEquals(6L * SpoolEntry.size(null, DATA), Files.size(segment(root.resolve("spool"))),
                    "each entry once in the segment: the bytes written before the disk filled are written over");
            List<SpoolEntry> read = spool.read(new Spool.Cursor(), 0, 100, 1 << 20, 6);
            assertEquals(6, read.size());
            for (int i = 1; i <= 6; i++) {
                assertEquals(i, read.get(i - 1).cseq());
                assertArrayEquals(data(i), read.get(i - 1).data());
            }
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
