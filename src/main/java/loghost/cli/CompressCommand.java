package loghost.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import loghost.housekeeping.Compressor;
import loghost.store.HostName;
import loghost.store.StoreFiles;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code loghost compress}: gzip every closed day file and list it in the host's MANIFEST (docs/FORMAT.md). */
@Command(name = "compress", description = "Compress closed day files (every day file but a host's newest) to "
        + "DAY.log.gz and list them in the host's MANIFEST; safe while serve runs, and to run again after a crash.")
final class CompressCommand implements Callable<Integer> {

    @Mixin
    DataOptions options;

    @Option(names = "--host", paramLabel = "HOST", description = "compress only this host")
    String host;

    @Option(names = "--before", paramLabel = "DAY", description = "compress only days before DAY (YYYY-MM-DD)")
    LocalDate before;

    @Spec
    CommandSpec spec;

    @ParentCommand
    Main main;

    @Override
    public Integer call() throws IOException {
        Path data = options.settings().dataDir();
        Path hosts = data.resolve("hosts");
        List<String> names = new ArrayList<>();
        if (host != null) {
            if (!HostName.isStorable(host)) {
                throw new IllegalArgumentException("not a host name: " + host.replaceAll("[^ -~]", "?"));
            }
            names.add(host);
        } else {
            try (DirectoryStream<Path> s = Files.newDirectoryStream(hosts)) {
                s.forEach(p -> names.add(p.getFileName().toString()));
            }
            names.sort(null);
        }
        PrintWriter out = spec.commandLine().getOut();
        Compressor compressor = new Compressor(out, main.environment().steps());
        int files = 0;
        StoreFiles.checkPrivateDirectory(data, "data directory");
        try (FileChannel lock = Compressor.lock(data)) {
            for (String name : names) {
                if (!HostName.isStorable(name)) {
                    continue; // not a host directory the server made: verify reports it
                }
                Compressor.requireHostDir(hosts.resolve(name));
                files += compressor.compressHost(hosts.resolve(name), before);
            }
        }
        out.println("compress: " + files + (files == 1 ? " file" : " files") + " compressed");
        return 0;
    }
}
