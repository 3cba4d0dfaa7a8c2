package loghost.store;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Forces one host's day file to disk outside the host's lock, so that appends go on meanwhile (group commit), and
 * saves its streams' positions as of what was synced. One sync at a time (its own lock, taken before the host's,
 * never inside it); a rollover of the file waits for a sync of it still running ({@link #awaitBeforeRollover}).
 */
final class DaySync {

    // The operator's log lines keep the logger name they have always had: these are HostLog's events.
    private static final Logger LOG = LoggerFactory.getLogger(HostLog.class);

    private final String host;
    private final Object hostLock;
    private final Object syncLock = new Object();
    private final DayFile file;
    private final StreamPositions streams;
    // The day file whose fsync runs outside the host's lock, or null; guarded by hostLock.
    private RandomAccessFile syncing;

    /** The sync of {@code file} and {@code streams}, both guarded by {@code hostLock} (the host's log). */
    DaySync(String host, Object hostLock, DayFile file, StreamPositions streams) {
        this.host = host;
        this.hostLock = hostLock;
        this.file = file;
        this.streams = streams;
    }

    /**
     * Waits, with the host's lock held, before a record of {@code day} or the housekeeping timer would end the
     * current day file, for an fsync of that file still running outside the lock to finish. Two fsyncs of one file
     * at once would share one writeback error between them: Linux reports it to one caller only, so the other
     * could report records on disk that are not, or the rollover could close the file under a failing sync. The
     * caller decides whether to roll over only after this returns, under the lock, since the wait lets other
     * appends in.
     */
    void awaitBeforeRollover(long day) throws StorageException {
        while (syncing != null && syncing == file.current() && day > file.day()) {
            try {
                hostLock.wait();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new StorageException("interrupted while the log of host " + host + " was being synced", e);
            }
        }
    }

    /**
     * Forces records written since the last sync to disk; on a {@code sweep}, parks a file with nothing written
     * since the previous sweep (see {@link DayFile#toSync}).
     */
    void sync(boolean sweep) throws StorageException {
        // One sync at a time: a caller that finds nothing dirty while another's fsync is still running must wait
        // for it, because that fsync is what covers the caller's records (an ACK may follow this return).
        synchronized (syncLock) {
            syncOnce(sweep);
        }
    }

    private void syncOnce(boolean sweep) throws StorageException {
        RandomAccessFile synced;
        String day;
        long size;
        Map<String, Long> positions;
        synchronized (hostLock) {
            file.checkInService();
            synced = file.toSync(sweep);
            if (synced == null) {
                return;
            }
            syncing = synced;
            day = file.name();
            size = file.size();
            positions = streams.snapshot();
        }
        force(synced);
        try {
            // Positions as of the synced size only: a later position could name a record that is not durable.
            streams.save(day, size, positions);
        } catch (IOException e) {
            // The log is intact; recovery falls back to scanning it.
            LOG.warn("stream-state-not-saved host={} reason=\"{}\"", host, e.getMessage());
        }
    }

    private void force(RandomAccessFile synced) throws StorageException {
        IOException failed = null;
        try {
            synced.getFD().sync();
        } catch (IOException e) {
            failed = e;
        } finally {
            synchronized (hostLock) {
                syncing = null;
                if (failed != null) {
                    // After a failed fsync the kernel may have dropped the pages: nothing written since is
                    // trustworthy. (No rollover closed the file meanwhile: it waits for this fsync.)
                    file.breakWith("fsync failed: " + failed.getMessage());
                }
                hostLock.notifyAll();
            }
        }
        if (failed != null) {
            throw new StorageException("fsync of host " + host + " failed: " + failed.getMessage(), failed);
        }
    }
}
