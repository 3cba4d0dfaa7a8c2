package loghost.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;
import loghost.keys.EnrolledKey;
import loghost.keys.EnrolledKeysFile;
import loghost.keys.RevokedKeysFile;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code loghost revoke HOST|FINGERPRINT}: removes a host's keys, or one key by its SHA256 fingerprint. */
@Command(name = "revoke", description = "Remove all keys of a host, or one key by fingerprint (SHA256:...); "
        + "a running server refuses them and closes their sessions within seconds.")
final class RevokeCommand implements Callable<Integer> {

    @Mixin
    DataOptions options;

    @Parameters(index = "0", paramLabel = "HOST|FINGERPRINT")
    String target;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        Path data = options.settings().dataDir();
        EnrolledKeysFile file = new EnrolledKeysFile(data);
        RevokedKeysFile revokedFile = new RevokedKeysFile(data);
        AtomicReference<List<EnrolledKey>> removed = new AtomicReference<>();
        try {
            file.update(keys -> {
                List<EnrolledKey> match = keys.all().stream()
                        .filter(k -> target.startsWith("SHA256:") ? k.fingerprint().equals(target)
                                : k.host().equals(target))
                        .toList();
                if (match.isEmpty()) {
                    throw new IllegalArgumentException("no enrolled key matches " + target);
                }
                removed.set(match);
                // Under the enrolled-keys lock, and before they change: a server that sees the key gone already
                // finds it listed as revoked.
                try {
                    revokedFile.add(match, Instant.now().truncatedTo(ChronoUnit.SECONDS));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                return keys.without(match);
            });
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
        PrintWriter out = spec.commandLine().getOut();
        for (EnrolledKey k : removed.get()) {
            out.println("revoked " + k.host() + " " + k.keyType() + " " + k.fingerprint());
        }
        return 0;
    }
}
