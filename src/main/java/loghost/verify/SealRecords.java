package loghost.verify;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import loghost.store.LineReader;
import loghost.store.OneMemberGzip;
import loghost.store.RecordView;

/**
 * One host's seal records of sealed epochs, read again from its day files one at a time, with their place
 * ({@code PATH:LINE}); null at the end, or where a file cannot be read. The chain check read these bytes and
 * found every record well-formed, so the fields are taken by their spaces.
 */
final class SealRecords implements AutoCloseable {

    /** A seal record met in a chain: its epoch, SEQ, digest, and where it stands ({@code PATH:LINE}). */
    record Seen(long epoch, long seq, String digestHex, String place) {
    }

    private final List<Path> files;
    private final String label;
    private final long lastEpoch;
    private int file = -1;
    private InputStream raw;
    private LineReader lines;
    private long lineNo;

    /** The seal records of epochs up to {@code lastEpoch} in {@code files} (in chain order) of host {@code label}. */
    SealRecords(List<Path> files, String label, long lastEpoch) {
        this.files = files;
        this.label = label;
        this.lastEpoch = lastEpoch;
    }

    /** The next seal record, or null. */
    Seen next() {
        try {
            while (true) {
                if (lines == null || !lines.next()) {
                    close();
                    if (++file >= files.size()) {
                        return null;
                    }
                    Path f = files.get(file);
                    raw = Files.newInputStream(f, LinkOption.NOFOLLOW_LINKS);
                    lines = new LineReader(f.getFileName().toString().endsWith(".gz")
                            ? new OneMemberGzip(raw, 1 << 16) : raw,
                            RecordView.MAX_LINE_BYTES);
                    lineNo = lines.next() ? 1 : 0; // the header
                    continue;
                }
                lineNo++;
                Seen s = sealed(new String(lines.line(), 0, lines.length(), StandardCharsets.ISO_8859_1));
                if (s != null) {
                    return s;
                }
            }
        } catch (IOException | LineReader.LineTooLongException | RuntimeException e) {
            close();
            file = files.size();
            return null;
        }
    }

    // SEQ TIME TYPE META DIGEST MESSAGE (docs/FORMAT.md): a seal record of an epoch the checkpoints cover.
    private Seen sealed(String line) {
        String[] f = line.split(" ", 6);
        if (f.length < 6 || !f[2].equals("seal")) {
            return null;
        }
        Matcher m = HostSeals.EPOCH_MESSAGE.matcher(f[5]);
        if (!m.matches() || Long.parseLong(m.group(1)) > lastEpoch) {
            return null;
        }
        return new Seen(Long.parseLong(m.group(1)), Long.parseLong(f[0]), f[4], label + "/"
                + files.get(file).getFileName() + ":" + lineNo);
    }

    @Override
    public void close() {
        try {
            if (lines != null) {
                lines.close();
            }
            if (raw != null) {
                raw.close();
            }
        } catch (IOException e) {
            // Read only; nothing was written.
        }
        lines = null;
        raw = null;
    }
}
