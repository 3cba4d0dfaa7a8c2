package loghost.forward;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import loghost.protocol.Frames;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Spool bytes that changed on disk after they were fsynced are corruption: said loudly, never waited for. */
class SpoolCorruptionTest {

    private static final int DATA = 100;

    @TempDir
    Path dir;

    @Test
    void readingASyncedEntryThatFailsItsChecksumFailsNamingFileAndOffset() throws Exception {
        try (Spool spool = Spool.open(dir, 1 << 20)) {
            for (int i = 1; i <= 3; i++) {
                spool.append(Frames.LINE, null, -1, new byte[DATA]);
            }
            assertEquals(3, spool.sync());
            Path seg = SpoolDiskFullTest.segment(dir);
            long second = SpoolEntry.size(null, DATA);
            flipByte(seg, second + 40);

            SpoolFailedException e = assertThrows(SpoolFailedException.class,
                    () -> spool.read(new Spool.Cursor(), 0, 100, 1 << 20, 3));

            assertTrue(e.getMessage().contains(seg + " is corrupt at offset " + second), e.getMessage());
        }
    }

    static void flipByte(Path f, long at) throws Exception {
        try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
            raf.seek(at);
            int b = raf.read();
            raf.seek(at);
            raf.write(b ^ 0x01);
        }
        assertTrue(Files.size(f) > at);
    }
}
