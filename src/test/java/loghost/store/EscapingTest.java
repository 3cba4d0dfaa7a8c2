package loghost.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

class EscapingTest {

    private static String esc(byte[] raw) {
        return new String(Escaping.escape(raw), StandardCharsets.UTF_8);
    }

    @Test
    void everySingleByteRoundTripsAndNeverYieldsAControlByte() {
        for (int b = 0; b < 256; b++) {
            byte[] raw = {(byte) b};
            byte[] e = Escaping.escape(raw);
            assertArrayEquals(raw, Escaping.unescape(e, 0, e.length), "byte " + b);
            assertTrue(Escaping.isCanonical(e, 0, e.length), "byte " + b);
            for (byte x : e) {
                assertTrue((x & 0xff) >= 0x20 && (x & 0xff) < 0x7f, "escaped byte " + b + " contains " + x);
            }
        }
    }

    @Test
    void lineBreaksControlsAndBackslashAreEscaped() {
        assertEquals("a\\nb\\rc\\td\\\\e\\x00f\\x1b[31m\\x7f", esc("a\nb\rc\td\\e\0f\u001b[31m\u007f"
                .getBytes(StandardCharsets.ISO_8859_1)));
    }

    @Test
    void wellFormedUtf8PassesButInvalidBytesAreEscapedOneByOne() {
        assertEquals("café €𝄞", esc("café €𝄞".getBytes(StandardCharsets.UTF_8)));
        assertEquals("\\xff\\xfe", esc(new byte[] {(byte) 0xff, (byte) 0xfe}));
        assertEquals("\\xc3(", esc(new byte[] {(byte) 0xc3, '('}));
        assertEquals("\\xed\\xa0\\x80", esc(new byte[] {(byte) 0xed, (byte) 0xa0, (byte) 0x80}), "surrogate");
        assertEquals("\\xc0\\xaf", esc(new byte[] {(byte) 0xc0, (byte) 0xaf}), "overlong");
    }

    @Test
    void terminalAndBidiControlsInUtf8AreEscaped() {
        assertEquals("\\xc2\\x9b2J", esc("\u009b2J".getBytes(StandardCharsets.UTF_8)), "8-bit CSI");
        assertEquals("x\\xe2\\x80\\xa8y", esc("x\u2028y".getBytes(StandardCharsets.UTF_8)), "line separator");
        assertEquals("\\xe2\\x80\\xaeevil", esc("\u202eevil".getBytes(StandardCharsets.UTF_8)), "RLO");
        assertEquals("\\xe2\\x81\\xa6", esc("\u2066".getBytes(StandardCharsets.UTF_8)), "LRI");
    }

    @Test
    void randomBytesRoundTripExactly() {
        Random rnd = new Random(42);
        for (int i = 0; i < 2000; i++) {
            byte[] raw = new byte[rnd.nextInt(300)];
            rnd.nextBytes(raw);
            byte[] e = Escaping.escape(raw);
            assertArrayEquals(raw, Escaping.unescape(e, 0, e.length));
            assertTrue(Escaping.isCanonical(e, 0, e.length));
        }
    }

    @Test
    void nonCanonicalFormsAreRecognised() {
        for (String s : new String[] {"\\x41", "\\x0a", "\\x5c", "\\xC3", "\\xc3\\xa9", "\\q", "a\\", "\\x4",
            "\u001b", "tab\there"}) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            assertFalse(Escaping.isCanonical(b, 0, b.length), s);
        }
    }

    @Test
    void unescapeRejectsWhatTheEscaperCannotProduce() {
        byte[] b = "bad \\q".getBytes(StandardCharsets.US_ASCII);
        assertThrows(IllegalArgumentException.class, () -> Escaping.unescape(b, 0, b.length));
    }

    @Test
    void version2EscapesTheInvisibleDirectionMarksAndTheByteOrderMark() {
        assertEquals("\\xd8\\x9c", esc("\u061c".getBytes(StandardCharsets.UTF_8)), "ALM");
        assertEquals("a\\xe2\\x80\\x8eb", esc("a\u200eb".getBytes(StandardCharsets.UTF_8)), "LRM");
        assertEquals("\\xe2\\x80\\x8f", esc("\u200f".getBytes(StandardCharsets.UTF_8)), "RLM");
        assertEquals("\\xef\\xbb\\xbfx", esc("\ufeffx".getBytes(StandardCharsets.UTF_8)), "BOM");
        // Their neighbours still pass: U+061B, U+200D, U+2010, U+FEFE.
        for (String ok : new String[] {"\u061b", "\u200d", "\u2010", "\ufefe", "\u0627"}) {
            assertEquals(ok, esc(ok.getBytes(StandardCharsets.UTF_8)), ok);
        }
    }

    @Test
    void version1CopiesThoseFourAndEachVersionHasItsOwnCanonicalForm() {
        byte[] raw = "\u061c\u200e\u200f\ufeff".getBytes(StandardCharsets.UTF_8);
        byte[] v1 = Escaping.escape(raw, Escaping.V1);
        byte[] v2 = Escaping.escape(raw, Escaping.V2);
        assertArrayEquals(raw, v1);
        assertTrue(Escaping.isCanonical(v1, 0, v1.length, Escaping.V1));
        assertFalse(Escaping.isCanonical(v1, 0, v1.length, Escaping.V2));
        assertTrue(Escaping.isCanonical(v2, 0, v2.length, Escaping.V2));
        assertFalse(Escaping.isCanonical(v2, 0, v2.length, Escaping.V1));
        assertArrayEquals(raw, Escaping.unescape(v2, 0, v2.length));
        assertArrayEquals(v1, Escaping.reescape(v2, 0, v2.length, Escaping.V1));
    }

    @Test
    void randomUtf8RoundTripsAndIsCanonicalUnderBothVersions() {
        Random rnd = new Random(4242);
        int[] cps = {0x61c, 0x200e, 0x200f, 0xfeff, 0x202e, 0x2066, 0x85, 0xe9, 0x1d11e, 0x20, 0x5c, 0x0a, 0x1b};
        for (int i = 0; i < 2000; i++) {
            StringBuilder sb = new StringBuilder();
            for (int k = rnd.nextInt(20); k > 0; k--) {
                sb.appendCodePoint(cps[rnd.nextInt(cps.length)]);
            }
            byte[] raw = sb.toString().getBytes(StandardCharsets.UTF_8);
            for (int version : new int[] {Escaping.V1, Escaping.V2}) {
                byte[] e = Escaping.escape(raw, version);
                assertArrayEquals(raw, Escaping.unescape(e, 0, e.length));
                assertTrue(Escaping.isCanonical(e, 0, e.length, version));
            }
        }
    }
}
