package loghost.verify;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import loghost.archive.ArchiveTarget;
import loghost.store.HostName;
import loghost.store.Manifest;
import loghost.verify.VerifyReport.Kind;

/**
 * {@code loghost archive verify}: re-reads one archive destination (docs/FORMAT.md, "Archive and retention") and
 * checks, per host, its MANIFEST copy (grammar, chain, and a prefix of the online MANIFEST when that exists), and
 * every file marked archived to it: present, its size and SHA-256 as listed, and its chain from its anchor (the
 * entry before it) to its entry's last seq and digest. Streaming, constant memory per file.
 */
public final class ArchiveVerifier {

    private final ArchiveTarget destination;
    private final String dest;
    private final Path onlineHosts;

    /** A verifier of {@code destination}, against the online store's {@code hosts}. */
    public ArchiveVerifier(ArchiveTarget destination, Path onlineHosts) {
        this.destination = destination;
        this.dest = destination.name();
        this.onlineHosts = onlineHosts;
    }

    /** Checks every host in the destination (or only {@code host} when not null). */
    public VerifyReport verify(String host) {
        VerifyReport report = new VerifyReport();
        verifyInto(report, host, true);
        return report;
    }

    /**
     * The same checks, adding findings, files and records to {@code report} ({@code loghost verify --archives});
     * archive hosts are counted only when {@code countHosts}.
     */
    public void verifyInto(VerifyReport report, String host, boolean countHosts) {
        String label = dest + ":hosts";
        List<String> names;
        try {
            names = destination.hosts();
        } catch (IOException e) {
            report.add(Kind.FAIL, label, 0, "cannot be read: " + e.getMessage());
            return;
        }
        Path scratch;
        try {
            scratch = Files.createTempDirectory("loghost-archive-verify");
        } catch (IOException e) {
            report.add(Kind.FAIL, label, 0, "no scratch directory: " + e.getMessage());
            return;
        }
        try {
            for (String name : names) {
                if (host != null && !host.equals(name)) {
                    continue;
                }
                if (!HostName.isStorable(name)) {
                    report.add(Kind.FAIL, label + "/" + Verifier.printable(name), 0, "not a host name");
                    continue;
                }
                host(name, report, countHosts, scratch);
            }
        } finally {
            clean(scratch);
        }
    }

    // The scratch directory holds only files this verifier downloaded.
    private static void clean(Path scratch) {
        try (var s = Files.list(scratch)) {
            for (Path p : s.toList()) {
                Files.deleteIfExists(p);
            }
            Files.deleteIfExists(scratch);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("cannot remove " + scratch, e);
        }
    }

    private void host(String host, VerifyReport report, boolean countHost, Path scratch) {
        String label = dest + ":hosts/" + host;
        if (countHost) {
            report.host();
        }
        Manifest.Contents c;
        Path copy;
        try {
            copy = destination.fetch(host, Manifest.NAME, scratch);
            if (copy == null) {
                report.add(Kind.FAIL, label + "/" + Manifest.NAME, 0, "missing");
                return;
            }
            c = Manifest.read(copy, host);
        } catch (IOException e) {
            report.add(Kind.FAIL, label + "/" + Manifest.NAME, 0, "cannot be read");
            return;
        }
        if (c.problem() != null || c.torn()) {
            report.add(Kind.FAIL, label + "/" + Manifest.NAME, c.problemLine(),
                    c.problem() != null ? c.problem() : "incomplete final entry");
            return;
        }
        Path online = onlineHosts.resolve(host).resolve(Manifest.NAME);
        if (Files.exists(online, LinkOption.NOFOLLOW_LINKS) && !prefixOf(copy, online)) {
            report.add(Kind.FAIL, label + "/" + Manifest.NAME, 0, "differs from the online MANIFEST (not a prefix of it)");
            return;
        }
        Manifest.Entry before = null;
        for (Manifest.Entry e : c.entries()) {
            if (c.marked(e.name(), dest)) {
                report.file();
                Path file;
                try {
                    file = destination.fetch(host, e.name(), scratch);
                } catch (IOException x) {
                    report.add(Kind.FAIL, label + "/" + e.name(), 0, "cannot be read");
                    return;
                }
                boolean ok = checkFile(host, file == null ? scratch.resolve(e.name()) : file, label + "/" + e.name(), e,
                        before, report);
                if (file != null && file.startsWith(scratch)) {
                    try {
                        Files.deleteIfExists(file); // one downloaded day at a time
                    } catch (IOException x) {
                        report.add(Kind.FAIL, label + "/" + e.name(), 0, "scratch copy cannot be removed");
                        return;
                    }
                }
                if (!ok) {
                    return;
                }
            }
            before = e;
        }
    }

    /**
     * Checks one archived (or restored) file against its manifest entry {@code e}, its chain continuing from the
     * entry {@code before} it (null: the host's genesis); false after reporting the failure.
     */
    public static boolean checkFile(String host, Path file, String label, Manifest.Entry e, Manifest.Entry before,
                                    VerifyReport report) {
        if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
            report.add(Kind.FAIL, label, 0, "marked archived here but missing");
            return false;
        }
        ChainCheck chain = new ChainCheck(host, report);
        if (before != null) {
            chain.continueFrom(before.lastSeq() + 1, HexFormat.of().parseHex(before.end()),
                    before.name().substring(0, 10));
        }
        if (!chain.file(file, label, LocalDate.parse(e.name().substring(0, 10)), true)) {
            return false;
        }
        String field = e.size() != chain.storedSize() ? "size"
                : !e.sha256().equals(chain.storedSha256()) ? "sha256"
                : e.firstSeq() != chain.fileFirstSeq() || e.lastSeq() != chain.lastSeq() ? "seq"
                : !e.end().equals(chain.endHex()) ? "end" : null;
        if (field != null) {
            report.add(Kind.FAIL, label, 0, "does not match its MANIFEST entry (" + field + ")");
            return false;
        }
        return true;
    }

    // Compared a chunk at a time: a manifest copy of any size costs no more memory than a small one.
    private static boolean prefixOf(Path copy, Path online) {
        try (InputStream a = Files.newInputStream(copy); InputStream b = Files.newInputStream(online)) {
            byte[] x = new byte[1 << 16];
            byte[] y = new byte[1 << 16];
            while (true) {
                int n = a.readNBytes(x, 0, x.length);
                if (n == 0) {
                    return true;
                }
                if (b.readNBytes(y, 0, n) != n || !Arrays.equals(x, 0, n, y, 0, n)) {
                    return false;
                }
            }
        } catch (IOException e) {
            return false;
        }
    }
}
