package loghost.housekeeping;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The reason an {@code archive-failed} line gives: java.nio's file exceptions carry only the path as their message,
 * which made audit lines like {@code reason="/mnt/nas/loghost/hosts/web01"}; the reason names what went wrong, and
 * a wrapped exception's cause.
 */
class ArchiveFailureReasonTest {

    @TempDir
    Path dir;

    @Test
    void aFileExceptionIsNamedNotJustItsPath() {
        Path missing = dir.resolve("not-mounted/hosts");
        NoSuchFileException e = assertThrows(NoSuchFileException.class, () -> Files.newInputStream(missing));
        assertEquals(missing.toString(), e.getMessage(), "what the audit line used to say");
        assertEquals("no such file: " + missing, Retention.reason(e));
    }

    @Test
    void aWrappedExceptionKeepsItsCause() throws IOException {
        Path file = Files.writeString(dir.resolve("hosts"), "not a directory");
        IOException inner = assertThrows(IOException.class, () -> Files.createDirectories(file.resolve("web01")));
        UncheckedIOException outer = new UncheckedIOException("archive nas: copy failed", inner);
        assertEquals("archive nas: copy failed (cause: Not a directory: " + file.resolve("web01") + ")", Retention.reason(outer));
    }
}
