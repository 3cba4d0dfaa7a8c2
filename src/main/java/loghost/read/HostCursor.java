package loghost.read;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.function.Predicate;
import loghost.store.RecordView;

/**
 * One host's entries pulled one at a time (records decoded, lines rejoined, a filter applied), so that several hosts
 * can be merged in time order.
 */
final class HostCursor implements HostLines.EntrySource, AutoCloseable {

    private final String host;
    private final HostReader reader;
    private final LineAssembler lines = new LineAssembler();
    private final ArrayDeque<LineAssembler.Entry> ready = new ArrayDeque<>();
    private final LineAssembler.Sink sink;
    private boolean finished;

    /**
     * Reads the day files of {@code days} from {@code firstFile} (null: the oldest) {@code chunkBytes} at a time,
     * keeping what {@code keep} takes.
     */
    HostCursor(HostDays days, String firstFile, boolean verify, int chunkBytes, Predicate<LineAssembler.Entry> keep)
            throws IOException {
        this.host = days.host();
        this.reader = new HostReader(days, firstFile, chunkBytes);
        if (verify) {
            reader.verifyChain();
        }
        this.sink = e -> {
            if (keep.test(e)) {
                ready.addLast(e);
            }
            return true;
        };
    }

    /** The host's name. */
    String host() {
        return host;
    }

    /**
     * The next entry there is now, without taking it, or null. Following, null means none yet (a later call sees
     * what arrived); otherwise it means the end, and lines left unfinished there come out first.
     */
    @Override
    public LineAssembler.Entry peek(boolean follow) throws IOException {
        while (ready.isEmpty()) {
            RecordView r = reader.next();
            if (r != null) {
                lines.accept(r, reader.currentLine(), sink);
            } else if (!follow && !finished) {
                finished = true;
                lines.finish(sink);
            } else {
                return null;
            }
        }
        return ready.peekFirst();
    }

    /** Takes the entry {@link #peek} returned. */
    @Override
    public LineAssembler.Entry take() {
        return ready.removeFirst();
    }

    @Override
    public void close() throws IOException {
        reader.close();
    }
}
