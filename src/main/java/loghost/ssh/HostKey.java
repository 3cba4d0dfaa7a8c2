package loghost.ssh;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.util.Iterator;
import java.util.Set;
import loghost.store.DurableFile;
import loghost.store.StoreFiles;
import org.apache.sshd.common.NamedResource;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.writer.openssh.OpenSSHKeyPairResourceWriter;
import org.apache.sshd.common.util.security.SecurityUtils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The server's ed25519 host key, in OpenSSH format so that {@code ssh-keygen -lf} and {@code known_hosts} work. */
public final class HostKey {

    /** Private key file name inside the data directory; the public key is beside it with ".pub". */
    public static final String FILE = "ssh_host_ed25519_key";

    private static final Logger LOG = LoggerFactory.getLogger(HostKey.class);

    /** Where the fingerprint of the key the server last started with is kept, to notice a changed key. */
    static final String SEEN_FILE = "ssh_host_ed25519_key.seen";

    private HostKey() {
    }

    /**
     * The fingerprint the server last started with, or null on a first start; records {@code fingerprint} as the
     * new one. A difference means the host key was replaced between runs.
     */
    public static String exchangeSeenFingerprint(Path dataDir, String fingerprint) throws IOException {
        Path seen = dataDir.resolve(SEEN_FILE);
        String previous = Files.exists(seen) ? Files.readString(seen, java.nio.charset.StandardCharsets.US_ASCII).strip()
                : null;
        if (!fingerprint.equals(previous)) {
            DurableFile.replace(seen, (fingerprint + "\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        }
        return previous;
    }

    /** The host key and whether this start generated it. */
    public record Loaded(KeyPair pair, boolean generated) {
    }

    /** Loads the host key from {@code dataDir}, generating and saving one on first start. */
    public static Loaded loadOrCreate(Path dataDir) throws IOException, GeneralSecurityException {
        Path file = dataDir.resolve(FILE);
        if (Files.exists(file)) {
            Set<PosixFilePermission> mode = Files.getPosixFilePermissions(file);
            if (mode.stream().anyMatch(p -> p.name().startsWith("GROUP") || p.name().startsWith("OTHERS"))) {
                throw new IOException("host key " + file + " is accessible by group or others; fix with: chmod 600 "
                        + file);
            }
            try (InputStream in = Files.newInputStream(file)) {
                Iterable<KeyPair> pairs = SecurityUtils.loadKeyPairIdentities(null, NamedResource.ofName(file.toString()),
                        in, null);
                Iterator<KeyPair> it = pairs == null ? null : pairs.iterator();
                if (it == null || !it.hasNext()) {
                    throw new IOException("no key pair in host key file " + file);
                }
                return new Loaded(it.next(), false);
            }
        }
        KeyPair pair = KeyUtils.generateKeyPair("ssh-ed25519", 256);
        ByteArrayOutputStream priv = new ByteArrayOutputStream();
        OpenSSHKeyPairResourceWriter.INSTANCE.writePrivateKey(pair, "loghost", null, priv);
        ByteArrayOutputStream pub = new ByteArrayOutputStream();
        OpenSSHKeyPairResourceWriter.INSTANCE.writePublicKey(pair.getPublic(), "loghost", pub);
        Path pubFile = dataDir.resolve(FILE + ".pub");
        Path tmp = dataDir.resolve(FILE + ".new");
        Files.deleteIfExists(tmp);
        Files.deleteIfExists(pubFile);
        StoreFiles.writePrivateFile(pubFile, pub.toByteArray());
        StoreFiles.writePrivateFile(tmp, priv.toByteArray());
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
        StoreFiles.syncDirectory(dataDir);
        LOG.info("host-key-generated file={} fingerprint={}", file, KeyUtils.getFingerPrint(pair.getPublic()));
        return new Loaded(pair, true);
    }
}
