package loghost.store;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class LineSplitterTest {

    /** Splits {@code input} fed in the given chunk sizes; returns "type:message" per record. */
    private static List<String> split(int maxLine, byte[] input, int... chunks) {
        LineSplitter s = new LineSplitter(maxLine);
        LineBatch batch = new LineBatch();
        int off = 0;
        int c = 0;
        while (off < input.length) {
            int n = Math.min(chunks.length == 0 ? input.length : chunks[c++ % chunks.length], input.length - off);
            s.feed(input, off, n, batch);
            s.release(); // as the server does whenever a session has caught up with its input
            off += n;
        }
        s.finish(batch);
        List<String> out = new ArrayList<>();
        for (int i = 0; i < batch.count(); i++) {
            out.add(batch.type(i).word() + ":" + new String(batch.data(), batch.start(i), batch.end(i) - batch.start(i),
                    StandardCharsets.US_ASCII));
        }
        return out;
    }

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    @Test
    void linesBecomeLogRecordsAndATrailingPartBecomesCont() {
        assertEquals(List.of("log:a", "log:", "log:bc", "cont:tail"), split(10, b("a\n\nbc\ntail")));
    }

    @Test
    void aLineOfExactlyMaxLineIsOneRecord() {
        assertEquals(List.of("log:abcd", "log:x"), split(4, b("abcd\nx\n")));
    }

    @Test
    void longerLinesAreSplitIntoContRecordsOfExactlyMaxLine() {
        assertEquals(List.of("cont:abcd", "cont:efgh", "log:i"), split(4, b("abcdefghi\n")));
        assertEquals(List.of("cont:abcd", "log:efgh"), split(4, b("abcdefgh\n")));
    }

    @Test
    void longLinesHeldAcrossManyChunksAreTheRecordsOfTheWholeInput() {
        Random rnd = new Random(11);
        for (int round = 0; round < 40; round++) {
            StringBuilder in = new StringBuilder();
            while (in.length() < 300_000) {
                in.append("x".repeat(rnd.nextInt(rnd.nextBoolean() ? 100 : 150_000))).append('\n');
            }
            in.append("y".repeat(rnd.nextInt(70_000))); // and a last line without LF
            byte[] input = b(in.toString());
            int max = rnd.nextBoolean() ? 65_536 : 1 + rnd.nextInt(5_000);
            assertEquals(split(max, input), split(max, input, 1 + rnd.nextInt(40_000), 1 + rnd.nextInt(300)),
                    "max=" + max);
        }
    }

    @Test
    void chunkBoundariesNeverChangeTheRecords() {
        Random rnd = new Random(7);
        for (int round = 0; round < 300; round++) {
            byte[] input = new byte[rnd.nextInt(200)];
            for (int i = 0; i < input.length; i++) {
                input[i] = rnd.nextInt(6) == 0 ? (byte) '\n' : (byte) ('a' + rnd.nextInt(26));
            }
            int max = 1 + rnd.nextInt(12);
            assertEquals(split(max, input), split(max, input, 1 + rnd.nextInt(9), 1 + rnd.nextInt(9)),
                    "max=" + max + " input=" + new String(input, StandardCharsets.US_ASCII));
        }
    }
}
