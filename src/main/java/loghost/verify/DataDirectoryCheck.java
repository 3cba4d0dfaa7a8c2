package loghost.verify;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import loghost.keys.EnrolledKey;
import loghost.keys.EnrolledKeysFile;
import loghost.store.HostName;
import loghost.store.LineReader;
import loghost.store.OneMemberGzip;
import loghost.store.RecordView;
import loghost.verify.VerifyReport.Kind;

/**
 * {@code loghost verify} over a whole data directory: the chains, and then that the logs which should be there are
 * (docs/FORMAT.md, "Checks of the data directory as a whole"), so that verify never says OK about missing logs.
 */
public final class DataDirectoryCheck {

    // An audit record whose message starts a session or a stream: the host name is the server's, never a client's.
    private static final Pattern SEEN = Pattern.compile(
            "[1-9][0-9]* \\S+ audit \\S+ [0-9a-f]+ (?:session|stream)-start host=([a-z0-9][a-z0-9.-]{0,62})(?: .*)?");

    private DataDirectoryCheck() {
    }

    /**
     * Verifies every host under {@code data/hosts}, then: an empty or missing {@code hosts} fails unless
     * {@code allowEmpty}; a host the audit trail saw whose directory is gone fails; an enrolled host without a directory is a warning.
     */
    public static VerifyReport verify(Path data, boolean allowEmpty, Verifier.FileDone progress) {
        return verify(data, allowEmpty, progress, null, new VerifyReport());
    }

    /** As {@link #verify(Path, boolean, Verifier.FileDone)}, with the seal checks of {@code seals} when not null. */
    public static VerifyReport verify(Path data, boolean allowEmpty, Verifier.FileDone progress, SealCheck seals,
                                      VerifyReport report) {
        return verify(data, allowEmpty, progress, seals, null, report);
    }

    /** As above, also checking the receipts {@code receipts} has read, when not null. */
    public static VerifyReport verify(Path data, boolean allowEmpty, Verifier.FileDone progress, SealCheck seals,
                                      ReceiptCheck receipts, VerifyReport report) {
        Path hosts = data.resolve("hosts");
        boolean hostsExists = Files.exists(hosts, LinkOption.NOFOLLOW_LINKS);
        if (hostsExists || !allowEmpty) {
            new Verifier(hosts, progress).sealedBy(seals).receiptsBy(receipts).verifyAll(report);
        }
        if (!hostsExists) {
            if (allowEmpty) {
                report.add(Kind.NOTE, "hosts", 0, "missing: no host has logged yet (--allow-empty)");
            }
            return report;
        }
        if (!Files.isDirectory(hosts, LinkOption.NOFOLLOW_LINKS)) {
            return report; // the verifier said why
        }
        Set<String> present = directories(hosts, report);
        if (present == null) {
            return report;
        }
        if (present.isEmpty()) {
            report.add(allowEmpty ? Kind.NOTE : Kind.FAIL, "hosts", 0, allowEmpty
                    ? "no host logs: no host has logged yet (--allow-empty)"
                    : "no host logs (a fresh install: --allow-empty)");
            return report;
        }
        for (String host : seenInAuditTrail(hosts.resolve(HostName.AUDIT), report)) {
            if (!present.contains(host)) {
                report.add(Kind.FAIL, "hosts/" + host, 0,
                        "the audit trail shows sessions of this host but its log directory is missing");
            }
        }
        try {
            TreeSet<String> enrolled = new TreeSet<>();
            for (EnrolledKey k : new EnrolledKeysFile(data).load().all()) {
                enrolled.add(k.host());
            }
            for (String host : enrolled) {
                if (!present.contains(host)) {
                    report.add(Kind.WARNING, "hosts/" + host, 0,
                            "enrolled in enrolled_keys but no log directory (it may not have logged yet)");
                }
            }
        } catch (IOException | IllegalArgumentException e) {
            report.add(Kind.WARNING, EnrolledKeysFile.NAME, 0, "cannot be read, enrolled hosts not checked");
        }
        CollectedFilesCheck.check(data, report); // pull mode's collected files, beside the chains
        return report;
    }

    // Names of the entries of hosts/ that are host names (the verifier reported the others), or null.
    private static Set<String> directories(Path hosts, VerifyReport report) {
        Set<String> names = new TreeSet<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(hosts)) {
            for (Path e : entries) {
                String name = e.getFileName().toString();
                if (HostName.isStorable(name)) {
                    names.add(name);
                }
            }
        } catch (IOException | java.nio.file.DirectoryIteratorException e) {
            return null; // the verifier reported "cannot be read"
        }
        return names;
    }

    // Hosts named by session-start and stream-start audit records in the day files of hosts/_loghost.
    private static Set<String> seenInAuditTrail(Path audit, VerifyReport report) {
        Set<String> seen = new TreeSet<>();
        if (!Files.isDirectory(audit, LinkOption.NOFOLLOW_LINKS)) {
            return seen;
        }
        List<Path> files = new ArrayList<>();
        // Compressed days count as much as plain ones: an audit trail whose old days are compressed still saw them.
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(audit, "*.{log,log.gz}")) {
            entries.forEach(files::add);
        } catch (IOException | java.nio.file.DirectoryIteratorException e) {
            return seen; // the verifier reported it
        }
        for (Path f : files) {
            if (!Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS)) {
                continue;
            }
            // Lines no longer than a record can be: a file with an endless line (which the chain check fails) must
            // not take the heap with it.
            try (InputStream raw = Files.newInputStream(f, LinkOption.NOFOLLOW_LINKS);
                 LineReader r = new LineReader(f.getFileName().toString().endsWith(".gz")
                         ? new OneMemberGzip(raw, 1 << 16) : raw, RecordView.MAX_LINE_BYTES)) {
                while (r.next()) {
                    Matcher m = SEEN.matcher(new String(r.line(), 0, r.length(), StandardCharsets.ISO_8859_1));
                    if (m.matches()) {
                        seen.add(m.group(1));
                    }
                }
            } catch (IOException | LineReader.LineTooLongException e) {
                report.add(Kind.WARNING, "hosts/" + HostName.AUDIT + "/" + f.getFileName(), 0,
                        "cannot be read, hosts seen before not checked");
            }
        }
        return seen;
    }
}
