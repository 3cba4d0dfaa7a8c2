package loghost.ssh;

import java.time.Duration;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import loghost.store.LineBatch;

/**
 * The threads every append-log session shares, so that a connected host costs no thread of its own: a few
 * workers that read, split, escape and append (a session's input is handled by one worker at a time, in order),
 * and the fsync threads of {@link GroupCommit}. Sessions wait for input with no thread at all.
 */
final class SessionWorkers {

    /** Fsyncs of different hosts in flight at once: the disk batches them into fewer journal commits. */
    static final int SYNC_THREADS = 8;

    private final ThreadPoolExecutor work;
    private final ThreadPoolExecutor syncs;
    private final GroupCommit commits;
    private volatile boolean stopping;
    // A worker's batch, lent to the session whose turn it runs: memory for batches grows with the workers, not
    // with the connected hosts. Lent at most once at a time: a turn run inside another on the same thread (a task
    // the stopped pool handed back to the thread that gave it) gets a batch of its own.
    private final ThreadLocal<LineBatch> batches = ThreadLocal.withInitial(LineBatch::new);
    private final ThreadLocal<boolean[]> lent = ThreadLocal.withInitial(() -> new boolean[1]);

    SessionWorkers() {
        // Appends block on the host's lock and on the page cache, not only on the CPU: twice the cores.
        int threads = Math.max(4, 2 * Runtime.getRuntime().availableProcessors());
        this.work = pool("loghost-session-", threads);
        this.syncs = pool("loghost-fsync-", SYNC_THREADS);
        this.commits = new GroupCommit(syncs);
    }

    private static ThreadPoolExecutor pool(String prefix, int threads) {
        AtomicInteger n = new AtomicInteger();
        ThreadPoolExecutor pool = new ThreadPoolExecutor(threads, threads, 0, TimeUnit.MILLISECONDS,
                new LinkedBlockingQueue<>(), r -> {
                    Thread t = new Thread(r, prefix + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        // While the server stops, a session's last steps may still be handed over (its next turn, a host's next
        // fsync round): the pool refuses them once shut down, so the thread that hands one over runs it, and what
        // the session received is stored and synced before the logs close. (The JDK's CallerRunsPolicy would
        // discard them instead: it runs a task only while the pool is not shut down.) The queue is unbounded, so
        // nothing is refused before that.
        pool.setRejectedExecutionHandler((task, refused) -> task.run());
        return pool;
    }

    /** Runs a session's next step on a worker. */
    void execute(Runnable step) {
        work.execute(step);
    }

    /** An empty batch for one turn: this thread's own, unless that is lent already; see {@link #giveBack}. */
    LineBatch lendBatch() {
        boolean[] inUse = lent.get();
        if (inUse[0]) {
            return new LineBatch();
        }
        inUse[0] = true;
        LineBatch b = batches.get();
        b.clear();
        return b;
    }

    /** Ends a turn's use of a batch from {@link #lendBatch}, leaving it empty. */
    void giveBack(LineBatch b) {
        b.clear();
        if (b == batches.get()) {
            lent.get()[0] = false;
        }
    }

    /** The fsync side: acknowledgements wait here for their records to be on disk. */
    GroupCommit commits() {
        return commits;
    }

    /** True once the server is stopping: a session that ends now was closed by the server, not lost. */
    boolean stopping() {
        return stopping;
    }

    /** Marks the server as stopping; sessions closed from now on end as {@code closed-by-server}. */
    void markStopping() {
        this.stopping = true;
    }

    /**
     * Lets the sessions' last steps finish (their records stored and synced) for at most {@code within}, both pools
     * together, then stops the threads; false when a step was still running then. Called after the SSH server has
     * closed every session.
     */
    boolean close(Duration within) throws InterruptedException {
        long end = System.nanoTime() + within.toNanos();
        markStopping();
        work.shutdown();
        boolean done = work.awaitTermination(Math.max(0, end - System.nanoTime()), TimeUnit.NANOSECONDS);
        // The sessions' last fsync rounds are queued by their last turns: the sync pool shuts down after those.
        syncs.shutdown();
        done &= syncs.awaitTermination(Math.max(0, end - System.nanoTime()), TimeUnit.NANOSECONDS);
        work.shutdownNow();
        syncs.shutdownNow();
        return done;
    }
}
