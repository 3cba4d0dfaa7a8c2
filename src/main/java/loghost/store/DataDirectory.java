package loghost.store;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.util.ArrayList;
import java.util.List;
import loghost.names.DayFileName;

/**
 * Start-up checks of the data directory: it and everything in it must be real (no symbolic links), ours, and
 * closed to group and others (directories 0700, files 0600), so that no one else can read the logs or change
 * what the server will open, trust or write.
 */
public final class DataDirectory {

    private DataDirectory() {
    }

    /**
     * Creates {@code dir} (0700) if missing; otherwise walks all of it without following symbolic links and
     * refuses, with one line naming the first offending path (in name order) and what to fix, anything unsafe.
     */
    public static void prepare(Path dir) throws IOException {
        if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            StoreFiles.createPrivateDirectory(dir);
            return;
        }
        StoreFiles.checkPrivateDirectory(dir, "data directory");
        walk(dir, 0, "");
    }

    private static void walk(Path dir, int depth, String parentName) throws IOException {
        List<Path> entries = new ArrayList<>();
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
            s.forEach(entries::add);
        }
        entries.sort(null);
        for (Path p : entries) {
            // lstat first: a symbolic link is refused whatever it points to, and never followed.
            PosixFileAttributes a = Files.readAttributes(p, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            String name = p.getFileName().toString();
            // A link where a directory belongs (hosts/H) is named as one: "put the real directory there".
            boolean directoryPlace = (depth == 0 && (name.equals("hosts") || name.equals("streams")))
                    || (depth == 1 && parentName.equals("hosts"));
            if (a.isDirectory() || (a.isSymbolicLink() && directoryPlace)) {
                StoreFiles.checkPrivateDirectory(p, directoryLabel(depth, parentName, name));
                walk(p, depth + 1, name);
            } else {
                StoreFiles.checkPrivateFile(p, fileLabel(depth, parentName, name));
            }
        }
    }

    private static String directoryLabel(int depth, String parent, String name) {
        if (depth == 0 && (name.equals("hosts") || name.equals("streams"))) {
            return name + " directory";
        }
        return depth == 1 && parent.equals("hosts") ? "host directory" : "directory";
    }

    private static String fileLabel(int depth, String parent, String name) {
        if (depth == 0 && name.equals("enrolled_keys")) {
            return "enrolled keys file";
        }
        if (depth == 0 && name.startsWith("ssh_host_")) {
            return "host key file";
        }
        if (depth == 1 && parent.equals("streams")) {
            return "stream state file";
        }
        return depth == 2 && DayFileName.isStored(name) ? "day file" : "file";
    }
}
