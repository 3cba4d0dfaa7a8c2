package loghost.store;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * The one way a small state file is replaced: the new content goes to {@code NAME.new} (0600, created new, forced),
 * is renamed over {@code NAME}, and the directory is forced, so that after a crash the file holds either the old
 * content or the new, and the rename itself is on disk before the caller goes on.
 */
public final class DurableFile {

    /** The suffix of the file a replacement is written to before the rename. */
    public static final String NEXT_SUFFIX = ".new";

    private DurableFile() {
    }

    /** Replaces {@code file} with {@code content} durably (see the class comment); a leftover {@code .new} goes first. */
    public static void replace(Path file, byte[] content) throws IOException {
        Path next = file.resolveSibling(file.getFileName() + NEXT_SUFFIX);
        Files.deleteIfExists(next);
        StoreFiles.writePrivateFile(next, content);
        Files.move(next, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        StoreFiles.syncDirectory(file.getParent());
    }
}
