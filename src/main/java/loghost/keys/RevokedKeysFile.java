package loghost.keys;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import loghost.store.HostName;
import loghost.store.DurableFile;
import loghost.store.StoreFiles;

/**
 * {@code DATA/revoked_keys}: the keys {@code loghost revoke} removed, one line each, {@code FINGERPRINT HOST TIME}
 * (docs/FORMAT.md, "Enrolled keys"), so that a revoked key trying again is told apart from an unknown key, also
 * after a restart. It only names refusals: admission is decided by the enrolled keys alone. Written only while
 * the enrolled-keys lock is held ({@link EnrolledKeysFile#update}), before the enrolled keys change.
 */
public final class RevokedKeysFile {

    /** The file's name inside the data directory. */
    public static final String NAME = "revoked_keys";

    private static final Pattern FINGERPRINT = Pattern.compile("SHA256:[A-Za-z0-9+/]{43}");

    /** One revoked key. */
    public record Revoked(String fingerprint, String host, Instant time) {
        String line() {
            return fingerprint + " " + host + " " + time;
        }
    }

    private final Path file;

    /** The file inside {@code dataDir}. */
    public RevokedKeysFile(Path dataDir) {
        this.file = dataDir.resolve(NAME);
    }

    /** The file's path. */
    public Path path() {
        return file;
    }

    /** The revoked keys, oldest first; a missing file means none. Same ownership and mode rules as enrolled_keys. */
    public List<Revoked> load() throws IOException {
        byte[] raw;
        try {
            StoreFiles.checkPrivateFile(file, "revoked keys file");
            try (InputStream in = Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS)) {
                raw = in.readAllBytes();
            }
        } catch (NoSuchFileException e) {
            return List.of();
        }
        List<Revoked> list = new ArrayList<>();
        int n = 0;
        for (String line : new String(raw, StandardCharsets.UTF_8).split("\n", -1)) {
            n++;
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String[] f = line.split(" ", -1);
            if (f.length != 3 || !FINGERPRINT.matcher(f[0]).matches() || !HostName.isEnrollable(f[1])) {
                throw new IOException("revoked keys file " + file + " line " + n + ": expected FINGERPRINT HOST TIME");
            }
            try {
                list.add(new Revoked(f[0], f[1], Instant.parse(f[2])));
            } catch (DateTimeParseException e) {
                throw new IOException("revoked keys file " + file + " line " + n + ": bad time " + f[2], e);
            }
        }
        return list;
    }

    /** Records {@code keys} as revoked now (a key revoked again keeps one line, the latest). */
    public void add(List<EnrolledKey> keys, Instant now) throws IOException {
        List<Revoked> list = new ArrayList<>(load());
        for (EnrolledKey k : keys) {
            list.removeIf(r -> r.fingerprint().equals(k.fingerprint()));
            list.add(new Revoked(k.fingerprint(), k.host(), now));
        }
        write(list);
    }

    /** Forgets {@code fingerprint} (it is being enrolled again); no write when it was not listed. */
    public void remove(String fingerprint) throws IOException {
        List<Revoked> list = new ArrayList<>(load());
        if (list.removeIf(r -> r.fingerprint().equals(fingerprint))) {
            write(list);
        }
    }

    private void write(List<Revoked> list) throws IOException {
        StringBuilder sb = new StringBuilder("# loghost revoked keys: FINGERPRINT HOST TIME (written by loghost revoke)\n");
        for (Revoked r : list) {
            sb.append(r.line()).append('\n');
        }
        DurableFile.replace(file, sb.toString().getBytes(StandardCharsets.UTF_8));
    }
}
