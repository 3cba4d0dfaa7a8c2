package loghost.forward;

import java.io.IOException;

/**
 * The spool's fsync thread: sources ask for a sync without waiting for it, and one fsync covers everything appended
 * while the previous one ran. Its own monitor guards only the request flag and is never held while calling out.
 */
final class GroupCommit {

    /** One sync of the spool; throws once the spool failed for good. */
    interface Sync {
        /** Writes and fsyncs what was appended. */
        void sync() throws IOException;
    }

    private final Thread thread;
    private boolean requested;

    /** Starts the thread that runs {@code sync} whenever asked. */
    GroupCommit(Sync sync) {
        thread = new Thread(() -> loop(sync), "loghost-spool-sync");
        thread.setDaemon(true);
        thread.start();
    }

    /** Asks for an fsync soon, without waiting for it. */
    synchronized void request() {
        requested = true;
        notifyAll();
    }

    /** Stops the thread. */
    void stop() {
        thread.interrupt();
    }

    private void loop(Sync sync) {
        while (true) {
            synchronized (this) {
                while (!requested) {
                    try {
                        wait();
                    } catch (InterruptedException e) {
                        return;
                    }
                }
                requested = false;
            }
            try {
                sync.sync();
            } catch (IOException e) {
                return; // the spool failed for good (SyncGate.fail said so): nothing will be synced again
            }
        }
    }
}
