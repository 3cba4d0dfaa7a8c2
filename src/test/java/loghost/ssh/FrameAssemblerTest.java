package loghost.ssh;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.lang.ref.WeakReference;
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

    @Test
    void aUsedUpPieceIsNotKeptWhileTheSessionIdles() throws Exception {
        // An idle session's assembler outlives its last packet: holding that piece (8 KiB in the server) for each
        // of 10,000 connected hosts was 80 MB of heap. Whole frames, and a frame whose body is still unfinished.
        for (int cut : new int[] {0, 3}) {
            ByteArrayOutputStream sent = new ByteArrayOutputStream();
            Frames.writeSeq(sent, Frames.LINE, 1, "one line".getBytes(), 0, 8);
            byte[] bytes = sent.toByteArray();
            FrameAssembler frames = new FrameAssembler();
            byte[] piece = new byte[8192];
            System.arraycopy(bytes, 0, piece, 0, bytes.length - cut);
            frames.feed(piece, bytes.length - cut);
            while (frames.next() != null) {
                // the frame, then null: the piece is used up
            }
            WeakReference<byte[]> held = new WeakReference<>(piece);
            piece = null;
            for (int i = 0; i < 50 && held.get() != null; i++) {
                System.gc();
                Thread.sleep(10);
            }
            assertTrue(held.get() == null, "the assembler still holds the used-up piece (cut " + cut + ")");
            assertEquals(cut == 0 ? null : "input ended inside a frame body", frames.unfinished());
            if (cut > 0) {
                frames.feed(java.util.Arrays.copyOfRange(bytes, bytes.length - cut, bytes.length), cut);
                Frames.Frame f = frames.next();
                assertTrue(f != null && new String(f.body()).endsWith("one line"), "the frame completes");
            }
        }
    }
}
