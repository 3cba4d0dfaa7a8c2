package loghost.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
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

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        Verifier verifier = new Verifier(options.settings().dataDir().resolve("hosts"));
        VerifyReport r = host == null ? verifier.verifyAll() : verifier.verifyOne(host);
        PrintWriter out = spec.commandLine().getOut();
        for (VerifyReport.Finding f : r.findings()) {
            out.println(f);
        }
        out.println(r.summary());
        return r.ok() ? 0 : Main.ERROR;
    }
}
