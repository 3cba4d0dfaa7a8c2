package loghost.store;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import loghost.names.DayFileName;
import loghost.names.StreamId;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The last client sequence number committed for each acknowledged stream of one host. The log is the truth
 * (every record of a stream carries {@code c=STREAM:CSEQ}); a small state file, written after each sync, says
 * how far the log had been read, so that recovery only scans what was written after it.
 */
final class StreamPositions {

    private static final Logger LOG = LoggerFactory.getLogger(StreamPositions.class);
    // Up to 19 digits: every cseq the server can have written (1 to 2^63-1), so a restart finds what it had.
    private static final Pattern CLIENT = StreamId.META_FIELD;
    private static final Pattern STATE_HEADER = Pattern.compile("at (" + DayFileName.DAY + "\\.log) (\\d+)");

    private final Map<String, Long> last = new HashMap<>();
    private final Path stateFile;
    private boolean changed;

    private StreamPositions(Path stateFile) {
        this.stateFile = stateFile;
    }

    /** True when {@code stream} has a committed record. */
    boolean has(String stream) {
        return last.containsKey(stream);
    }

    /** Streams with a committed record. */
    int count() {
        return last.size();
    }

    /** The last committed client sequence number of {@code stream}, 0 when it has none. */
    long last(String stream) {
        return last.getOrDefault(stream, 0L);
    }

    /** Records that {@code clientSeq} of {@code stream} is in the log. */
    void committed(String stream, long clientSeq) {
        if (clientSeq > last(stream)) {
            last.put(stream, clientSeq);
            changed = true;
        }
    }

    /** Puts {@code stream}'s position back to {@code clientSeq}, as it was before a batch that was taken back. */
    void reset(String stream, long clientSeq) {
        if (clientSeq == 0) {
            last.remove(stream);
        } else {
            last.put(stream, clientSeq);
        }
    }

    /** A copy of the positions, or null when nothing changed since the last save (taken under the host's lock). */
    Map<String, Long> snapshot() {
        if (!changed) {
            return null;
        }
        changed = false;
        return new HashMap<>(last);
    }

    /** Writes a snapshot taken when the log ended at byte {@code offset} of {@code file}, once that is durable. */
    synchronized void save(String file, long offset, Map<String, Long> positions) throws IOException {
        if (positions == null || file == null) {
            return;
        }
        StringBuilder sb = new StringBuilder("at ").append(file).append(' ').append(offset).append('\n');
        positions.forEach((s, c) -> sb.append(s).append(' ').append(c).append('\n'));
        DurableFile.replace(stateFile, sb.toString().getBytes(StandardCharsets.US_ASCII));
    }

    /** Loads the state and scans the host's day files from where it left off (all of them without a state). */
    static StreamPositions recover(Path hostDir, Path stateFile, List<Path> dayFiles) throws IOException {
        StreamPositions p = new StreamPositions(stateFile);
        String fromFile = null;
        long fromOffset = 0;
        try {
            List<String> lines = Files.readAllLines(stateFile, StandardCharsets.US_ASCII);
            Matcher h = lines.isEmpty() ? null : STATE_HEADER.matcher(lines.get(0));
            if (h != null && h.matches() && Files.exists(hostDir.resolve(h.group(1)))
                    && Files.size(hostDir.resolve(h.group(1))) >= Long.parseLong(h.group(2))) {
                fromFile = h.group(1);
                fromOffset = Long.parseLong(h.group(2));
                for (String l : lines.subList(1, lines.size())) {
                    String[] kv = l.split(" ");
                    p.last.put(kv[0], Long.parseLong(kv[1]));
                }
            } else {
                LOG.warn("stream-state-unusable file={}: scanning the whole log", stateFile);
            }
        } catch (NoSuchFileException e) {
            LOG.debug("no stream state at {}: scanning the whole log", stateFile);
        } catch (IOException | RuntimeException e) {
            LOG.warn("stream-state-unusable file={} reason=\"{}\": scanning the whole log", stateFile, e.toString());
            p.last.clear();
            fromFile = null;
            fromOffset = 0;
        }
        for (Path f : dayFiles) {
            String name = f.getFileName().toString();
            if (fromFile != null && name.compareTo(fromFile) < 0) {
                continue;
            }
            p.scan(f, name.equals(fromFile) ? fromOffset : 0);
        }
        return p;
    }

    // Beyond 2^63-1 no server wrote it; taken as the highest there is rather than failing the host's recovery.
    private static long cseq(String digits) {
        try {
            return Long.parseLong(digits);
        } catch (NumberFormatException e) {
            return Long.MAX_VALUE;
        }
    }

    private void scan(Path file, long from) throws IOException {
        try (InputStream raw = Files.newInputStream(file)) {
            raw.skipNBytes(from);
            InputStream in = new BufferedInputStream(file.getFileName().toString().endsWith(".gz")
                    ? new java.util.zip.GZIPInputStream(raw, 1 << 16) : raw, 1 << 16);
            StringBuilder line = new StringBuilder();
            int spaces = 0;
            boolean inMeta = false;
            int b;
            // Only the META field matters: the fourth space-separated field of a record line.
            while ((b = in.read()) != -1) {
                if (b == '\n') {
                    if (line.length() > 0) {
                        Matcher m = CLIENT.matcher(line);
                        if (m.find()) {
                            committed(m.group(1), cseq(m.group(2)));
                        }
                    }
                    line.setLength(0);
                    spaces = 0;
                    inMeta = false;
                } else if (b == ' ') {
                    spaces++;
                    inMeta = spaces == 3;
                } else if (inMeta && line.length() < 200) {
                    line.append((char) b);
                }
            }
        }
        changed = true;
    }
}
