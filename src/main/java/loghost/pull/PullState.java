package loghost.pull;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import loghost.store.DurableFile;

/**
 * What {@code loghost status} shows of a pull source: its state, last record stored, last collection and last error.
 * Kept in {@code DATA/pull/HOST} (a cache of the running server's view, not part of the record).
 */
public final class PullState {

    private final Path file;
    private volatile String state = "starting";
    private volatile Instant since = Instant.now();
    private volatile Instant lastRecord;
    private volatile Instant lastCollection;
    private volatile String lastError;

    PullState(Path file) {
        this.file = file;
    }

    /** Moves to {@code next} (connecting, connected, retrying, refused, stopped; once-done, once-failed) and saves. */
    synchronized void state(String next, String error) {
        state = next;
        since = Instant.now();
        if (error != null) {
            lastError = error;
        }
        save();
    }

    /** Notes that records were stored now; saved at most every 10 s, not per record. */
    void stored(long records) {
        if (records > 0) {
            Instant now = Instant.now();
            boolean due = lastRecord == null || now.isAfter(lastRecord.plusSeconds(10));
            lastRecord = now;
            if (due) {
                synchronized (this) {
                    save();
                }
            }
        }
    }

    /** Notes a finished collection round (with its error, or null) and saves. */
    synchronized void collected(String error) {
        lastCollection = Instant.now();
        if (error != null) {
            lastError = error;
        }
        save();
    }

    /** The current state word. */
    String state() {
        return state;
    }

    private void save() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("state", state);
        m.put("since", since.toString());
        m.put("last-record", lastRecord == null ? "-" : lastRecord.toString());
        m.put("last-collection", lastCollection == null ? "-" : lastCollection.toString());
        m.put("last-error", lastError == null ? "-" : lastError);
        StringBuilder sb = new StringBuilder();
        m.forEach((k, v) -> sb.append(k).append(' ').append(v.replaceAll("[^ -~]", "?")).append('\n'));
        try {
            DurableFile.replace(file, sb.toString().getBytes(StandardCharsets.US_ASCII));
        } catch (IOException e) {
            // Only status reads it: the pull goes on.
            org.slf4j.LoggerFactory.getLogger(PullState.class).warn("pull-state-not-saved file={} reason=\"{}\"",
                    file, e.getMessage());
        }
    }

    /** Reads a saved state file: key to value, in file order (empty when there is none). */
    public static Map<String, String> read(Path file) throws IOException {
        Map<String, String> m = new LinkedHashMap<>();
        if (!Files.isRegularFile(file, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return m;
        }
        for (String l : Files.readAllLines(file, StandardCharsets.US_ASCII)) {
            int sp = l.indexOf(' ');
            if (sp > 0) {
                m.put(l.substring(0, sp), l.substring(sp + 1));
            }
        }
        return m;
    }
}
