package loghost.forward;

import java.io.IOException;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The spool's sync gate: the highest cseq known to be on disk (what a sender may send), the senders waiting for it
 * to move, and the spool's failure. Everything here is guarded by this object's own monitor, the innermost lock of
 * the spool (see {@link Spool}): nothing is called from here while it is held, except logging.
 */
final class SyncGate {

    private static final Logger LOG = LoggerFactory.getLogger(SyncGate.class);

    private final Path dir;
    private long syncedCseq;
    /** Counts the events a waiting sender acts on besides a sync (an ACK, the source's end). */
    private long senderEvents;
    /** Set at the first write or fsync that fails; from then on nothing counts as synced. Volatile: read unlocked. */
    private volatile SpoolFailedException failure;

    /** A gate for the spool in {@code dir} whose entries up to {@code synced} are on disk. */
    SyncGate(Path dir, long synced) {
        this.dir = dir;
        this.syncedCseq = synced;
    }

    /** Throws the spool's failure, once a write or fsync of it failed: the forwarder must stop. */
    void checkFailed() throws SpoolFailedException {
        SpoolFailedException f = failure;
        if (f != null) {
            throw f;
        }
    }

    /** True once a write or fsync failed. */
    boolean failed() {
        return failure != null;
    }

    /**
     * Stops the spool for good at the first failure of a write or an fsync of {@code f}: what it wrote since the last
     * good fsync may or may not be on disk (a failed fsync may have dropped it, and is not reported again), so it is
     * never counted as synced and never sent; a restart recovers what is on disk. Returns the (first) failure.
     */
    synchronized SpoolFailedException fail(Path f, IOException e) {
        if (failure == null) {
            LOG.error("spool-failed dir={} file={} synced={} reason=\"{}\": nothing more is spooled or sent; "
                    + "the forwarder stops", dir, f.getFileName(), syncedCseq, e.getMessage());
            failure = new SpoolFailedException("spool " + dir + " cannot be written: " + e.getMessage() + " ("
                    + f.getFileName() + "); entries after cseq " + syncedCseq + " are not known to be on disk and "
                    + "were not sent; restart once the disk is fixed (the spool is recovered from what is on disk)",
                    e);
        }
        wakeSenders();
        return failure;
    }

    /** Entries up to {@code upTo} are on disk (an fsync that began after they were written returned). */
    synchronized void synced(long upTo) throws SpoolFailedException {
        checkFailed(); // a failure meanwhile may concern what this fsync covered
        syncedCseq = Math.max(syncedCseq, upTo);
        notifyAll();
    }

    /** The highest cseq on disk. */
    synchronized long synced() {
        return syncedCseq;
    }

    /**
     * Waits up to {@code millis} for entries beyond {@code cseq} to be on disk, or for {@link #wakeSenders}; returns
     * the synced cseq.
     */
    synchronized long await(long cseq, long millis) throws InterruptedException, SpoolFailedException {
        checkFailed();
        long end = System.currentTimeMillis() + millis;
        long events = senderEvents;
        while (syncedCseq <= cseq && senderEvents == events) {
            long left = end - System.currentTimeMillis();
            if (left <= 0) {
                break;
            }
            wait(left);
        }
        checkFailed();
        return syncedCseq;
    }

    /** Wakes the senders waiting in {@link #await}: something they decide on changed. */
    synchronized void wakeSenders() {
        senderEvents++;
        notifyAll();
    }
}
