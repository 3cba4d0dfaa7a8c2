package loghost.verify;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import loghost.store.Escaping;
import loghost.store.HostName;
import loghost.verify.VerifyReport.Kind;

/**
 * Checks the store under {@code DATA/hosts} from the files alone (docs/FORMAT.md, "Verifying"): first each entry
 * (names, kinds, links, modes), then the host's MANIFEST, then its chain file by file ({@code .log} or
 * {@code .log.gz} decompressed while read) and record by record, in constant memory.
 * Every input yields findings, never an exception; for each host the first failure is reported (nothing after it
 * can be trusted) and the next host is checked.
 */
public final class Verifier {

    // Hosts checked at once: each holds a 1 MiB read buffer and up to one maximal line, so the bound is memory's.
    private static final int MAX_THREADS = 16;

    // A day file is checked in parts of this size on several threads once it holds two of them (DayFileParts).
    private static final long PART_BYTES = 16L << 20;

    /** How far past the verifying clock a record's TIME may be before it is noted as stamped in the future. */
    public static final java.time.Duration FUTURE_TOLERANCE = java.time.Duration.ofMinutes(5);

    private final Path hostsDir;
    private final FileDone progress;
    private SealCheck seals;
    private ReceiptCheck receipts;
    private final int threads;
    private final long partBytes;
    private DayFileParts parts;
    // Taken once, when the verifier is made: every host is compared with the same instant.
    private final String futureAfter = loghost.seal.SealBlock.time(System.currentTimeMillis()
            + FUTURE_TOLERANCE.toMillis());

    /** Told after each day file's chain check (for a progress display); never changes the findings. */
    public interface FileDone {
        /** {@code file} was checked; {@code soFar} holds the counts up to and including it. */
        void fileDone(Path file, VerifyReport soFar);
    }

    /** A verifier over {@code DATA/hosts}. */
    public Verifier(Path hostsDir) {
        this(hostsDir, (file, soFar) -> { });
    }

    /** A verifier over {@code DATA/hosts} that reports each day file done to {@code progress}. */
    public Verifier(Path hostsDir, FileDone progress) {
        this(hostsDir, progress, Math.min(MAX_THREADS, Runtime.getRuntime().availableProcessors()));
    }

    /** As {@link #Verifier(Path, FileDone)}, checking up to {@code threads} hosts at once. */
    Verifier(Path hostsDir, FileDone progress, int threads) {
        this(hostsDir, progress, threads, PART_BYTES);
    }

    /** As {@link #Verifier(Path, FileDone, int)}, splitting day files into parts of {@code partBytes}. */
    Verifier(Path hostsDir, FileDone progress, int threads, long partBytes) {
        this.hostsDir = hostsDir;
        this.progress = new HostsInParallel.Totals(progress);
        this.threads = threads;
        this.partBytes = partBytes;
    }

    /** Also checks seal records and checkpoints with {@code check} (which reports into the same report). */
    public Verifier sealedBy(SealCheck check) {
        this.seals = check;
        return this;
    }

    /** Also checks the receipts {@code check} has read (which reports into the same report). */
    public Verifier receiptsBy(ReceiptCheck check) {
        this.receipts = check;
        return this;
    }

    /** Verifies {@code hosts/} and every host directory in it, in name order. */
    public VerifyReport verifyAll() {
        return verifyAll(new VerifyReport());
    }

    /** As {@link #verifyAll()}, adding to {@code report} (which a {@link SealCheck} also reports into). */
    public VerifyReport verifyAll(VerifyReport report) {
        boolean sealsReadable = seals != null && seals.readCheckpoints();
        List<String> names = hostsDirEntries(report);
        if (names == null) {
            return report;
        }
        withParts(() -> HostsInParallel.run(names, threads, this::verifyEntry, report));
        if (sealsReadable) {
            seals.finish(true);
        }
        if (receipts != null) {
            receipts.finish(true);
        }
        return report;
    }

    // One entry of hosts/ into its own report: a host's chain, or the finding that the name is none.
    private void verifyEntry(String name, VerifyReport report) {
        if (!HostName.isStorable(name)) {
            report.add(Kind.FAIL, "hosts/" + printable(name), 0, "not a host name");
            return;
        }
        verifyHost(name, report);
    }

    /** Verifies {@code hosts/} and one host; a missing host directory is itself a failure. */
    public VerifyReport verifyOne(String host) {
        return verifyOne(host, new VerifyReport());
    }

    /** As {@link #verifyOne(String)}, adding to {@code report}. */
    public VerifyReport verifyOne(String host, VerifyReport report) {
        boolean sealsReadable = seals != null && seals.readCheckpoints();
        if (hostsDirEntries(report) == null) {
            return report;
        }
        if (!HostName.isStorable(host) || !Files.exists(hostsDir.resolve(host), LinkOption.NOFOLLOW_LINKS)) {
            report.add(Kind.FAIL, "hosts/" + printable(host), 0, "no log directory for this host");
            return report;
        }
        withParts(() -> verifyHost(host, report));
        if (sealsReadable) {
            seals.finish(false);
        }
        if (receipts != null) {
            receipts.finish(false);
        }
        return report;
    }

    // Runs `check` with a pool for the parts of large day files (none on one thread), shut down after it.
    private void withParts(Runnable check) {
        if (threads <= 1) {
            check.run();
            return;
        }
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(threads, task -> {
            Thread t = new Thread(task, "verify-part");
            t.setDaemon(true);
            return t;
        });
        parts = new DayFileParts(pool, partBytes);
        try {
            check.run();
        } finally {
            parts = null;
            pool.shutdownNow();
        }
    }

    // hosts/ itself: a real, listable directory; a mode finding is reported but the hosts are still checked.
    // Returns its entries in name order, or null (after a failure) when nothing more can be checked.
    private List<String> hostsDirEntries(VerifyReport report) {
        PosixFileAttributes a;
        try {
            a = Files.readAttributes(hostsDir, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (java.nio.file.NoSuchFileException e) {
            report.add(Kind.FAIL, "hosts", 0, "missing");
            return null;
        } catch (IOException e) {
            report.add(Kind.FAIL, "hosts", 0, "cannot be read");
            return null;
        }
        String kind = StoreEntries.kindProblem(a, true);
        if (kind != null) {
            report.add(Kind.FAIL, "hosts", 0, kind);
            return null;
        }
        StoreEntries.modeFinding(a, "hosts", report);
        return StoreEntries.sortedNames(hostsDir, "hosts", report);
    }

    // One host: its entries, its MANIFEST, its chain day by day, then its seals and receipts.
    private void verifyHost(String host, VerifyReport report) {
        HostSeals sealed = seals == null ? null : seals.forHost(host);
        ReceiptCheck.Chain receipted = receipts == null ? null : receipts.forHost(host, report);
        Path dir = hostsDir.resolve(host);
        String label = "hosts/" + host;
        if (!StoreEntries.entryUsable(dir, label, true, report)) {
            return;
        }
        List<String> names = StoreEntries.sortedNames(dir, label, report);
        if (names == null) {
            return;
        }
        report.host();
        HostDirectory entries = HostDirectory.read(dir, label, names, report);
        if (entries == null) {
            return;
        }
        ManifestCheck manifest = new ManifestCheck(host, dir, label, report);
        if (entries.manifestPresent && !manifest.read()) {
            return;
        }
        if (!manifest.listedFilesPresent(entries.days)) {
            return;
        }
        ChainCheck chain = new ChainCheck(host, report);
        chain.seals(sealed);
        chain.sealedSince(seals == null ? null : seals.genesisTime());
        chain.futureAfter(futureAfter);
        chain.receipts(receipted);
        chain.parts(parts);
        List<Path> read = new ArrayList<>(); // the day files as the chain read them, for a second look at seals
        if (!chainThroughDays(dir, label, entries.days, manifest, chain, read, report)) {
            return;
        }
        if (chain.future().seq() != 0) {
            report.add(Kind.NOTE, label, 0, "record " + chain.future().seq() + " is stamped " + chain.future().time()
                    + ", more than " + FUTURE_TOLERANCE.toMinutes() + " minutes after the clock of this verify"
                    + " (the first record stamped in the future)");
        }
        if (sealed != null) {
            seals.hostDone(sealed, label, chain.lastSeq(), read, report);
        }
        if (receipted != null) {
            receipted.done(label, chain.lastSeq());
        }
    }

    // Each day in name order: its plain file (and a compressed copy beside it), else its compressed file, each
    // against the MANIFEST; adds each file read to `read`. False once the chain breaks.
    private boolean chainThroughDays(Path dir, String label, TreeMap<String, boolean[]> days, ManifestCheck manifest,
                                     ChainCheck chain, List<Path> read, VerifyReport report) {
        for (var d : days.entrySet()) {
            String plain = d.getKey() + ".log";
            String gz = plain + ".gz";
            LocalDate day = LocalDate.parse(d.getKey());
            manifest.continueChain(d.getKey(), days, chain);
            report.file();
            read.add(dir.resolve(d.getValue()[0] ? plain : gz));
            if (d.getValue()[0]) {
                if (!chain.file(dir.resolve(plain), label + "/" + plain, day, false)) {
                    return false;
                }
                if (d.getValue()[1] && !manifest.copyBesideDayFile(gz, dir.resolve(plain), chain)) {
                    return false;
                }
            } else {
                Path file = dir.resolve(gz);
                if (!chain.file(file, label + "/" + gz, day, true)) {
                    return false;
                }
                if (!manifest.compressedFile(gz, chain)) {
                    return false;
                }
            }
            progress.fileDone(dir.resolve(d.getValue()[0] ? plain : gz), report);
        }
        return true;
    }

    /** A file-system name as printed: escaped by the message rule, so that a hostile name cannot forge a line. */
    public static String printable(String name) {
        return new String(Escaping.escape(name.getBytes(StandardCharsets.UTF_8)), StandardCharsets.UTF_8);
    }
}
