package loghost.ssh;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import loghost.protocol.Frames;
import org.junit.jupiter.api.Test;

/** Frames cut from input in pieces of any size are the frames {@link Frames#read} reads from the whole. */
class FrameAssemblerTest {

    @Test
    void framesOfEverySizeCutFromPiecesOfAnySizeAreTheFramesSent() throws Exception {
        Random random = new Random(7);
        ByteArrayOutputStream sent = new ByteArrayOutputStream();
        for (int size : new int[] {0, 1, 16 * 1024 - 8, 16 * 1024 - 7, 100_000, Frames.MAX_BODY - 8, 3}) {
            byte[] payload = new byte[size];
            random.nextBytes(payload);
            Frames.writeSeq(sent, Frames.LINE, size + 1, payload, 0, size);
        }
        byte[] input = sent.toByteArray();
        List<Frames.Frame> expected = new ArrayList<>();
        DataInputStream whole = new DataInputStream(new ByteArrayInputStream(input));
        for (Frames.Frame f; (f = Frames.read(whole)) != null; ) {
            expected.add(f);
        }

        // Pieces of 1 to 40,000 bytes, each in a larger array, as the server's queued pieces are.
        FrameAssembler frames = new FrameAssembler();
        List<Frames.Frame> cut = new ArrayList<>();
        for (int pos = 0; pos < input.length; ) {
            int n = Math.min(input.length - pos, 1 + random.nextInt(random.nextBoolean() ? 40_000 : 8));
            byte[] piece = new byte[n + 100];
            System.arraycopy(input, pos, piece, 0, n);
            pos += n;
            frames.feed(piece, n);
            for (Frames.Frame f; (f = frames.next()) != null; ) {
                cut.add(f);
            }
        }

        assertEquals(expected.size(), cut.size());
        for (int i = 0; i < expected.size(); i++) {
            assertEquals(expected.get(i).kind(), cut.get(i).kind());
            assertArrayEquals(expected.get(i).body(), cut.get(i).body(), "frame " + i);
        }
        assertNull(frames.unfinished());
    }
}
