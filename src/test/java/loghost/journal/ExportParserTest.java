package loghost.journal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ExportParserTest {

    private static final String CURSOR = "__CURSOR=s=0123456789abcdef0123456789abcdef;i=1;b=0123456789abcdef0123456789abcdef;"
            + "m=1;t=5f0000000000;x=1\n";

    private final List<String> entries = new ArrayList<>();
    private final ExportParser<RuntimeException> parser = new ExportParser<>(
            (cursor, entry) -> entries.add(new String(entry.line(), StandardCharsets.UTF_8)));

    private void feedInPieces(byte[] b, int piece) throws ExportException {
        for (int off = 0; off < b.length; off += piece) {
            int n = Math.min(piece, b.length - off);
            byte[] chunk = new byte[n];
            System.arraycopy(b, off, chunk, 0, n);
            parser.feed(chunk, n);
        }
    }

    private static byte[] binary(String name, byte[] value, byte after) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes((name + "\n").getBytes(StandardCharsets.US_ASCII));
        out.writeBytes(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(value.length).array());
        out.writeBytes(value);
        out.write(after);
        return out.toByteArray();
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    @Test
    void anEntryWithTextAndBinaryFieldsBecomesItsLine() throws Exception {
        byte[] in = concat(CURSOR.getBytes(StandardCharsets.US_ASCII),
                "SYSLOG_IDENTIFIER=sshd\n_PID=42\n".getBytes(StandardCharsets.US_ASCII),
                binary("MESSAGE", "two\nlines".getBytes(StandardCharsets.UTF_8), (byte) '\n'),
                "\n".getBytes(StandardCharsets.US_ASCII));
        feedInPieces(in, 7);
        assertEquals(List.of("sshd[42]: two\nlines"), entries);
    }

    @Test
    void aFieldNameLongerThanJournaldAllowsIsRefusedAtOnce() {
        // A binary field whose name never ends in 64 bytes is refused when its LF arrives, not searched again
        // and again as its bytes come in.
        byte[] in = binary("A".repeat(65), new byte[10], (byte) '\n');
        ExportException e = assertThrows(ExportException.class, () -> feedInPieces(in, 1024));
        assertEquals("a field name longer than 64 bytes", e.getMessage());
        byte[] text = ("B".repeat(65) + "=value\n").getBytes(StandardCharsets.US_ASCII);
        assertThrows(ExportException.class, () -> feedInPieces(text, 1024));
    }

    @Test
    void aNameOfSixtyFourBytesIsTaken() throws Exception {
        feedInPieces((CURSOR + "C".repeat(64) + "=v\nMESSAGE=ok\n\n").getBytes(StandardCharsets.US_ASCII), 5);
        assertEquals(List.of("ok"), entries);
    }

    @Test
    void aCursorLongerThanAnyJournaldWritesIsRefused() {
        byte[] in = ("__CURSOR=s=0123456789abcdef0123456789abcdef;i=1;" + "x".repeat(1024) + "\n")
                .getBytes(StandardCharsets.US_ASCII);
        ExportException e = assertThrows(ExportException.class, () -> feedInPieces(in, 4096));
        assertEquals("a __CURSOR longer than 1024 bytes", e.getMessage());
    }

    @Test
    void theKeptFieldsOfOneEntryAreBoundedTogether() {
        byte[] big = new byte[ExportParser.MAX_FIELD];
        byte[] in = concat(CURSOR.getBytes(StandardCharsets.US_ASCII),
                binary("SYSLOG_IDENTIFIER", big, (byte) '\n'), binary("MESSAGE", big, (byte) '\n'));
        ExportException e = assertThrows(ExportException.class, () -> feedInPieces(in, 1 << 20));
        assertEquals("an entry whose identifier, PID and message hold more than " + ExportParser.MAX_KEPT
                + " bytes", e.getMessage());
    }

    @Test
    void aBinaryFieldNotFollowedByLfIsRefused() {
        byte[] in = concat(CURSOR.getBytes(StandardCharsets.US_ASCII), binary("MESSAGE", new byte[3], (byte) 'X'));
        ExportException e = assertThrows(ExportException.class, () -> feedInPieces(in, 64));
        assertEquals("a binary field not followed by LF", e.getMessage());
    }
}
