package loghost.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import loghost.verify.DataDirectoryCheck;
import loghost.verify.Verifier;
import loghost.verify.VerifyReport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code loghost verify}: one line per finding, then a summary line (docs/FORMAT.md, "Verifying"); exit 0 when
 * nothing failed, 1 otherwise.
 */
@Command(name = "verify", description = "Check every host's hash chain and the store's files; exit 0 when all hold, "
        + "1 otherwise.")
final class VerifyCommand implements Callable<Integer> {

    @Mixin
    DataOptions options;

    @Option(names = "--host", paramLabel = "HOST", description = "check only this host")
    String host;

    @Option(names = "--allow-empty", description = "a data directory where no host has logged yet is not a "
            + "failure (a fresh install)")
    boolean allowEmpty;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        Path data = options.settings().dataDir();
        if (!Files.isDirectory(data)) {
            // Never "OK, 0 hosts" for a mistyped --data.
            throw new IOException("no such data directory: " + data);
        }
        Verifier.FileDone progress = VerifyProgress.onTerminal(data.resolve("hosts"));
        VerifyReport r = host == null ? DataDirectoryCheck.verify(data, allowEmpty, progress)
                : new Verifier(data.resolve("hosts"), progress).verifyOne(host);
        VerifyProgress.clear(progress);
        PrintWriter out = spec.commandLine().getOut();
        for (VerifyReport.Finding f : r.findings()) {
            out.println(f);
        }
        out.println(r.summary());
        return r.ok() ? 0 : Main.ERROR;
    }
}
