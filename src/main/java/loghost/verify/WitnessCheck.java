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
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;
import loghost.seal.SealBlock;
import loghost.seal.VerificationKey;
import loghost.store.LineReader;
import loghost.verify.VerifyReport.Kind;

/**
 * {@code loghost verify --witness PATH...} (docs/FORMAT.md, "Witness lines"): every checkpoint a witness holds a
 * line of must still be among the local checkpoints that hold, with the same SHA-256. A PATH is a file of lines (a
 * copy of the witness file, or {@code loghost cat} output of the witnessing loghost) or a host directory of the
 * witnessing loghost, whose day files' {@code log} records are read.
 */
public final class WitnessCheck {

    private static final Pattern LINE = Pattern.compile("loghost-witness v1 key=(ed25519:[0-9a-f]{64})"
            + " epoch=([1-9][0-9]{0,17}) end=([0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z)"
            + " digest=([0-9a-f]{64})");

    private final VerificationKey key;
    private final VerifyReport report;
    private final TreeMap<Long, Witnessed> byEpoch = new TreeMap<>();
    private int otherKeys;

    private record Witnessed(String digest, String end, String place) {
    }

    /** Witness lines of the seal chain whose verification key is {@code key}; others are counted and ignored. */
    public WitnessCheck(VerificationKey key, VerifyReport report) {
        this.key = key;
        this.report = report;
    }

    /** Reads a witness file or a witnessing loghost's host directory. */
    public void read(Path path, String label) {
        if (Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)) {
            List<String> names = new ArrayList<>();
            try (DirectoryStream<Path> s = Files.newDirectoryStream(path, "*.{log,log.gz}")) {
                s.forEach(p -> names.add(p.getFileName().toString()));
            } catch (IOException e) {
                report.add(Kind.FAIL, label, 0, "cannot be read");
                return;
            }
            names.sort(null);
            for (String n : names) {
                readFile(path.resolve(n), label + "/" + n, true);
            }
        } else {
            readFile(path, label, false);
        }
    }

    private void readFile(Path file, String label, boolean dayFile) {
        long lineNo = 0;
        try (InputStream raw = Files.newInputStream(file);
             InputStream in = file.toString().endsWith(".gz") ? new GZIPInputStream(raw, 1 << 16) : raw;
             LineReader lines = new LineReader(in, 1 << 22)) {
            while (lines.nextComplete()) {
                lineNo++;
                String line = new String(lines.line(), 0, lines.length(), StandardCharsets.ISO_8859_1);
                if (dayFile) {
                    // SEQ TIME TYPE META DIGEST MESSAGE: only log records carry what a forwarder shipped.
                    String[] f = line.split(" ", 6);
                    if (lineNo == 1 || f.length < 6 || !f[2].equals("log")) {
                        continue;
                    }
                    line = f[5];
                }
                if (!line.startsWith("loghost-witness ")) {
                    continue;
                }
                String place = label + ":" + lineNo;
                Matcher m = LINE.matcher(line);
                if (!m.matches()) {
                    report.add(Kind.FAIL, place, 0, "malformed witness line");
                    continue;
                }
                if (!m.group(1).equals(key.toString())) {
                    otherKeys++;
                    continue;
                }
                long epoch = Long.parseLong(m.group(2));
                Witnessed w = new Witnessed(m.group(4), m.group(3), place);
                Witnessed before = byEpoch.putIfAbsent(epoch, w);
                if (before != null && !before.digest().equals(w.digest())) {
                    report.add(Kind.FAIL, place, 0, "witness line for epoch " + epoch + " differs from "
                            + before.place() + " (two different checkpoints were witnessed)");
                }
            }
        } catch (IOException e) {
            report.add(Kind.FAIL, label, 0, "cannot be read");
        } catch (LineReader.LineTooLongException e) {
            report.add(Kind.FAIL, label + ":" + (lineNo + 1), 0, "line too long");
        }
    }

    /** A local checkpoint that holds: it must match its witness line, if any; a failure text or null. */
    String checkpoint(SealBlock b) {
        Witnessed w = byEpoch.get(b.epoch());
        if (w == null || w.digest().equals(b.digestHex())) {
            return null;
        }
        return "checkpoint " + b.epoch() + " is not the one witnessed in " + w.place() + " (ending " + w.end() + ")";
    }

    /** After the checkpoints: witnessed epochs beyond the last that holds were removed (or never held). */
    void finish(long lastEpoch) {
        Map<Long, Witnessed> beyond = byEpoch.tailMap(lastEpoch, false);
        if (!beyond.isEmpty()) {
            var first = byEpoch.ceilingEntry(lastEpoch + 1);
            report.add(Kind.FAIL, "seal", 0, "checkpoint " + first.getKey() + " (ending " + first.getValue().end()
                    + ", witnessed in " + first.getValue().place() + ") is missing: the checkpoints that hold end at"
                    + " epoch " + lastEpoch + "; " + beyond.size() + " witnessed checkpoint"
                    + (beyond.size() == 1 ? " is" : "s are") + " gone");
        }
        if (byEpoch.isEmpty()) {
            report.add(Kind.WARNING, "witness", 0, "no witness line of this seal chain in the paths given");
        }
        report.add(Kind.SEALED, "witness", 0, byEpoch.size() + " witnessed checkpoint" + (byEpoch.size() == 1 ? "" : "s")
                + (byEpoch.isEmpty() ? "" : ", the newest epoch " + byEpoch.lastKey() + " ending "
                + byEpoch.lastEntry().getValue().end()) + (otherKeys == 0 ? "" : "; " + otherKeys
                + " line(s) of other seal chains ignored"));
    }
}
