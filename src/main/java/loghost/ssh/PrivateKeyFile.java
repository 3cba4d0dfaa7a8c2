package loghost.ssh;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/** A private key the loghost logs in with ({@code forward}'s key, a pull source's key), checked as ssh checks one. */
public final class PrivateKeyFile {

    private PrivateKeyFile() {
    }

    /**
     * Refuses a key file group or others may read or write, with the {@code chmod} to run: as ssh does, such a key
     * is not used, since it may already be someone else's. Refuses one this user cannot read, with the {@code chown}.
     */
    public static void checkClosedToOthers(Path keyFile) throws IOException {
        if (!Files.exists(keyFile)) {
            throw new NoSuchFileException(keyFile.toString());
        }
        Set<PosixFilePermission> mode = Files.getPosixFilePermissions(keyFile);
        if (mode.contains(PosixFilePermission.GROUP_READ) || mode.contains(PosixFilePermission.OTHERS_READ)
                || mode.contains(PosixFilePermission.GROUP_WRITE) || mode.contains(PosixFilePermission.OTHERS_WRITE)) {
            throw new IllegalArgumentException("private key " + keyFile + " is open to group or others (mode "
                    + PosixFilePermissions.toString(mode) + "); fix with: chmod 600 " + keyFile);
        }
        if (!Files.isReadable(keyFile)) {
            // Typically made by root with ssh-keygen for a forwarder that runs as loghost (the packaged unit):
            // one line with the fix, since a unit with Restart=always would otherwise repeat a stack trace.
            String me = System.getProperty("user.name");
            throw new IllegalArgumentException("private key " + keyFile + " cannot be read by " + me + ", who runs "
                    + "loghost (owner " + Files.getOwner(keyFile).getName() + ", mode "
                    + PosixFilePermissions.toString(mode) + "); fix with: chown " + me + " " + keyFile);
        }
    }
}
