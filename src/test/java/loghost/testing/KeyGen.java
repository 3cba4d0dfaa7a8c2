package loghost.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Path;

/** Client keys made by the real {@code ssh-keygen}, as a user would make them. */
public final class KeyGen {

    private KeyGen() {
    }

    /** Generates a key pair {@code dir/name} (+ .pub) of {@code type} ("ed25519", "ecdsa", "rsa", "dsa"). */
    public static Path generate(Path dir, String name, String type, String... extra)
            throws IOException, InterruptedException {
        Path key = dir.resolve(name);
        java.util.List<String> cmd = new java.util.ArrayList<>(java.util.List.of("ssh-keygen", "-q", "-t", type,
                "-N", "", "-C", name + "@test", "-f", key.toString()));
        cmd.addAll(java.util.List.of(extra));
        Run.Result r = Run.run(cmd, null, null, 60);
        assertEquals(0, r.exit(), () -> "ssh-keygen failed: " + r);
        return key;
    }

    /** The public key file of a private key path. */
    public static Path pub(Path key) {
        return key.resolveSibling(key.getFileName() + ".pub");
    }

    /** The SHA256 fingerprint as {@code ssh-keygen -lf} prints it. */
    public static String fingerprint(Path file) throws IOException, InterruptedException {
        Run.Result r = Run.run("ssh-keygen", "-lf", file.toString());
        assertEquals(0, r.exit(), r::toString);
        return r.stdout().split(" ")[1];
    }
}
