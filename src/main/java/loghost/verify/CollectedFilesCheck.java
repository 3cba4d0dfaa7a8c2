package loghost.verify;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import loghost.store.HostName;
import loghost.store.LineReader;
import loghost.verify.VerifyReport.Kind;

/**
 * {@code DATA/files}, the files pull mode collected (docs/FORMAT.md, "Collected files"): every copy listed in its
 * host's manifest, with the size and SHA-256 listed there.
 */
final class CollectedFilesCheck {

    private static final Pattern HEADER = Pattern.compile("#loghost files manifest v1 host=(\\S+)");
    private static final Pattern SUM = Pattern.compile("([0-9a-f]{64})  (\\S+)");
    // path= is in serve-logs' path grammar (PROTOCOL.md): printable, so that the manifest is safe on a terminal.
    private static final Pattern NOTE = Pattern.compile("# (\\S+) size=(0|[1-9][0-9]{0,18}) "
            + "path=((?:/[A-Za-z0-9._+@:,=%-]+)+) id=([0-9]{1,20}\\.[0-9a-f]{12}) seq=([1-9][0-9]{0,17})");
    // This version writes DAY/H-B[~N]; deeper names are copies kept by earlier versions, under the host's path.
    private static final Pattern COPY = Pattern.compile("[0-9]{4}-[0-9]{2}-[0-9]{2}(/[A-Za-z0-9._+@:,=%~-]+)+");

    private CollectedFilesCheck() {
    }

    /** Checks {@code data/files} if it exists; adds findings to {@code report}. */
    static void check(Path data, VerifyReport report) {
        Path top = data.resolve("files");
        if (!Files.isDirectory(top, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (DirectoryStream<Path> hosts = Files.newDirectoryStream(top)) {
            for (Path h : hosts) {
                String name = h.getFileName().toString();
                String label = "files/" + Verifier.printable(name);
                if (!HostName.isEnrollable(name) || !Files.isDirectory(h, LinkOption.NOFOLLOW_LINKS)) {
                    report.add(Kind.FAIL, label, 0, "not a host directory of collected files");
                    continue;
                }
                checkHost(h, name, label, report);
            }
        } catch (IOException | java.nio.file.DirectoryIteratorException e) {
            report.add(Kind.FAIL, "files", 0, "cannot be read");
        }
    }

    /** Longest manifest line read: two paths on the host (at most 4,096 bytes each on Linux) and a little more. */
    private static final int MAX_MANIFEST_LINE = 64 * 1024;

    // The manifest's entries into listed (copy -> {sha256, size}), read a line at a time; false after reporting
    // the first malformed line (a line longer than any entry can be is one) or a read error.
    private static boolean readManifest(Path manifest, String host, String label, Map<String, String[]> listed,
                                        VerifyReport report) {
        long lineNo = 1;
        try (LineReader r = new LineReader(Files.newInputStream(manifest, LinkOption.NOFOLLOW_LINKS),
                MAX_MANIFEST_LINE, 1 << 16)) {
            Matcher h = r.next() ? HEADER.matcher(text(r)) : null;
            if (h == null || !h.matches() || !h.group(1).equals(host)) {
                report.add(Kind.FAIL, label, 1, "malformed manifest header");
                return false;
            }
            while (true) {
                lineNo++;
                if (!r.next()) {
                    return true;
                }
                Matcher sum = SUM.matcher(text(r));
                Matcher note = r.next() ? NOTE.matcher(text(r)) : null;
                if (!sum.matches() || note == null || !note.matches() || !note.group(1).equals(sum.group(2))
                        || !COPY.matcher(sum.group(2)).matches() || hasDotComponent(sum.group(2))
                        || hasDotComponent(note.group(3))) {
                    report.add(Kind.FAIL, label, lineNo, "malformed manifest entry");
                    return false;
                }
                listed.put(sum.group(2), new String[] {sum.group(1), note.group(2)});
                lineNo++;
            }
        } catch (LineReader.LineTooLongException e) {
            report.add(Kind.FAIL, label, lineNo, lineNo == 1 ? "malformed manifest header"
                    : "malformed manifest entry");
            return false;
        } catch (IOException e) {
            report.add(Kind.FAIL, label, 0, "cannot be read");
            return false;
        }
    }

    // A "." or ".." component would name a file outside the day directory (or none at all).
    private static boolean hasDotComponent(String path) {
        for (String c : path.split("/", -1)) {
            if (c.equals(".") || c.equals("..")) {
                return true;
            }
        }
        return false;
    }

    private static String text(LineReader r) {
        return new String(r.line(), 0, r.length(), StandardCharsets.US_ASCII);
    }

    private static void checkHost(Path dir, String host, String label, VerifyReport report) {
        Map<String, String[]> listed = new TreeMap<>();
        Path manifest = dir.resolve("MANIFEST");
        if (Files.exists(manifest, LinkOption.NOFOLLOW_LINKS)
                && !readManifest(manifest, host, label + "/MANIFEST", listed, report)) {
            return;
        }
        for (Map.Entry<String, String[]> e : listed.entrySet()) {
            Path f = dir.resolve(e.getKey());
            String fl = label + "/" + Verifier.printable(e.getKey());
            try {
                BasicFileAttributes a = Files.readAttributes(f, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                if (!a.isRegularFile()) {
                    report.add(Kind.FAIL, fl, 0, "not a regular file");
                } else if (a.size() != Long.parseLong(e.getValue()[1])) {
                    report.add(Kind.FAIL, fl, 0, "does not match its MANIFEST entry (size)");
                } else if (!sha256(f).equals(e.getValue()[0])) {
                    report.add(Kind.FAIL, fl, 0, "does not match its MANIFEST entry (sha256)");
                }
            } catch (java.nio.file.NoSuchFileException x) {
                report.add(Kind.FAIL, fl, 0, "listed in MANIFEST but missing");
            } catch (IOException x) {
                report.add(Kind.FAIL, fl, 0, "cannot be read");
            }
        }
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path f : all.sorted().toList()) {
                if (!Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS)) {
                    continue;
                }
                String rel = dir.relativize(f).toString();
                if (rel.equals("MANIFEST")) {
                    continue;
                }
                String fl = label + "/" + Verifier.printable(rel);
                if (rel.startsWith(".partial/")) {
                    report.add(Kind.NOTE, fl, 0, "unfinished transfer, ignored");
                } else if (!listed.containsKey(rel)) {
                    report.add(Kind.WARNING, fl, 0, "not listed in MANIFEST (a copy a crash kept from being listed)");
                }
            }
        } catch (IOException | java.io.UncheckedIOException e) {
            report.add(Kind.FAIL, label, 0, "cannot be read");
        }
    }

    private static String sha256(Path f) throws IOException {
        try (InputStream in = Files.newInputStream(f, LinkOption.NOFOLLOW_LINKS)) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] b = new byte[1 << 16];
            for (int n; (n = in.read(b)) > 0; ) {
                md.update(b, 0, n);
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }
}
