package loghost.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.Callable;
import loghost.seal.Sealer;
import loghost.seal.VerificationKey;
import loghost.store.StoreFiles;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code loghost init-seal}: creates the seal chain and prints its verification key (serve also does, at first start). */
@Command(name = "init-seal", description = "Create the seal chain of a data directory (the first serve does this "
        + "by itself) and print its verification key, to pin off the loghost: on every host, with the auditor.")
final class InitSealCommand implements Callable<Integer> {

    @Mixin
    DataOptions options;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        Path data = options.settings().dataDir();
        StoreFiles.createPrivateDirectory(data);
        StoreFiles.checkPrivateDirectory(data, "data directory");
        if (Sealer.exists(data)) {
            throw new IOException("this data directory already has a seal chain; its verification key is in "
                    + data.resolve(Sealer.PUBLIC_KEY_FILE));
        }
        VerificationKey key = Sealer.init(data, Clock.systemUTC());
        PrintWriter out = spec.commandLine().getOut();
        out.println(key);
        out.println("verification key written to " + data.resolve(Sealer.PUBLIC_KEY_FILE)
                + "; pin it off the loghost and check with: loghost verify --key " + key);
        return 0;
    }
}
