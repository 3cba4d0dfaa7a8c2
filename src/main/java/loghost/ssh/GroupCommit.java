package loghost.ssh;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import loghost.store.HostLog;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Group commit across sessions: a session that appended records and must acknowledge them asks for a sync of
 * its host's log; one fsync then covers every session of that host that asked before it began. While it runs,
 * sessions keep appending, and the next round covers them. Each round is one task on the fsync threads, so a
 * busy host never keeps a thread from the others.
 */
final class GroupCommit {

    /** A session waiting for its records to be on disk. */
    interface Waiter {
        /** Called just before the fsync starts: whatever this session appended until now is what it covers. */
        void capture();

        /** The fsync covering what {@link #capture} saw has completed. */
        void synced();

        /** The fsync failed (or the log is out of service): nothing captured may be reported as on disk. */
        void failed(Throwable e);
    }

    private static final Logger LOG = LoggerFactory.getLogger(GroupCommit.class);

    private final Executor syncs;
    // Per log with waiters: who waits, and whether a round is queued or running. Guarded by this.
    private final Map<HostLog, Round> rounds = new HashMap<>();

    GroupCommit(Executor syncs) {
        this.syncs = syncs;
    }

    private static final class Round {
        final HostLog log;
        final LinkedHashSet<Waiter> waiting = new LinkedHashSet<>();
        boolean queued;

        Round(HostLog log) {
            this.log = log;
        }
    }

    /** Calls {@code w} back once {@code log} is synced up to what {@code w} captures; a waiter waits once. */
    void request(HostLog log, Waiter w) {
        Round r;
        synchronized (this) {
            r = rounds.computeIfAbsent(log, Round::new);
            r.waiting.add(w);
            if (r.queued) {
                return;
            }
            r.queued = true;
        }
        syncs.execute(() -> run(r));
    }

    private void run(Round r) {
        List<Waiter> now;
        synchronized (this) {
            now = new ArrayList<>(r.waiting);
            r.waiting.clear();
        }
        for (Waiter w : now) {
            w.capture(); // copies a few fields under the waiter's lock
        }
        Throwable failure = null;
        try {
            r.log.sync();
        } catch (Throwable e) { // a StorageException, or an exhausted JVM: every waiter must hear of it
            failure = e;
        }
        for (Waiter w : now) {
            try {
                if (failure == null) {
                    w.synced();
                } else {
                    w.failed(failure);
                }
            } catch (RuntimeException | Error e) {
                // A waiter handles its own failures; one that still throws must not keep the others waiting.
                LOG.error("ack-callback-failed host={} reason={}", r.log.host(), Refusals.quote(e.toString()), e);
            }
        }
        boolean again;
        synchronized (this) {
            again = !r.waiting.isEmpty();
            if (!again) {
                r.queued = false;
                rounds.remove(r.log);
            }
        }
        if (again) {
            // To the back of the queue: the other hosts' rounds go first.
            syncs.execute(() -> run(r));
        }
    }
}
