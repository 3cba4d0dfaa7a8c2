package loghost.verify;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryIteratorException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import loghost.store.Escaping;
import loghost.store.HostName;
import loghost.store.Manifest;
import loghost.verify.VerifyReport.Kind;

/**
 * Checks the store under {@code DATA/hosts} from the files alone (docs/FORMAT.md, "Verifying"): first each entry
 * (names, kinds, links, modes), then the host's MANIFEST, then its chain file by file ({@code .log} or
 * {@code .log.gz} decompressed while read) and record by record, in constant memory.
 * Every input yields findings, never an exception; for each host the first failure is reported (nothing after it
 * can be trusted) and the next host is checked.
 */
public final class Verifier {

    private static final Pattern DAY_NAME = Pattern.compile("([0-9]{4}-[0-9]{2}-[0-9]{2})\\.log");
    private static final Pattern UNFINISHED_NAME = Pattern.compile("([0-9]{4}-[0-9]{2}-[0-9]{2})\\.log\\.tmp");
    private static final Pattern COMPRESSED_NAME = Pattern.compile("([0-9]{4}-[0-9]{2}-[0-9]{2})\\.log\\.gz");
    private static final Pattern COMPRESSING_NAME = Pattern.compile("([0-9]{4}-[0-9]{2}-[0-9]{2})\\.log\\.gz\\.tmp");

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
        String kind = kindProblem(a, true);
        if (kind != null) {
            report.add(Kind.FAIL, "hosts", 0, kind);
            return null;
        }
        modeFinding(a, "hosts", report);
        return sortedNames(hostsDir, "hosts", report);
    }

    // The names in a directory in name order, or null after reporting that it cannot be listed.
    private static List<String> sortedNames(Path dir, String label, VerifyReport report) {
        List<String> names = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (Path e : entries) {
                names.add(e.getFileName().toString());
            }
        } catch (IOException | DirectoryIteratorException e) {
            report.add(Kind.FAIL, label, 0, "cannot be read");
            return null;
        }
        names.sort(null);
        return names;
    }

    private void verifyHost(String host, VerifyReport report) {
        SealCheck.Chain sealed = seals == null ? null : seals.forHost(host);
        ReceiptCheck.Chain receipted = receipts == null ? null : receipts.forHost(host, report);
        Path dir = hostsDir.resolve(host);
        String label = "hosts/" + host;
        if (!entryUsable(dir, label, true, report)) {
            return;
        }
        List<String> names = sortedNames(dir, label, report);
        if (names == null) {
            return;
        }
        report.host();
        // Each day in name order, as a plain file, a compressed one, or (while a compression is unfinished) both.
        java.util.TreeMap<String, boolean[]> days = new java.util.TreeMap<>();
        boolean manifestPresent = false;
        for (String name : names) {
            String fileLabel = label + "/" + printable(name);
            Path file = dir.resolve(name);
            if (name.equals(Manifest.NAME) || name.equals(Manifest.UNFINISHED)) {
                if (!entryUsable(file, fileLabel, false, report)) {
                    return;
                }
                if (name.equals(Manifest.NAME)) {
                    manifestPresent = true;
                } else {
                    report.add(Kind.NOTE, fileLabel, 0, "unfinished file of loghost compress, ignored");
                }
                continue;
            }
            Matcher m = firstMatch(name, DAY_NAME, UNFINISHED_NAME, COMPRESSED_NAME, COMPRESSING_NAME);
            if (m == null) {
                report.add(Kind.FAIL, fileLabel, 0, "unexpected entry in host directory");
                return;
            }
            if (!realDate(m.group(1))) {
                report.add(Kind.FAIL, fileLabel, 0, "file name is not a real date");
                return;
            }
            if (!entryUsable(file, fileLabel, false, report)) {
                return;
            }
            if (m.pattern() == DAY_NAME || m.pattern() == COMPRESSED_NAME) {
                days.computeIfAbsent(m.group(1), d -> new boolean[2])[m.pattern() == DAY_NAME ? 0 : 1] = true;
                continue;
            }
            if (m.pattern() == COMPRESSING_NAME) {
                report.add(Kind.NOTE, fileLabel, 0, "unfinished file of loghost compress, ignored");
                continue;
            }
            boolean headerAtMost;
            try {
                headerAtMost = UnfinishedDayFile.atMostAHeader(file);
            } catch (IOException e) {
                report.add(Kind.FAIL, fileLabel, 0, "cannot be read");
                return;
            }
            if (!headerAtMost) {
                report.add(Kind.FAIL, fileLabel, 0, "unfinished day file holds more than a header");
                return;
            }
            report.add(Kind.NOTE, fileLabel, 0, "unfinished day file (at most a header), ignored");
        }
        ManifestCheck manifest = new ManifestCheck(host, dir, label, report);
        if (manifestPresent && !manifest.read()) {
            return;
        }
        if (!manifest.listedFilesPresent(days)) {
            return;
        }
        ChainCheck chain = new ChainCheck(host, report);
        List<Path> read = new ArrayList<>(); // the day files as the chain read them, for a second look at seals
        chain.seals(sealed);
        chain.sealedSince(seals == null ? null : seals.genesisTime());
        chain.futureAfter(futureAfter);
        chain.receipts(receipted);
        chain.parts(parts);
        for (var d : days.entrySet()) {
            String plain = d.getKey() + ".log";
            String gz = plain + ".gz";
            LocalDate day = LocalDate.parse(d.getKey());
            manifest.continueChain(d.getKey(), days, chain);
            report.file();
            read.add(dir.resolve(d.getValue()[0] ? plain : gz));
            if (d.getValue()[0]) {
                if (!chain.file(dir.resolve(plain), label + "/" + plain, day, false)) {
                    return;
                }
                if (d.getValue()[1] && !manifest.copyBesideDayFile(gz, dir.resolve(plain), chain)) {
                    return;
                }
            } else {
                Path file = dir.resolve(gz);
                if (!chain.file(file, label + "/" + gz, day, true)) {
                    return;
                }
                if (!manifest.compressedFile(gz, chain)) {
                    return;
                }
            }
            progress.fileDone(dir.resolve(d.getValue()[0] ? plain : gz), report);
        }
        if (chain.futureSeq() != 0) {
            report.add(Kind.NOTE, label, 0, "record " + chain.futureSeq() + " is stamped " + chain.futureTime()
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

    private static Matcher firstMatch(String name, Pattern... patterns) {
        for (Pattern p : patterns) {
            Matcher m = p.matcher(name);
            if (m.matches()) {
                return m;
            }
        }
        return null;
    }

    // Kind and mode of one entry; false (after a failure) when nothing more of the host should be checked.
    static boolean entryUsable(Path p, String label, boolean directory, VerifyReport report) {
        PosixFileAttributes a;
        try {
            a = Files.readAttributes(p, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (IOException e) {
            report.add(Kind.FAIL, label, 0, "cannot be read");
            return false;
        }
        String kind = kindProblem(a, directory);
        if (kind != null) {
            report.add(Kind.FAIL, label, 0, kind);
            return false;
        }
        return modeFinding(a, label, report);
    }

    private static String kindProblem(PosixFileAttributes a, boolean directory) {
        if (a.isSymbolicLink()) {
            return "symbolic link";
        }
        if (directory && !a.isDirectory()) {
            return "not a directory";
        }
        if (!directory && !a.isRegularFile()) {
            return "not a regular file";
        }
        return null;
    }

    // Group or others may write: a failure (the chain cannot show records cut from the end). May read: a warning.
    private static boolean modeFinding(PosixFileAttributes a, String label, VerifyReport report) {
        Set<PosixFilePermission> perms = a.permissions();
        int mode = 0;
        for (PosixFilePermission p : perms) {
            mode |= 1 << (8 - p.ordinal());
        }
        String octal = String.format("%04o", mode);
        if ((mode & 0022) != 0) {
            report.add(Kind.FAIL, label, 0, "mode " + octal + " lets group or others write");
            return false;
        }
        if ((mode & 0055) != 0) {
            report.add(Kind.WARNING, label, 0, "mode " + octal + " lets group or others read");
        }
        return true;
    }

    static boolean realDate(String yyyyMmDd) {
        try {
            LocalDate.parse(yyyyMmDd);
            return true;
        } catch (DateTimeParseException e) {
            return false;
        }
    }

    /** A file-system name as printed: escaped by the message rule, so that a hostile name cannot forge a line. */
    public static String printable(String name) {
        return new String(Escaping.escape(name.getBytes(StandardCharsets.UTF_8)), StandardCharsets.UTF_8);
    }
}
