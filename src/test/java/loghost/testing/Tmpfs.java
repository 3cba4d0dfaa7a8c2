package loghost.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;

/** A real small tmpfs (the tests run as root): a disk that really fills up. */
public final class Tmpfs implements AutoCloseable {

    private final Path dir;

    private Tmpfs(Path dir) {
        this.dir = dir;
    }

    /** Creates {@code dir} (0700) if missing and mounts a tmpfs of {@code size} (e.g. "1m") on it, mode 0700. */
    public static Tmpfs mount(Path dir, String size) throws IOException, InterruptedException {
        if (!Files.isDirectory(dir)) {
            Files.createDirectory(dir,
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        }
        Run.Result r = Run.run("mount", "-t", "tmpfs", "-o", "size=" + size + ",mode=0700", "loghost-test",
                dir.toString());
        assertEquals(0, r.exit(), r::toString);
        return new Tmpfs(dir);
    }

    /** Writes {@code name} in the tmpfs until the disk is full (ENOSPC); returns the file, to delete to free space. */
    public Path fill(String name) throws IOException {
        Path f = dir.resolve(name);
        byte[] block = new byte[4096];
        try (OutputStream out = Files.newOutputStream(f, StandardOpenOption.CREATE_NEW)) {
            while (true) {
                out.write(block);
                out.flush();
            }
        } catch (IOException e) {
            if (!String.valueOf(e.getMessage()).contains("No space left on device")) {
                throw e;
            }
        }
        return f;
    }

    @Override
    public void close() throws IOException, InterruptedException {
        Run.run("umount", "-l", dir.toString());
    }
}
