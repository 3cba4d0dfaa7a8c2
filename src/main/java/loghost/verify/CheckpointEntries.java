package loghost.verify;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import loghost.seal.SealBlock;
import loghost.store.LineReader;

/**
 * Every checkpoint entry of one host, read again one at a time: {epoch, seq, digest, file:line}; null at the
 * end, or where a file cannot be read (the first reading reported it).
 */
final class CheckpointEntries implements AutoCloseable {

    private final Path sealDir;
    private final long lastEpoch;
    private final String prefix;
    private final List<String> files = new ArrayList<>();
    private int file = -1;
    private LineReader lines;
    private long epoch;
    private long lineNo;

    /** The entries of {@code host} in the checkpoint files of {@code sealDir} up to epoch {@code lastEpoch}. */
    CheckpointEntries(Path sealDir, long lastEpoch, String host) {
        this.sealDir = sealDir;
        this.lastEpoch = lastEpoch;
        this.prefix = host + " ";
        try (var entries = Files.newDirectoryStream(sealDir, "*.ckpt")) {
            entries.forEach(p -> files.add(p.getFileName().toString()));
        } catch (IOException e) {
            files.clear();
        }
        files.sort(null);
    }

    /** The next entry, or null. */
    String[] next() {
        try {
            while (true) {
                if (lines == null || !lines.nextComplete()) {
                    close();
                    if (++file >= files.size()) {
                        return null;
                    }
                    lines = new LineReader(Files.newInputStream(sealDir.resolve(files.get(file)),
                            LinkOption.NOFOLLOW_LINKS), SealBlock.MAX_LINE);
                    epoch = 0;
                    lineNo = 0;
                    continue;
                }
                lineNo++;
                String line = new String(lines.line(), 0, lines.length(), StandardCharsets.US_ASCII);
                if (line.startsWith("checkpoint v1 epoch=")) {
                    epoch = Long.parseLong(line.substring(20, line.indexOf(' ', 20)));
                    if (epoch > lastEpoch) {
                        file = files.size();
                        return null;
                    }
                } else if (line.startsWith(prefix) && epoch > 0) {
                    String[] f = line.split(" ");
                    return new String[] {Long.toString(epoch), f[1], f[2], "seal/" + files.get(file) + ":"
                            + lineNo};
                }
            }
        } catch (IOException | LineReader.LineTooLongException | RuntimeException e) {
            file = files.size();
            return null;
        }
    }

    @Override
    public void close() {
        if (lines != null) {
            try {
                lines.close();
            } catch (IOException e) {
                // Read only; nothing was written.
            }
            lines = null;
        }
    }
}
