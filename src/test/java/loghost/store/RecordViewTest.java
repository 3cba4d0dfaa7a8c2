package loghost.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The record parser's word-at-a-time field checks agree with the per-byte rules of docs/FORMAT.md. */
class RecordViewTest {

    private static final String DIGEST = "0123456789abcdef".repeat(4);
    private static final String LINE = "17 2026-11-24T10:05:09.123Z log s=3 " + DIGEST + " hello";
    private static final int TIME_AT = 3;
    private static final int DIGEST_AT = LINE.indexOf(DIGEST);

    private static String parse(byte[] line) {
        return new RecordView().parse(line, line.length, DigestAlgorithm.SHA256);
    }

    private static byte[] with(int at, int value) {
        byte[] b = LINE.getBytes(StandardCharsets.US_ASCII);
        b[at] = (byte) value;
        return b;
    }

    @Test
    void wellFormedLineParses() {
        assertNull(parse(LINE.getBytes(StandardCharsets.US_ASCII)));
    }

    @Test
    void digestAcceptsExactlyLowercaseHexAtEveryPosition() {
        for (int i = 0; i < DIGEST.length(); i++) {
            for (int v = 0; v < 256; v++) {
                boolean hex = (v >= '0' && v <= '9') || (v >= 'a' && v <= 'f');
                assertEquals(hex ? null : "malformed DIGEST field", parse(with(DIGEST_AT + i, v)),
                        "byte " + v + " at digest position " + i);
            }
        }
    }

    @Test
    void digestOfTheWrongLengthIsMalformed() {
        String shorter = LINE.replace(DIGEST, DIGEST.substring(1));
        String longer = LINE.replace(DIGEST, DIGEST + "a");
        assertEquals("malformed DIGEST field", parse(shorter.getBytes(StandardCharsets.US_ASCII)));
        assertEquals("malformed DIGEST field", parse(longer.getBytes(StandardCharsets.US_ASCII)));
        byte[] cut = (LINE.substring(0, DIGEST_AT + 64)).getBytes(StandardCharsets.US_ASCII);
        assertEquals("malformed DIGEST field", parse(cut));
    }

    @Test
    void timeAcceptsOnlyItsShapeAtEveryPosition() {
        String shape = "dddd-dd-ddTdd:dd:dd.dddZ";
        for (int i = 0; i < shape.length(); i++) {
            for (int v = 0; v < 256; v++) {
                byte[] line = with(TIME_AT + i, v);
                char s = shape.charAt(i);
                boolean fits = s == 'd' ? v >= '0' && v <= '9' : v == s;
                // A digit that fits the shape may still name no real instant (month 19): timeNamesARealInstant.
                if (!fits) {
                    assertEquals("malformed TIME field", parse(line), "byte " + v + " at time position " + i);
                }
            }
        }
    }

    @Test
    void timeNamesARealInstant() {
        for (String t : new String[] {"2026-02-29T00:00:00.000Z", "2026-13-01T00:00:00.000Z",
                "2026-04-31T00:00:00.000Z", "2026-11-24T24:00:00.000Z", "2026-11-24T23:60:00.000Z",
                "2026-11-24T23:59:60.000Z", "2026-00-24T23:59:59.000Z", "2026-11-00T23:59:59.000Z"}) {
            String line = LINE.replace("2026-11-24T10:05:09.123Z", t);
            assertEquals("malformed TIME field", parse(line.getBytes(StandardCharsets.US_ASCII)), t);
        }
        String leap = LINE.replace("2026-11-24T10:05:09.123Z", "2028-02-29T23:59:59.999Z");
        assertNull(parse(leap.getBytes(StandardCharsets.US_ASCII)));
    }

    @Test
    void knownTypeNamesTheWordWithoutAllocatingAString() {
        for (RecordType t : RecordType.values()) {
            String line = LINE.replace(" log ", " " + t.word() + " ");
            RecordView v = new RecordView();
            byte[] b = line.getBytes(StandardCharsets.US_ASCII);
            assertNull(v.parse(b, b.length, DigestAlgorithm.SHA256));
            assertEquals(t, v.knownType());
        }
        RecordView v = new RecordView();
        byte[] b = LINE.replace(" log ", " logs ").getBytes(StandardCharsets.US_ASCII);
        assertNull(v.parse(b, b.length, DigestAlgorithm.SHA256));
        assertNull(v.knownType());
    }

    @Test
    void storedDigestEqualsExactlyTheDigestItSpellsForEveryByteValueAtEveryPosition() {
        java.util.Random random = new java.util.Random(12);
        for (DigestAlgorithm alg : DigestAlgorithm.values()) {
            for (int round = 0; round < 20; round++) {
                byte[] digest = new byte[alg.length()];
                random.nextBytes(digest);
                byte[] line = ("17 2026-11-24T10:05:09.123Z log s=3 " + java.util.HexFormat.of().formatHex(digest)
                        + " hello").getBytes(StandardCharsets.US_ASCII);
                RecordView v = new RecordView();
                assertNull(v.parse(line, line.length, alg));
                org.junit.jupiter.api.Assertions.assertTrue(v.digestEquals(digest), alg + " round " + round);
                for (int i = 0; i < digest.length; i++) {
                    for (int b = 0; b < 256; b++) {
                        byte[] other = digest.clone();
                        other[i] = (byte) b;
                        assertEquals(b == (digest[i] & 0xff), v.digestEquals(other), alg + " byte " + i + " = " + b);
                    }
                }
            }
        }
    }
}
