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
                    StandardCharsets.ISO_8859_1));
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

    @Test
    void everyRecordIsItsRawPartEscapedWhateverTheBytesAndChunks() {
        // Plain runs, bytes that need escaping (controls, backslash, DEL, invalid and direction-mark UTF-8) and LFs,
        // against a model that cuts the raw input first and escapes each part on its own.
        byte[][] palette = {b("abc"), b("request served "), b("\\"), b("\t"), {0}, {0x7f}, {(byte) 0xc3, (byte) 0xa9},
            {(byte) 0xe2, (byte) 0x80, (byte) 0x8e}, {(byte) 0xff}, {(byte) 0xc3}, b("\n")};
        Random rnd = new Random(23);
        for (int round = 0; round < 400; round++) {
            java.io.ByteArrayOutputStream in = new java.io.ByteArrayOutputStream();
            for (int k = rnd.nextInt(60); k > 0; k--) {
                in.writeBytes(palette[rnd.nextInt(palette.length)]);
            }
            byte[] input = in.toByteArray();
            int max = 1 + rnd.nextInt(rnd.nextBoolean() ? 8 : 64);
            List<String> expected = model(max, input);
            assertEquals(expected, split(max, input), "max=" + max + " round=" + round);
            assertEquals(expected, split(max, input, 1 + rnd.nextInt(9), 1 + rnd.nextInt(30)),
                    "max=" + max + " round=" + round);
        }
    }

    // The records of input: each LF-terminated line in parts of max bytes (the last a log record, the others cont),
    // a last line without LF in cont parts; each part escaped by itself, its bytes read as Latin-1.
    private static List<String> model(int max, byte[] input) {
        List<String> out = new ArrayList<>();
        int start = 0;
        for (int i = 0; i <= input.length; i++) {
            boolean lf = i < input.length && input[i] == '\n';
            if (!lf && i < input.length) {
                continue;
            }
            int len = i - start;
            if (lf || len > 0) {
                for (int p = start; p == start || p < i; p += max) {
                    int end = Math.min(i, p + max);
                    String type = lf && end == i ? "log:" : "cont:";
                    out.add(type + new String(Escaping.escape(java.util.Arrays.copyOfRange(input, p, end)),
                            StandardCharsets.ISO_8859_1));
                }
            }
            start = i + 1;
        }
        return out;
    }
}
