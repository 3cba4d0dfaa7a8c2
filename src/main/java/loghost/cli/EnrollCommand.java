package loghost.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.concurrent.Callable;
import loghost.keys.EnrolledKey;
import loghost.keys.EnrolledKeys;
import loghost.keys.EnrolledKeysFile;
import loghost.keys.KeyComment;
import loghost.keys.RevokedKeysFile;
import loghost.keys.SourcePatterns;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code loghost enroll HOST PUBKEY_FILE}: binds one public key to one host name. */
@Command(name = "enroll", description = "Bind a public key to a host name; a running server applies it within seconds.")
final class EnrollCommand implements Callable<Integer> {

    @Mixin
    DataOptions options;

    @Parameters(index = "0", paramLabel = "HOST", description = "host name: [a-z0-9][a-z0-9.-]{0,62}")
    String host;

    @Parameters(index = "1", paramLabel = "PUBKEY_FILE", description = "OpenSSH public key file, or - for stdin")
    String keyFile;

    @Option(names = "--from", paramLabel = "PATTERNS",
            description = "source addresses allowed to use the key (OpenSSH from= syntax: IPs, CIDR, *, !)")
    String from;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        byte[] raw = "-".equals(keyFile) ? System.in.readAllBytes() : Files.readAllBytes(Path.of(keyFile));
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(raw)).toString();
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException("public key file " + keyFile + " is not valid UTF-8", e);
        }
        // "-----BEGIN OPENSSH PRIVATE KEY-----", PEM "RSA/EC PRIVATE KEY", PKCS#8 "PRIVATE KEY": the wrong half.
        if (text.lines().anyMatch(l -> l.startsWith("-----BEGIN ") && l.contains("PRIVATE KEY-----"))) {
            throw new IllegalArgumentException(keyFile + " is a private key; give the .pub"
                    + ("-".equals(keyFile) ? "" : " (" + keyFile + ".pub)"));
        }
        List<String> lines = text.lines().map(String::strip).filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
        if (lines.size() != 1) {
            throw new IllegalArgumentException("expected exactly one public key line in " + keyFile + ", found "
                    + lines.size());
        }
        EnrolledKey key = EnrolledKeys.publicKey(host, lines.get(0), from == null ? null : SourcePatterns.parse(from),
                Instant.now().truncatedTo(ChronoUnit.SECONDS));
        // Stricter than the file's grammar (which a hand-edited file may stretch): nothing enters that prints oddly.
        String problem = KeyComment.problem(key.comment());
        if (problem != null) {
            throw new IllegalArgumentException(problem);
        }
        Path data = options.settings().dataDir();
        RevokedKeysFile revoked = new RevokedKeysFile(data);
        try {
            new EnrolledKeysFile(data).update(keys -> {
                EnrolledKeys updated = keys.with(key);
                try {
                    revoked.remove(key.fingerprint()); // enrolled again: no longer revoked
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                return updated;
            });
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
        spec.commandLine().getOut().println("enrolled " + key.host() + " " + key.keyType() + " " + key.fingerprint()
                + (key.comment().isEmpty() ? "" : " " + KeyComment.escape(key.comment()))
                + (from == null ? "" : " from=" + from));
        return 0;
    }
}
