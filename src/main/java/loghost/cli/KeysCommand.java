package loghost.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import loghost.keys.EnrolledKey;
import loghost.keys.EnrolledKeysFile;
import loghost.keys.KeyComment;
import loghost.keys.RevokedKeysFile;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code loghost keys}: lists enrolled keys, one per line, tab-separated, comments escaped ({@link KeyComment}). */
@Command(name = "keys", description = "List enrolled keys: host, type, SHA256 fingerprint, comment, enrolled, from.")
final class KeysCommand implements Callable<Integer> {

    @Mixin
    DataOptions options;

    @Option(names = "--revoked", description = "list the keys revoked with loghost revoke instead: fingerprint, "
            + "host, time revoked (DATA/revoked_keys)")
    boolean revoked;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        java.nio.file.Path data = options.existingDataDir(); // before any header: no list of keys that are not there
        if (revoked) {
            out.println("FINGERPRINT\tHOST\tREVOKED");
            for (RevokedKeysFile.Revoked r : new RevokedKeysFile(data).load()) {
                out.println(r.fingerprint() + "\t" + r.host() + "\t" + r.time());
            }
            return 0;
        }
        out.println("HOST\tTYPE\tFINGERPRINT\tCOMMENT\tENROLLED\tFROM");
        for (EnrolledKey k : new EnrolledKeysFile(data).load().all()) {
            out.println(k.host() + "\t" + k.keyType() + "\t" + k.fingerprint() + "\t"
                    + (k.comment().isEmpty() ? "-" : KeyComment.escape(k.comment())) + "\t"
                    + (k.enrolled() == null ? "-" : k.enrolled()) + "\t" + (k.from() == null ? "-" : k.from().text()));
        }
        return 0;
    }
}
