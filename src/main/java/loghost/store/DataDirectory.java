package loghost.store;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.util.Set;

/** Start-up checks of the data directory: it must be a real directory, ours, and closed to group and others. */
public final class DataDirectory {

    private DataDirectory() {
    }

    /** Creates {@code dir} (0700) if missing; otherwise refuses, saying what to fix, if it is not safe to use. */
    public static void prepare(Path dir) throws IOException {
        if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            StoreFiles.createPrivateDirectory(dir);
            return;
        }
        check(dir, "data directory");
        Path hosts = dir.resolve("hosts");
        if (Files.exists(hosts, LinkOption.NOFOLLOW_LINKS)) {
            check(hosts, "hosts directory");
        }
    }

    private static void check(Path dir, String what) throws IOException {
        if (Files.isSymbolicLink(dir) || !Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            throw new IOException(what + " " + dir + " is not a directory (symbolic links are not accepted)");
        }
        UserPrincipal owner = Files.getOwner(dir, LinkOption.NOFOLLOW_LINKS);
        String me = System.getProperty("user.name");
        if (!owner.getName().equals(me)) {
            throw new IOException(what + " " + dir + " is owned by " + owner.getName() + ", but loghost runs as " + me
                    + "; fix with: chown -R " + me + " " + dir);
        }
        Set<PosixFilePermission> mode = Files.getPosixFilePermissions(dir, LinkOption.NOFOLLOW_LINKS);
        if (mode.stream().anyMatch(p -> p.name().startsWith("GROUP") || p.name().startsWith("OTHERS"))) {
            throw new IOException(what + " " + dir + " has mode " + PosixFilePermissions.toString(mode)
                    + " (group or others can reach the logs); fix with: chmod 700 " + dir);
        }
    }
}
