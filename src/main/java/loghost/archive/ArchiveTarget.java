package loghost.archive;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import loghost.store.Manifest;

/** An archive destination (docs/FORMAT.md, "Archive and retention"): a directory or an S3 bucket, same layout. */
public interface ArchiveTarget {

    /** The destination's name, as in {@code archive.destinations} and the manifest's marks. */
    String name();

    /**
     * Copies {@code source} (listed as {@code entry}) into the archive and reads the copy back: returns only when the
     * archive holds exactly the listed bytes. A copy already there is kept if it matches; one that does not is an
     * error, and nothing is overwritten.
     */
    void put(String host, Path source, Manifest.Entry entry) throws IOException;

    /** Replaces the archive's copy of the host's manifest by {@code manifest}. */
    void putManifest(String host, Path manifest) throws IOException;

    /** The hosts with a directory (or key prefix) in the archive, in name order. */
    List<String> hosts() throws IOException;

    /**
     * A local file holding the archived {@code name} of {@code host} (a directory's own file, or a download into
     * {@code scratch}); null when the archive has no such file.
     */
    Path fetch(String host, String name, Path scratch) throws IOException;
}
