package loghost.forward;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Lines a full spool counted instead of keeping, until the gap entry saying how many and when is spooled. Not
 * thread-safe: the {@link Spool} calls it under its monitor.
 */
final class DroppedLines {

    private static final Logger LOG = LoggerFactory.getLogger(DroppedLines.class);

    private long count;
    private long firstMillis;
    private long lastMillis;

    /** Counts one line dropped at {@code now} (the first of a run is said once, loudly); returns 0, its "cseq". */
    long drop(long now, long maxBytes) {
        if (count == 0) {
            firstMillis = now;
            LOG.warn("spool-full max={} bytes: counting dropped lines until there is room", maxBytes);
        }
        count++;
        lastMillis = now;
        return 0;
    }

    /** True while lines were dropped and the gap entry saying so is not yet spooled. */
    boolean pending() {
        return count > 0;
    }

    /** The gap entry's text for the lines counted so far. */
    byte[] gapText() {
        return ("lines-dropped count=" + count + " first=" + Instant.ofEpochMilli(firstMillis) + " last="
                + Instant.ofEpochMilli(lastMillis) + " (forwarder spool full)").getBytes(StandardCharsets.US_ASCII);
    }

    /** The gap entry from {@link #gapText} is spooled: the count starts again. */
    void recorded() {
        LOG.warn("spool-gap-recorded dropped={}", count);
        count = 0;
    }
}
