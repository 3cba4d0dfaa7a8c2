package loghost.forward;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import loghost.protocol.Frames;
import org.junit.jupiter.api.Test;

/** How the forwarder reads WELCOME: any decimal u64 is a position; anything else is a loud protocol error. */
class WelcomeTest {

    private static Frames.Frame frame(byte kind, String body) {
        return new Frames.Frame(kind, body.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void readsTheLargestLongAndSaturatesBeyondIt() throws Exception {
        Welcome w = Welcome.parse(frame(Frames.WELCOME, "loghost-ack 1 host=web01 last=9223372036854775807"));
        assertEquals(Long.MAX_VALUE, w.last());
        assertEquals("web01", w.host());
        Welcome beyond = Welcome.parse(frame(Frames.WELCOME, "loghost-ack 1 host=web01 last=18446744073709551615"));
        assertEquals(Long.MAX_VALUE, beyond.last(), "beyond a long is beyond anything a spool numbers");
        assertEquals("18446744073709551615", beyond.lastText());
    }

    @Test
    void aLastBeyondTheU64RangeIsUnparseableNotSaturated() throws Exception {
        // docs/PROTOCOL.md: last is a decimal u64, 0 to 18446744073709551615; 20 digits can say more than that.
        assertEquals(Long.MAX_VALUE, Welcome.parse(
                frame(Frames.WELCOME, "loghost-ack 1 host=web01 last=9223372036854775808")).last());
        Welcome.Unparseable e = assertThrows(Welcome.Unparseable.class, () -> Welcome.parse(
                frame(Frames.WELCOME, "loghost-ack 1 host=web01 last=18446744073709551616")));
        assertTrue(e.getMessage().contains("beyond the u64 range"), e.getMessage());
    }

    @Test
    void aLastThatIsNoNumberIsUnparseableAndPrintable() {
        Welcome.Unparseable e = assertThrows(Welcome.Unparseable.class, () -> Welcome.parse(
                frame(Frames.WELCOME, "loghost-ack 1 host=web01 last=-1\n\u001b[31mforged")));
        assertFalse(e.getMessage().contains("\n") || e.getMessage().contains("\u001b"), e.getMessage());
        assertTrue(e.getMessage().contains("last=-1\\x{a}\\x{1b}[31mforged"), e.getMessage());
        assertThrows(Welcome.Unparseable.class, () -> Welcome.parse(
                frame(Frames.WELCOME, "loghost-ack 1 host=web01 last=123456789012345678901")));
    }

    @Test
    void anErrorFrameIsARefusalNotAWelcome() {
        Frames.ProtocolException e = assertThrows(Frames.ProtocolException.class,
                () -> Welcome.parse(frame(Frames.ERROR, "no")));
        assertTrue(e.getMessage().contains("refused the stream: no"), e.getMessage());
    }
}
