package loghost.forward;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import loghost.protocol.Frames;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What one read of the spool hands a sender: consecutive cseqs only, so a hole is always seen at a batch's start. */
class SpoolBatchTest {

    @TempDir
    Path dir;

    @Test
    void batchEndsWhereSegmentsDeletedDuringTheReadLeaveAHole() throws Exception {
        // A 64 KiB spool has 16 KiB segments: 40 entries of ~1 KB make segments starting at cseq 1, 17 and 33.
        try (Spool spool = Spool.open(dir, 64 << 10)) {
            for (int i = 1; i <= 40; i++) {
                spool.append(Frames.LINE, null, -1, new byte[1000]);
            }
            assertEquals(40, spool.sync());
            // The segment from cseq 17 goes as trim deletes it for a lagging destination while its sender reads
            // the one before: the file is gone when the read moves on to it.
            Files.delete(dir.resolve(String.format("%020d.seg", 17)));

            List<SpoolEntry> first = spool.read(new Spool.Cursor(), 0, 4096, 4 << 20, 40);

            assertEquals(16, first.size(), "the batch ends at the hole");
            assertEquals(16, first.get(first.size() - 1).cseq());
            List<SpoolEntry> next = spool.read(new Spool.Cursor(), 16, 4096, 4 << 20, 40);
            assertEquals(33, next.get(0).cseq(),
                    "the next batch starts after the hole: the sender names 17..32 in a GAP");
        }
    }
}
