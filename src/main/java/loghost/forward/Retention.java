package loghost.forward;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What leaves the spool and what the state file keeps: deletes the segments the lag rule lets go, watches for
 * destinations that lag, and saves the state file. Each save takes its content under the spool's monitor and
 * writes it after (with the fsync of the segment it names) under {@code stateLock}, the outermost lock of the
 * spool (see {@link Spool}), so that a save never overtakes a later one and no fsync holds up the sources.
 */
final class Retention {

    private final Object stateLock = new Object();
    /** The spool's monitor: guards segments, destinations and the state in memory. */
    private final Object monitor;
    private final Segments segments;
    private final Destinations destinations;
    private final SpoolState state;
    private final SyncGate gate;
    private final SpoolReader reader;
    private final long maxBytes;
    /** The destinations' positions as last saved (a {@link Destinations#fingerprint}); under the monitor. */
    private long savedPositions = -1;

    Retention(Object monitor, Segments segments, Destinations destinations, SpoolState state, SyncGate gate,
              SpoolReader reader, long maxBytes) {
        this.monitor = monitor;
        this.segments = segments;
        this.destinations = destinations;
        this.state = state;
        this.gate = gate;
        this.reader = reader;
        this.maxBytes = maxBytes;
    }

    /**
     * Deletes the oldest segments the rule lets go, until one may not go, or (needBytes > 0) until that much room
     * is free. Returns true when room was made. Called without the monitor.
     *
     * <p>Only the choice is made under the monitor; the fsyncs of the segment and the state file and the deletions
     * come after it, so sources append meanwhile. The order stays: the state (with the positions of entries fsynced
     * before it) is on disk before a segment goes, and a segment goes only once the lag rule let it: a crash at any
     * point leaves the segments not yet deleted, and a state file at least as new as they need.
     */
    boolean trim(int needBytes) throws IOException {
        List<Path> delete = new ArrayList<>();
        synchronized (stateLock) {
            Snapshot saved;
            long freed;
            synchronized (monitor) {
                if (destinations.isEmpty() || segments.isEmpty()) {
                    return false;
                }
                freed = segments.choose(needBytes, maxBytes, destinations, delete);
                if (delete.isEmpty()) {
                    return false;
                }
                // Before segments go, their sources' positions, the highest cseq and the destinations' positions
                // move to the state file: an emptied spool must never number from 1 again.
                saved = snapshot();
            }
            write(saved);
            for (Path f : delete) {
                Files.delete(f);
            }
            // Still under stateLock: the next trim chooses by the room these deletions made.
            synchronized (monitor) {
                segments.freed(freed);
            }
        }
        return true;
    }

    /**
     * Reports (once, loudly) each destination that lacks an entry another destination acknowledged and that was
     * spooled longer than the max lag ago. Called without the monitor.
     */
    void checkLag() throws IOException {
        List<Destination> check;
        synchronized (monitor) {
            check = destinations.toCheck();
        }
        long now = System.currentTimeMillis();
        for (Destination d : check) {
            long cseq;
            synchronized (monitor) {
                DestinationState s = destinations.of(d);
                cseq = Math.max(s.acked + 1, segments.lowest());
                if (s.lackCseq == cseq) {
                    destinations.lacks(d, cseq, s.lackMillis, now);
                    continue;
                }
            }
            long t = reader.entryTime(cseq); // read outside the monitor: sources go on meanwhile
            synchronized (monitor) {
                destinations.lacks(d, cseq, t, now);
            }
        }
    }

    /** Saves the state if a destination's position moved since the last save. Called without the monitor. */
    void checkpoint() throws IOException {
        synchronized (stateLock) {
            Snapshot saved;
            synchronized (monitor) {
                if (destinations.fingerprint() == savedPositions) {
                    return;
                }
                saved = snapshot();
            }
            write(saved);
        }
    }

    /** Runs {@code change} under the monitor, then saves the state as it left it, durably, before returning. */
    void saveAfter(Runnable change) throws IOException {
        synchronized (stateLock) {
            Snapshot saved;
            synchronized (monitor) {
                change.run();
                saved = snapshot();
            }
            write(saved);
        }
    }

    /**
     * Closes the current segment (written and fsynced) and saves the state as it is, all under both locks: at the
     * end only. Nothing is written once the spool failed: the state would name positions past entries not on disk.
     */
    void close() throws IOException {
        synchronized (stateLock) {
            synchronized (monitor) {
                if (gate.failed()) {
                    segments.abandon();
                    return;
                }
                segments.close();
                if (!destinations.isEmpty()) {
                    // the destinations' positions as of now: fewer entries sent twice after a restart
                    state.deliveries(destinations.deliveries());
                    state.save(segments.lastCseq());
                }
            }
        }
    }

    /** The state file's content at one moment, and the segment whose entries it may name: fsynced before it. */
    private record Snapshot(byte[] content, SegmentWriter segment) {
    }

    // The state with every destination's stream and position, as of now; under the monitor (and stateLock). What
    // the current segment holds is handed to the OS here, so that the fsync in write() covers it.
    private Snapshot snapshot() throws IOException {
        gate.checkFailed();
        segments.writeCurrent();
        savedPositions = destinations.fingerprint();
        if (!destinations.isEmpty()) {
            state.deliveries(destinations.deliveries());
        }
        return new Snapshot(state.render(segments.lastCseq()), segments.current());
    }

    // The state file must never be ahead of the entries on disk: a position it names past an entry lost in a crash
    // would skip that entry's line. So the segment is fsynced first; under stateLock, not under the monitor.
    private void write(Snapshot saved) throws IOException {
        if (saved.segment() != null) {
            segments.force(saved.segment());
        }
        state.write(saved.content());
    }
}
