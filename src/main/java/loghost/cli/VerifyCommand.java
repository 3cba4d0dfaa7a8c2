package loghost.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import loghost.verify.Verifier;
import loghost.verify.VerifyReport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code loghost verify}: exit 0 only when every chain holds; otherwise each broken host's first bad record. */
@Command(name = "verify", description = "Check every host's hash chain; exit 0 when all hold, 1 otherwise.")
final class VerifyCommand implements Callable<Integer> {

    @Mixin
    DataOptions options;

    @Option(names = "--host", paramLabel = "HOST", description = "check only this host")
    String host;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        Verifier verifier = new Verifier(options.settings().dataDir().resolve("hosts"));
        VerifyReport r = host == null ? verifier.verifyAll() : verifier.verifyOne(host);
        PrintWriter out = spec.commandLine().getOut();
        for (VerifyReport.Problem p : r.problems()) {
            out.println("verify: FAIL: hosts/" + p);
        }
        String counts = r.hosts() + " host" + (r.hosts() == 1 ? "" : "s") + ", " + r.files() + " file"
                + (r.files() == 1 ? "" : "s") + ", " + r.records() + " records";
        if (r.ok()) {
            out.println("verify: OK: " + counts);
            return 0;
        }
        out.println("verify: FAILED: " + r.problems().size() + " broken chain" + (r.problems().size() == 1 ? "" : "s")
                + " (" + counts + " checked)");
        return Main.ERROR;
    }
}
