package loghost.forward;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The loghosts a spool is delivered to, their positions, and the max-lag rule: an entry leaves the spool once every
 * destination has acknowledged it, or once one has and it was spooled longer ago than the max lag (or its room is
 * needed); a destination that lacks such an entry lags, and is said to, loudly, once. Not thread-safe: the
 * {@link Spool} that holds it calls it under its own lock.
 */
final class Destinations {

    private static final Logger LOG = LoggerFactory.getLogger(Destinations.class);

    private final List<Destination> all = new ArrayList<>();
    private final Map<Destination, DestinationState> states = new java.util.IdentityHashMap<>();
    private Duration maxLag = Duration.ofHours(1);

    /**
     * Takes {@code given} as the destinations: each keeps the stream and acknowledged cseq {@code state} holds for
     * it; one new to the spool (or every one, in a spool of version 1) starts on {@code newest} at its base.
     * {@code lowest} is the lowest cseq the spool still holds.
     */
    void bind(List<Destination> given, SpoolState state, StreamIdentity newest, long lowest,
              Duration destinationMaxLag) {
        maxLag = destinationMaxLag;
        all.clear();
        states.clear();
        for (Destination d : given) {
            SpoolState.Delivery kept = state.delivery(d.name());
            DestinationState s = kept == null ? new DestinationState(newest, newest.base())
                    : new DestinationState(kept.identity(), kept.acked());
            // What it lacks and the spool no longer holds was dropped for it (before this run, or by an older
            // version that did not keep its position): a gap record tells it so when it is reached.
            if (s.acked < lowest - 1 && s.acked < state.highest()) {
                s.droppedUpTo = lowest - 1;
            }
            all.add(d);
            states.put(d, s);
        }
        for (String name : state.deliveries().keySet()) {
            if (given.stream().noneMatch(d -> d.name().equals(name))) {
                LOG.warn("destination-removed to={}: no longer given; the spool holds nothing back for it", name);
            }
        }
    }

    /** True before {@link #bind}. */
    boolean isEmpty() {
        return all.isEmpty();
    }

    /** The destinations, in the order given. */
    List<Destination> all() {
        return all;
    }

    /** What the spool knows of {@code d}'s delivery (one of those bound). */
    DestinationState of(Destination d) {
        DestinationState s = states.get(d);
        if (s == null) {
            throw new IllegalArgumentException("destination " + d + " is not bound to this spool");
        }
        return s;
    }

    /** The highest spool cseq some destination has acknowledged. */
    long best() {
        long best = 0;
        for (DestinationState d : states.values()) {
            best = Math.max(best, d.acked);
        }
        return best;
    }

    /** The lowest spool cseq every destination has acknowledged ({@code lastCseq} when there are none). */
    long least(long lastCseq) {
        long least = lastCseq;
        for (DestinationState d : states.values()) {
            least = Math.min(least, d.acked);
        }
        return least;
    }

    /** The names of the destinations that lag now. */
    List<String> lagging() {
        List<String> l = new ArrayList<>();
        for (Destination d : all) {
            if (states.get(d).lagging) {
                l.add(d.name());
            }
        }
        return l;
    }

    /** Notes that {@code d} acknowledged up to {@code cseq}; says so when that ends its lag. */
    void acked(Destination dest, long cseq) {
        DestinationState d = of(dest);
        d.acked = cseq;
        if (d.lagging && d.acked >= d.droppedUpTo && d.acked >= best()) {
            d.lagging = false;
            LOG.warn("destination-caught-up to={} acked={}: it has every entry the others have", dest.name(), d.acked);
        }
    }

    /**
     * Whether a whole segment, entries up to {@code segLast} whose newest was spooled at {@code newestMillis}, may
     * be deleted: every destination has acknowledged it; or one has, and it is older than the max lag or its room
     * is needed (the others never wait longer than that for a destination that is down).
     */
    boolean mayDrop(long segLast, long newestMillis, long now, boolean needRoom) {
        boolean every = true;
        boolean one = false;
        for (DestinationState d : states.values()) {
            every &= d.acked >= segLast;
            one |= d.acked >= segLast;
        }
        return every || one && (needRoom || now - newestMillis >= maxLag.toMillis());
    }

    /** Entries up to {@code segLast} leave the spool: each destination that lacks some of them lags. */
    void dropping(long segLast, boolean needRoom) {
        for (Destination dest : all) {
            DestinationState d = states.get(dest);
            if (d.acked >= segLast) {
                continue;
            }
            d.droppedUpTo = Math.max(d.droppedUpTo, segLast);
            if (!d.lagging) {
                d.lagging = true;
                LOG.error("destination-lagging to={} acked={} reason={} max-lag={}: the spool drops entries it lacks "
                        + "that another destination has (cseq up to {} so far); it gets a gap record naming them "
                        + "when it is back", dest.name(), d.acked, needRoom ? "spool-full" : "max-lag", maxLag,
                        segLast);
            }
        }
    }

    /** The destinations that lack an entry another has, and are not known to lag yet: {@link #lacks} them. */
    List<Destination> toCheck() {
        long best = best();
        List<Destination> l = new ArrayList<>();
        for (Destination d : all) {
            if (!states.get(d).lagging && states.get(d).acked < best) {
                l.add(d);
            }
        }
        return l;
    }

    /**
     * {@code d}'s oldest missing entry still in the spool is {@code cseq}, spooled at {@code millis} (0: not known
     * yet). Returns true when that was longer ago than the max lag: then it lags, said loudly once.
     */
    boolean lacks(Destination dest, long cseq, long millis, long now) {
        DestinationState d = of(dest);
        if (d.lackCseq != cseq) {
            if (millis <= 0) {
                return false;
            }
            d.lackCseq = cseq;
            d.lackMillis = millis;
        }
        if (now - d.lackMillis < maxLag.toMillis()) {
            return false;
        }
        d.lagging = true;
        LOG.error("destination-lagging to={} acked={} missing-since={} max-lag={}: it lacks entries another "
                + "destination has, spooled longer ago than the max lag; the spool no longer keeps such entries for "
                + "it, and it gets a gap record naming those dropped when it is back", dest.name(), d.acked,
                Instant.ofEpochMilli(d.lackMillis), maxLag);
        return true;
    }

    /** What the spool state keeps of them: each one's stream and acknowledged cseq, by name. */
    Map<String, SpoolState.Delivery> deliveries() {
        Map<String, SpoolState.Delivery> m = new LinkedHashMap<>();
        for (Destination d : all) {
            m.put(d.name(), new SpoolState.Delivery(states.get(d).identity, states.get(d).acked));
        }
        return m;
    }

    /** A number that changes when a position does (to tell whether the state needs saving). */
    long fingerprint() {
        long sum = 0;
        for (Destination d : all) {
            sum = sum * 31 + states.get(d).acked;
        }
        return sum;
    }
}
