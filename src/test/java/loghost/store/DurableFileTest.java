package loghost.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DurableFileTest {

    @TempDir
    Path dir;

    @Test
    void replacesTheContentWithAPrivateFileAndLeavesNoNextFile() throws Exception {
        Path f = dir.resolve("state");
        Files.writeString(f, "old\n");
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r--r--"));
        DurableFile.replace(f, "new\n".getBytes());
        assertEquals("new\n", Files.readString(f));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(f)));
        assertFalse(Files.exists(dir.resolve("state.new"), LinkOption.NOFOLLOW_LINKS));
    }

    @Test
    void aLeftoverNextFileOrALinkInItsPlaceIsReplacedNotFollowed() throws Exception {
        Path f = dir.resolve("state");
        Path elsewhere = dir.resolve("elsewhere");
        Files.writeString(elsewhere, "untouched\n");
        Files.createSymbolicLink(dir.resolve("state.new"), elsewhere);
        DurableFile.replace(f, "new\n".getBytes());
        assertEquals("new\n", Files.readString(f));
        assertFalse(Files.isSymbolicLink(f));
        assertEquals("untouched\n", Files.readString(elsewhere), "the link's target is not written");
    }
}
