package loghost.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.stream.Stream;

/** Copies of whole directory trees, modes kept: root's copy of a data directory, or a store to tamper with. */
public final class Trees {

    private Trees() {
    }

    /**
     * Copies the tree at {@code from} to {@code to} (which must not exist). From a running server, a file that goes
     * away between the listing and its copy (the sealing intent, say) is not copied.
     */
    public static Path copy(Path from, Path to) throws IOException {
        try (Stream<Path> s = Files.walk(from)) {
            for (Path p : s.toList()) {
                try {
                    Files.copy(p, to.resolve(from.relativize(p).toString()), StandardCopyOption.COPY_ATTRIBUTES);
                } catch (NoSuchFileException gone) {
                    continue; // deleted after the listing: not part of what there is to copy
                }
            }
        }
        return to;
    }
}
