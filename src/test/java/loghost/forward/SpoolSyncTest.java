package loghost.forward;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import loghost.protocol.Frames;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A sender that finds entries appended but not yet synced syncs them itself, and only then reads them. */
class SpoolSyncTest {

    @TempDir
    Path dir;

    @Test
    void senderWithNothingToSendSyncsWhatWasAppendedAndThenReadsIt() throws Exception {
        try (Spool spool = Spool.open(dir, 1 << 20)) {
            assertEquals(0, spool.syncIfBehind(0), "nothing appended: nothing synced");
            byte[] line = "one line".getBytes(StandardCharsets.US_ASCII);
            long cseq = spool.append(Frames.LINE, null, -1, line);

            long synced = spool.syncIfBehind(0);

            assertEquals(cseq, synced);
            assertEquals(SpoolEntry.size(null, line.length), segmentBytesOnDisk(), "the entry is in the segment file");
            List<SpoolEntry> read = spool.read(new Spool.Cursor(), 0, 10, 1 << 20, synced);
            assertEquals(1, read.size());
            assertEquals("one line", new String(read.get(0).data(), StandardCharsets.US_ASCII));
        }
    }

    @Test
    void entriesSyncedAndReadWhileSegmentsChangeArriveInOrderOnce() throws Exception {
        // A 1 MiB spool has 256 KiB segments: 400 entries of 2 KiB start a new one three times while another thread
        // syncs and reads as a sender would (an fsync on a segment just finished, a rare interleaving, must not fail it).
        int count = 400;
        byte[] data = new byte[2048];
        try (Spool spool = Spool.open(dir, 1 << 20)) {
            AtomicReference<Throwable> failed = new AtomicReference<>();
            List<SpoolEntry> got = new ArrayList<>();
            Thread sender = new Thread(() -> {
                long synced = 0;
                Spool.Cursor cursor = new Spool.Cursor();
                try {
                    while (synced < count) {
                        long now = spool.syncIfBehind(synced);
                        if (now > synced) {
                            got.addAll(spool.read(cursor, synced, 10_000, 1 << 30, now));
                            synced = got.get(got.size() - 1).cseq();
                        }
                    }
                } catch (Throwable e) {
                    failed.set(e);
                }
            });
            sender.start();
            for (int i = 1; i <= count; i++) {
                assertEquals(i, spool.append(Frames.LINE, null, -1, data));
            }
            sender.join();
            if (failed.get() != null) {
                throw new AssertionError("the sender failed", failed.get());
            }
            assertEquals(count, got.size());
            for (int i = 0; i < count; i++) {
                assertEquals(i + 1, got.get(i).cseq(), "entries in order, each once");
            }
        }
    }

    private long segmentBytesOnDisk() throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            long total = 0;
            for (Path p : (Iterable<Path>) s.filter(p -> p.toString().endsWith(".seg"))::iterator) {
                total += Files.size(p);
            }
            return total;
        }
    }
}
