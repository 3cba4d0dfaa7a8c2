package loghost;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import loghost.protocol.Frames;
import org.junit.jupiter.api.Test;

/** The acknowledged-mode worked example in docs/PROTOCOL.md, decoded from the doc's own hex dumps. */
class FrameDocTest {

    private static byte[] frameFromDoc(String name) throws Exception {
        String doc = Files.readString(Path.of("docs/PROTOCOL.md"), StandardCharsets.UTF_8);
        Matcher m = Pattern.compile("<!-- frame: " + name + " -->\n```\n(.*?)```", Pattern.DOTALL).matcher(doc);
        assertTrue(m.find(), "frame " + name + " missing from docs/PROTOCOL.md");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (String line : m.group(1).split("\n")) {
            // "OFFSET  HEX BYTES (up to 16)  ASCII": the hex part is columns 6 to 53.
            String hex = line.substring(6, Math.min(line.length(), 53)).replace(" ", "");
            out.writeBytes(HexFormat.of().parseHex(hex));
        }
        return out.toByteArray();
    }

    private static Frames.Frame decode(byte[] bytes) throws Exception {
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes));
        Frames.Frame f = Frames.read(in);
        assertNull(Frames.read(in), "exactly one frame per block");
        return f;
    }

    private static String payload(Frames.Frame f) {
        return new String(f.body(), f.payloadOffset(), f.body().length - f.payloadOffset(), StandardCharsets.UTF_8);
    }

    @Test
    void everyExampleFrameDecodesToWhatTheDocSays() throws Exception {
        assertEquals("syslog", Frames.parseHello(decode(frameFromDoc("hello"))));
        loghost.forward.Welcome welcome = loghost.forward.Welcome.parse(decode(frameFromDoc("welcome")));
        assertEquals("web01", welcome.host());
        assertEquals(41, welcome.last());

        Frames.Frame line = decode(frameFromDoc("line"));
        assertEquals(Frames.LINE, line.kind());
        assertEquals(42, line.seq());
        assertEquals("<30>Nov 24 10:00:00 web01 cron[7]: job done", payload(line));

        Frames.Frame mark = decode(frameFromDoc("mark"));
        assertEquals(Frames.MARK, mark.kind());
        assertEquals(43, mark.seq());
        assertEquals("heartbeat stream=syslog pending=0", payload(mark));

        Frames.Frame ack = decode(frameFromDoc("ack"));
        assertEquals(Frames.ACK, ack.kind());
        assertEquals(43, ack.seq());
        long hostSeq = 0;
        for (int i = 8; i < 16; i++) {
            hostSeq = (hostSeq << 8) | (ack.body()[i] & 0xff);
        }
        assertEquals(1207, hostSeq);
        assertTrue(new String(ack.body(), 16, ack.body().length - 16, StandardCharsets.US_ASCII)
                .matches("[0-9a-f]{64}"));
    }

    @Test
    void theEventTimeExampleDecodesToWhatTheDocSays() throws Exception {
        Frames.Hello hello = Frames.hello(decode(frameFromDoc("hello-times")));
        assertEquals(new Frames.Hello("syslog", false, true), hello);
        Frames.Frame line = decode(frameFromDoc("line-times"));
        assertEquals(Frames.LINE, line.kind());
        assertEquals(42, line.seq());
        assertEquals(java.time.Instant.parse("2026-11-24T10:00:00.250Z").toEpochMilli(), line.eventTime());
        assertEquals("<30>Nov 24 10:00:00 web01 cron[7]: job done",
                new String(line.body(), 16, line.body().length - 16, StandardCharsets.UTF_8));

        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Frames.writeText(out, Frames.HELLO, "loghost-ack 1 stream=syslog times=1");
        assertEquals(HexFormat.of().formatHex(frameFromDoc("hello-times")), HexFormat.of().formatHex(out.toByteArray()));
        out.reset();
        byte[] text = "<30>Nov 24 10:00:00 web01 cron[7]: job done".getBytes(StandardCharsets.US_ASCII);
        Frames.writeTimed(out, Frames.LINE, 42, line.eventTime(), text, 0, text.length);
        assertEquals(HexFormat.of().formatHex(frameFromDoc("line-times")), HexFormat.of().formatHex(out.toByteArray()));
    }

    @Test
    void theWriterProducesTheExampleBytes() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Frames.writeText(out, Frames.HELLO, "loghost-ack 1 stream=syslog");
        assertEquals(HexFormat.of().formatHex(frameFromDoc("hello")), HexFormat.of().formatHex(out.toByteArray()));
        out.reset();
        byte[] text = "<30>Nov 24 10:00:00 web01 cron[7]: job done".getBytes(StandardCharsets.US_ASCII);
        Frames.writeSeq(out, Frames.LINE, 42, text, 0, text.length);
        assertEquals(HexFormat.of().formatHex(frameFromDoc("line")), HexFormat.of().formatHex(out.toByteArray()));
    }
}
