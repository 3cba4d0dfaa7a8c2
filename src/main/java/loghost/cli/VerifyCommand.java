package loghost.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import loghost.seal.Sealer;
import loghost.seal.VerificationKey;
import loghost.verify.DataDirectoryCheck;
import loghost.verify.ReceiptCheck;
import loghost.verify.SealCheck;
import loghost.verify.WitnessCheck;
import loghost.verify.Verifier;
import loghost.verify.VerifyReport;
import picocli.CommandLine;
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

    @Option(names = "--key", paramLabel = "KEY|FILE", description = "the seal chain's verification key (ed25519:HEX, "
            + "or a file holding it) as pinned off the loghost; default: DATA/seal.pub, which proves nothing "
            + "against root on the loghost")
    String key;

    @Option(names = "--sealed-until", paramLabel = "TIME", description = "fail when the checkpoints, or any "
            + "host's sealed log, end before TIME (e.g. 2026-11-24T12:00:00Z)")
    String sealedUntil;

    @Option(names = "--receipts", paramLabel = "FILE", arity = "1..*", description = "receipts files collected "
            + "from the hosts (SPOOL/receipts of loghost forward): each must be signed by the loghost's host key and "
            + "match its host's log")
    List<Path> receiptFiles;

    @Option(names = "--host-key", paramLabel = "FILE", description = "the loghost's SSH host key to check receipts "
            + "with (an OpenSSH .pub or known_hosts line); default DATA/ssh_host_ed25519_key.pub")
    Path hostKeyFile;

    @Option(names = "--witness", paramLabel = "PATH", arity = "1..*", description = "witness lines of this "
            + "loghost's checkpoints, held off it: a copy of its seal.witness-file, or the host directory (or "
            + "loghost cat output) of the loghost that received them")
    List<Path> witnessPaths;

    @Option(names = "--allow-empty", description = "a data directory where no host has logged yet is not a "
            + "failure (a fresh install)")
    boolean allowEmpty;

    @Option(names = "--archives", description = "also re-read every archive destination (as loghost archive "
            + "verify): archived files against the MANIFEST and the chain")
    boolean archives;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        Path data = options.settings().dataDir();
        if (!Files.isDirectory(data)) {
            // Never "OK, 0 hosts" for a mistyped --data.
            throw new IOException("no such data directory: " + data);
        }
        Instant until = null;
        if (sealedUntil != null) {
            try {
                until = Instant.parse(sealedUntil);
            } catch (DateTimeParseException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--sealed-until: \"" + sealedUntil
                        + "\" is not a UTC time such as 2026-11-24T12:00:00Z");
            }
        }
        VerificationKey pinned = key == null ? null : readKey(key);
        VerifyReport r = new VerifyReport();
        SealCheck seals = sealCheck(data, pinned, until, r);
        ReceiptCheck receipts = receiptFiles == null ? null : receiptCheck(data, r);
        Verifier.FileDone progress = VerifyProgress.onTerminal(data.resolve("hosts"));
        if (host == null) {
            DataDirectoryCheck.verify(data, allowEmpty, progress, seals, receipts, r);
        } else {
            new Verifier(data.resolve("hosts"), progress).sealedBy(seals).receiptsBy(receipts).verifyOne(host, r);
        }
        if (archives) {
            for (loghost.config.Settings.ArchiveDestination d : options.settings().housekeeping().destinations()) {
                new loghost.verify.ArchiveVerifier(loghost.archive.ArchiveTargets.of(d, java.time.Clock.systemUTC()),
                        data.resolve("hosts"))
                        .verifyInto(r, host, false);
            }
        }
        VerifyProgress.clear(progress);
        PrintWriter out = spec.commandLine().getOut();
        for (VerifyReport.Finding f : r.findings()) {
            out.println(f);
        }
        out.println(r.summary());
        return r.ok() ? 0 : Main.ERROR;
    }

    // The seal checks to run, or null (after saying why) when there are none.
    private SealCheck sealCheck(Path data, VerificationKey pinned, Instant until, VerifyReport r) {
        if (!Files.exists(data.resolve(Sealer.DIR), java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            // Without a pinned key an unsealed store verifies as before sealing existed: nothing to check against.
            if (pinned != null || until != null || witnessPaths != null) {
                r.addFinding(VerifyReport.Kind.FAIL, "seal", "missing: this data directory holds no checkpoints");
            }
            return null;
        }
        VerificationKey k = pinned;
        if (k == null) {
            try {
                k = Sealer.publicKey(data);
            } catch (IOException | IllegalArgumentException e) {
                r.addFinding(VerifyReport.Kind.FAIL, Sealer.PUBLIC_KEY_FILE, "cannot be read (pass --key)");
                return null;
            }
            r.addFinding(VerifyReport.Kind.WARNING, Sealer.PUBLIC_KEY_FILE, "verification key read from the data "
                    + "directory itself: against root on the loghost this proves nothing; pass --key with the key "
                    + "you pinned elsewhere");
        }
        SealCheck check = new SealCheck(data, k, until, r);
        if (witnessPaths != null) {
            WitnessCheck w = new WitnessCheck(k, r);
            for (Path p : witnessPaths) {
                w.read(p, Verifier.printable(p.toString()));
            }
            check.witnessedBy(w);
        }
        return check;
    }

    // --receipts: the host key to check them with, then every file read before the chains are.
    private ReceiptCheck receiptCheck(Path data, VerifyReport r) throws IOException {
        Path keyFile = hostKeyFile != null ? hostKeyFile : data.resolve("ssh_host_ed25519_key.pub");
        Object[] key;
        try {
            key = ReceiptCheck.parseOpenSshKey(Files.readString(keyFile, StandardCharsets.US_ASCII));
        } catch (IOException | IllegalArgumentException e) {
            throw new IOException("cannot read the loghost's host key from " + keyFile + ": " + e.getMessage());
        }
        ReceiptCheck check = new ReceiptCheck((VerificationKey) key[0], (String) key[1], r);
        for (Path f : receiptFiles) {
            check.read(f, Verifier.printable(f.toString()));
        }
        return check;
    }

    // --key: the key itself, or a file holding it (seal.pub copied off the loghost).
    private VerificationKey readKey(String text) throws IOException {
        String t = text.strip();
        if (!t.startsWith("ed25519:")) {
            Path file = Path.of(text);
            if (!Files.isRegularFile(file)) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--key: \"" + text
                        + "\" is neither a verification key (ed25519:HEX) nor a file");
            }
            t = Files.readString(file, StandardCharsets.US_ASCII).strip();
        }
        try {
            return VerificationKey.parse(t);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--key: " + e.getMessage());
        }
    }
}
