package loghost.verify;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.zip.ZipException;
import loghost.store.Manifest;
import loghost.store.OneMemberGzip;
import loghost.verify.VerifyReport.Kind;

/**
 * A host's {@code MANIFEST} and its compressed day files checked against each other (docs/FORMAT.md, "Verifying",
 * the manifest checks): the manifest's own grammar and chain, every listed file present, and every compressed file
 * listed with its size, SHA-256, seq range and last digest.
 */
final class ManifestCheck {

    private final String host;
    private final Path dir;
    private final String label;
    private final VerifyReport report;
    private final Map<String, Manifest.Entry> listed = new HashMap<>();
    private Manifest.Contents contents;

    ManifestCheck(String host, Path dir, String label, VerifyReport report) {
        this.host = host;
        this.dir = dir;
        this.label = label;
        this.report = report;
    }

    /** Reads the manifest; false (after a failure) when it cannot be trusted. */
    boolean read() {
        String path = label + "/" + Manifest.NAME;
        Manifest.Contents c;
        try {
            c = Manifest.read(dir.resolve(Manifest.NAME), host);
        } catch (IOException e) {
            report.add(Kind.FAIL, path, 0, "cannot be read");
            return false;
        }
        if (c.problem() != null) {
            report.add(Kind.FAIL, path, c.problemLine(), c.problem());
            return false;
        }
        if (c.torn()) {
            report.add(Kind.NOTE, path, 0, "incomplete final entry (an interrupted append), ignored");
        }
        for (Manifest.Entry e : c.entries()) {
            listed.put(e.name(), e);
        }
        contents = c;
        return true;
    }

    /** Every listed file is there as a compressed file; false after the first that is not. */
    boolean listedFilesPresent(Map<String, boolean[]> days) {
        for (Manifest.Entry e : listed.values().stream().sorted((a, b) -> a.name().compareTo(b.name())).toList()) {
            boolean[] d = days.get(e.name().substring(0, 10));
            if ((d == null || !d[1]) && !OffStore.gone(contents, e.name())) {
                report.add(Kind.FAIL, label + "/" + e.name(), 0, "listed in MANIFEST but missing");
                return false;
            }
        }
        OffStore.notes(contents, days, label, report);
        return true;
    }

    /** Before the chain reads {@code day}: if the file listed just before it is not online, continue from its entry. */
    void continueChain(String day, Map<String, boolean[]> days, ChainCheck chain) {
        OffStore.continueChain(contents, day, days, chain);
    }

    /** A compressed file whose chain {@code chain} just checked: it must be listed, and match its entry. */
    boolean compressedFile(String name, ChainCheck chain) {
        Manifest.Entry e = listed.get(name);
        if (e == null) {
            report.add(Kind.FAIL, label + "/" + name, 0, "compressed file not listed in MANIFEST");
            return false;
        }
        return matches(e, name, chain.storedSize(), chain.storedSha256(), chain);
    }

    /**
     * A compressed file beside the day file of the same day (a compression a crash interrupted before it deleted
     * the original): it must decompress to exactly that file, and match its entry if it is already listed.
     */
    boolean copyBesideDayFile(String name, Path plain, ChainCheck chain) {
        String path = label + "/" + name;
        MessageDigest storedSha = ChainCheck.sha256();
        boolean same;
        try (InputStream raw = new DigestInputStream(Files.newInputStream(dir.resolve(name), LinkOption.NOFOLLOW_LINKS),
                storedSha);
             InputStream original = Files.newInputStream(plain, LinkOption.NOFOLLOW_LINKS)) {
            try (OneMemberGzip gz = new OneMemberGzip(raw, 1 << 16)) {
                same = sameBytes(gz, original);
            } catch (ZipException | EOFException e) {
                same = false;
            }
            DayFileRead.drain(raw);
        } catch (IOException e) {
            report.add(Kind.FAIL, path, 0, "cannot be read");
            return false;
        }
        if (!same) {
            report.add(Kind.FAIL, path, 0, "compressed copy differs from its day file");
            return false;
        }
        Manifest.Entry e = listed.get(name);
        long size;
        try {
            size = Files.size(dir.resolve(name));
        } catch (IOException ex) {
            report.add(Kind.FAIL, path, 0, "cannot be read");
            return false;
        }
        if (e != null && !matches(e, name, size, HexFormat.of().formatHex(storedSha.digest()), chain)) {
            return false;
        }
        report.add(Kind.NOTE, path, 0, "compressed copy beside its day file (loghost compress was interrupted)");
        return true;
    }

    private boolean matches(Manifest.Entry e, String name, long size, String sha256, ChainCheck chain) {
        String field = e.size() != size ? "size"
                : !e.sha256().equals(sha256) ? "sha256"
                : e.firstSeq() != chain.fileFirstSeq() || e.lastSeq() != chain.lastSeq() ? "seq"
                : !e.end().equals(chain.endHex()) ? "end" : null;
        if (field != null) {
            report.add(Kind.FAIL, label + "/" + name, 0, "does not match its MANIFEST entry (" + field + ")");
            return false;
        }
        return true;
    }

    private static boolean sameBytes(InputStream a, InputStream b) throws IOException {
        byte[] x = new byte[1 << 16];
        byte[] y = new byte[1 << 16];
        while (true) {
            int n = a.readNBytes(x, 0, x.length);
            int m = b.readNBytes(y, 0, y.length);
            if (n != m || !java.util.Arrays.equals(x, 0, n, y, 0, m)) {
                return false;
            }
            if (n < x.length) {
                return true;
            }
        }
    }
}
