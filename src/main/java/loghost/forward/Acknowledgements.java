package loghost.forward;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The spool's side of delivery: which stream each destination is delivered as, what it acknowledged, and what it
 * still waits for. Everything here reads or changes {@link Destinations} under the spool's monitor (see the lock
 * order in {@link Spool}); an acknowledgement then lets {@link Spool#trim} delete what every destination has.
 */
final class Acknowledgements {

    private static final Logger LOG = LoggerFactory.getLogger(Acknowledgements.class);

    /** The spool's monitor: guards the destinations, the segments and the state in memory. */
    private final Spool spool;
    private final Destinations destinations;
    private final Segments segments;
    private final Retention retention;
    private final SpoolState state;
    /** The stream a destination new to this spool starts on (the newest drawn); under the monitor. */
    private StreamIdentity newest;

    Acknowledgements(Spool spool, Destinations destinations, Segments segments, Retention retention,
                     SpoolState state) {
        this.spool = spool;
        this.destinations = destinations;
        this.segments = segments;
        this.retention = retention;
        this.state = state;
    }

    /**
     * Binds the spool to its destinations (see {@link Destinations#bind}); destinations no longer given are
     * forgotten: they hold nothing back any more. Saved at once.
     */
    void bind(List<Destination> given, StreamIdentity newestIdentity, Duration destinationMaxLag)
            throws IOException {
        retention.saveAfter(() -> {
            newest = newestIdentity;
            destinations.bind(given, state, newestIdentity, segments.lowest(), destinationMaxLag);
        });
        if (state.loadedVersion() == 1) {
            LOG.info("spool-upgraded dir={} from=1 to={} destinations={}", spool.dir(), SpoolState.VERSION, given);
        }
    }

    /** The stream a destination new to this spool starts on (the newest drawn). */
    StreamIdentity newestIdentity() {
        synchronized (spool) {
            return newest;
        }
    }

    /**
     * {@code d} goes on as stream {@code next} (a conflict at that loghost); kept durably before anything is sent
     * under it.
     */
    void rotate(Destination d, StreamIdentity next) throws IOException {
        retention.saveAfter(() -> {
            destinations.of(d).identity = next;
            destinations.of(d).lackCseq = -1;
            newest = next;
        });
    }

    /** The stream {@code d} is delivered as now. */
    StreamIdentity identity(Destination d) {
        synchronized (spool) {
            return destinations.of(d).identity;
        }
    }

    /** The highest spool cseq {@code d} has acknowledged. */
    long acked(Destination d) {
        synchronized (spool) {
            return destinations.of(d).acked;
        }
    }

    /**
     * The cseq after which a new stream for {@code d} would have to start to carry everything {@code d} is not
     * known to have: the entries still in the spool, beyond what it acknowledged.
     */
    long unacknowledgedBase(Destination d) {
        synchronized (spool) {
            return Math.max(destinations.of(d).acked, segments.lowest() - 1);
        }
    }

    /** True while something waits for {@code d}: entries it has not acknowledged, or lines being dropped. */
    boolean undelivered(Destination d) {
        synchronized (spool) {
            return segments.lastCseq() > destinations.of(d).acked || spool.gapPending();
        }
    }

    /** The highest spool cseq some destination has acknowledged. */
    long bestAcked() {
        synchronized (spool) {
            return destinations.best();
        }
    }

    /** Entries spooled that a destination still waits for (a lagging one included). */
    long pending() {
        synchronized (spool) {
            return segments.lastCseq() - destinations.least(segments.lastCseq());
        }
    }

    /** The destinations that lag now ({@link Destinations}). */
    List<String> lagging() {
        synchronized (spool) {
            return destinations.lagging();
        }
    }

    /**
     * What the loghost said in WELCOME: {@code d} holds spool cseq {@code last} and nothing beyond. It may be less
     * than it acknowledged before (a loghost restored from a backup): then the spool holds what it lacks again.
     */
    void welcomed(Destination d, long last) throws IOException {
        synchronized (spool) {
            destinations.acked(d, last);
            destinations.of(d).lackCseq = -1;
        }
        spool.trim(0);
    }

    /** Records an acknowledgement by {@code d}; deletes the segments {@link Destinations#mayDrop} lets go. */
    void acked(Destination d, long cseq) throws IOException {
        synchronized (spool) {
            if (cseq <= destinations.of(d).acked) {
                return;
            }
            destinations.acked(d, cseq);
        }
        spool.trim(0);
        spool.wakeSenders();
    }
}
