package loghost.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.LocalDate;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.zip.GZIPInputStream;
import java.time.Clock;
import loghost.archive.ArchiveTargets;
import loghost.config.Settings;
import loghost.store.Manifest;
import loghost.store.HostName;
import loghost.store.StoreFiles;
import loghost.verify.ArchiveVerifier;
import loghost.verify.VerifyReport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code loghost archive verify|restore}: audit an archive destination, or bring an archived day back, checked. */
@Command(name = "archive", description = "Audit archive destinations (verify) or bring an archived day back "
        + "(restore); destinations are archive.destinations in the config file.",
        subcommands = {ArchiveCommand.Verify.class, ArchiveCommand.Restore.class})
final class ArchiveCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    /** Bare {@code loghost archive}: usage on stderr, exit 2. */
    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return Main.USAGE;
    }

    private static List<Settings.ArchiveDestination> destinations(Settings s, String only) {
        List<Settings.ArchiveDestination> all = s.housekeeping().destinations();
        if (all.isEmpty()) {
            throw new IllegalArgumentException("no archive destination configured (archive.destinations)");
        }
        if (only == null) {
            return all;
        }
        List<Settings.ArchiveDestination> one = all.stream().filter(d -> d.name().equals(only)).toList();
        if (one.isEmpty()) {
            throw new IllegalArgumentException("no archive destination named " + only.replaceAll("[^ -~]", "?"));
        }
        return one;
    }

    /** {@code loghost archive verify [--dest NAME] [--host HOST]}. */
    @Command(name = "verify", mixinStandardHelpOptions = true, description = "Re-read archive destinations: every "
            + "archived file against its MANIFEST entry and the chain; exit 0 when all hold, 1 otherwise.")
    static final class Verify implements Callable<Integer> {
        @Mixin
        DataOptions options;

        @Option(names = "--dest", paramLabel = "NAME", description = "check only this destination")
        String dest;

        @Option(names = "--host", paramLabel = "HOST", description = "check only this host")
        String host;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            Settings s = options.settings();
            PrintWriter out = spec.commandLine().getOut();
            boolean ok = true;
            for (Settings.ArchiveDestination d : destinations(s, dest)) {
                VerifyReport r = new ArchiveVerifier(ArchiveTargets.of(d, Clock.systemUTC()), s.dataDir().resolve("hosts"))
                        .verify(host);
                for (VerifyReport.Finding f : r.findings()) {
                    out.println(f);
                }
                out.println(r.summary().replaceFirst("^verify: ", "verify: " + d.name() + ": "));
                ok &= r.ok();
            }
            return ok ? 0 : Main.ERROR;
        }
    }

    /** {@code loghost archive restore --host H --day D [--dest NAME] [--to DIR]}. */
    @Command(name = "restore", mixinStandardHelpOptions = true, description = "Copy an archived day back, "
            + "decompressed, to DIR/hosts/HOST/DAY.log, after checking it against the online MANIFEST and the chain: "
            + "the store's layout, so cat, tail and grep read it with --data DIR.")
    static final class Restore implements Callable<Integer> {
        @Mixin
        DataOptions options;

        @Option(names = "--host", required = true, paramLabel = "HOST", description = "the host")
        String host;

        @Option(names = "--day", required = true, paramLabel = "DAY", description = "the day (YYYY-MM-DD)")
        LocalDate day;

        @Option(names = "--dest", paramLabel = "NAME", description = "restore from this destination only")
        String dest;

        @Option(names = "--to", paramLabel = "DIR", description = "where to write hosts/HOST/DAY.log (default: .); "
                + "not the data directory itself")
        Path to = Path.of(".");

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws IOException {
            if (!HostName.isStorable(host)) {
                throw new IllegalArgumentException("not a host name: " + host.replaceAll("[^ -~]", "?"));
            }
            Settings s = options.settings();
            if (Files.isDirectory(to) && Files.isDirectory(s.dataDir())
                    && Files.isSameFile(to.toRealPath(), s.dataDir().toRealPath())) {
                // The day would land beside its MANIFEST mark, a day file the store says is not online.
                throw new IllegalArgumentException("--to " + to + " is the data directory; restore into another one "
                        + "and read it with --data DIR");
            }
            String name = day + ".log.gz";
            // The online manifest is the reference: an archive's own copy could have been rewritten with its files.
            Path manifest = s.dataDir().resolve("hosts").resolve(host).resolve(Manifest.NAME);
            Manifest.Contents c = Manifest.read(manifest, host);
            if (c.problem() != null) {
                throw new IOException("hosts/" + host + "/" + Manifest.NAME + ":" + c.problemLine() + ": " + c.problem()
                        + "; run loghost verify");
            }
            Manifest.Entry entry = null;
            Manifest.Entry before = null;
            for (Manifest.Entry e : c.entries()) {
                if (e.name().equals(name)) {
                    entry = e;
                    break;
                }
                before = e;
            }
            if (entry == null) {
                throw new IllegalArgumentException("hosts/" + host + "/" + name + " is not listed in " + Manifest.NAME);
            }
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            for (Settings.ArchiveDestination d : destinations(s, dest)) {
                if (!c.marked(name, d.name())) {
                    continue;
                }
                Path scratch = Files.createTempDirectory("loghost-restore");
                Path target;
                try {
                    Path file = ArchiveTargets.of(d, Clock.systemUTC()).fetch(host, name, scratch);
                    VerifyReport r = new VerifyReport();
                    if (file == null) {
                        err.println("verify: FAIL: " + d.name() + ":hosts/" + host + "/" + name
                                + ": marked archived here but missing");
                        continue;
                    }
                    if (!ArchiveVerifier.checkFile(host, file, d.name() + ":hosts/" + host + "/" + name, entry, before,
                            r)) {
                        r.findings().forEach(err::println);
                        continue;
                    }
                    target = write(file, host, day);
                } finally {
                    Files.deleteIfExists(scratch.resolve(name));
                    Files.deleteIfExists(scratch);
                }
                out.println("restored hosts/" + host + "/" + name + " from " + d.name() + " to " + target + " ("
                        + (entry.lastSeq() - entry.firstSeq() + 1) + " records, seq " + entry.firstSeq() + "-"
                        + entry.lastSeq() + ", checked against MANIFEST and the chain)");
                return 0;
            }
            throw new IOException("no checked copy of hosts/" + host + "/" + name + " in "
                    + (dest == null ? "any destination" : dest) + " (see loghost archive verify)");
        }

        // DIR/hosts/HOST/DAY.log (the store's layout, so that --data DIR reads it), 0600 in 0700 directories, written
        // as .tmp and renamed; never over an existing file.
        private Path write(Path gz, String host, LocalDate day) throws IOException {
            Path dir = to.resolve("hosts").resolve(host);
            if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
                StoreFiles.createPrivateDirectory(dir); // DIR and DIR/hosts too, when missing
            }
            Path target = dir.resolve(day + ".log");
            if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
                throw new IOException(target + " exists; not overwritten");
            }
            Path tmp = dir.resolve(day + ".log.tmp");
            Files.deleteIfExists(tmp);
            try (InputStream in = new GZIPInputStream(Files.newInputStream(gz, LinkOption.NOFOLLOW_LINKS), 1 << 16);
                 OutputStream o = Files.newOutputStream(Files.createFile(tmp,
                         PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"))),
                         StandardOpenOption.WRITE)) {
                in.transferTo(o);
            }
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            return target;
        }
    }
}
