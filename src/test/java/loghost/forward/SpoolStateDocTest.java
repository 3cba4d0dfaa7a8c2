package loghost.forward;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The spool-state bytes as docs/PROTOCOL.md shows them: read, written back the same, and the older layouts. */
class SpoolStateDocTest {

    @TempDir
    Path dir;

    private static String example() throws IOException {
        String doc = Files.readString(Path.of("docs/PROTOCOL.md"));
        Matcher m = Pattern.compile("<!-- spool-state: v2 -->\n```\n(.*?)```", Pattern.DOTALL).matcher(doc);
        assertTrue(m.find(), "the example is in PROTOCOL.md");
        return m.group(1);
    }

    @Test
    void documentedExampleLoadsAndIsWrittenBackByteForByte() throws Exception {
        String text = example();
        Files.writeString(dir.resolve(SpoolState.FILE), text);
        SpoolState s = SpoolState.load(dir);
        assertEquals(2, s.loadedVersion());
        assertEquals(5210, s.highest());
        SpoolState.Delivery b = s.delivery("10.0.0.6:2222");
        assertEquals(4100, b.acked());
        assertEquals("fifo.3f9c0a1b2c3d4e5f", b.identity().id());
        assertEquals(0, b.identity().base());
        assertEquals(88211, s.position("file:/var/log/app.log").offset());
        assertEquals(5210, s.position("file:/var/log/app.log").cseq());
        s.save(5210);
        assertEquals(text, Files.readString(dir.resolve(SpoolState.FILE)));
    }

    @Test
    void versionOneStateLoadsWithoutDestinationsAndIsWrittenAsVersionTwo() throws Exception {
        Files.writeString(dir.resolve(SpoolState.FILE), "highest 42\noffset 40 1234 file:/var/log/app.log\n");
        SpoolState s = SpoolState.load(dir);
        assertEquals(1, s.loadedVersion());
        assertEquals(42, s.highest());
        assertNull(s.delivery("10.0.0.5:2222"));
        s.save(42);
        assertEquals("spool-state 2\nhighest 42\noffset 40 1234 file:/var/log/app.log\n",
                Files.readString(dir.resolve(SpoolState.FILE)));
    }

    @Test
    void stateOfANewerVersionIsRefusedNamingIt() throws Exception {
        Files.writeString(dir.resolve(SpoolState.FILE), "spool-state 3\nhighest 1\n");
        IOException e = assertThrows(IOException.class, () -> SpoolState.load(dir));
        assertTrue(e.getMessage().contains("spool-state version 3 is newer than this loghost forward reads (2)"),
                e.getMessage());
    }
}
