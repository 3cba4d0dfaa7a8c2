package loghost.forward;

import java.io.IOException;
import java.security.KeyPair;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One {@link Sender} per destination, each on its own thread, and the watch over them: the lag rule's loud
 * report, a destination whose host key is refused stopped alone (the others go on), and the end of a stdin run:
 * when every destination has everything, except those that lag beyond the max lag and do not answer.
 */
final class Deliveries {

    private static final Logger LOG = LoggerFactory.getLogger(Deliveries.class);
    /** How often the destinations' positions are saved in the spool state when they moved. */
    private static final java.time.Duration CHECKPOINT = java.time.Duration.ofSeconds(10);
    /** How often the lag rule is looked at. */
    private static final java.time.Duration LAG_CHECK = java.time.Duration.ofSeconds(2);

    private final ForwardSettings settings;
    private final List<Destination> destinations;
    private final Spool spool;
    private final KeyPair key;
    private final Sender.FailureAware done;
    private final List<String> refused = new ArrayList<>();
    private final List<String> behind = new ArrayList<>();
    /** Released by each destination's thread as it ends, so the watch notices at once instead of at its next look. */
    private final java.util.concurrent.Semaphore ended = new java.util.concurrent.Semaphore(0);

    /** Deliveries of {@code spool} to {@code destinations} (parsed from the settings' {@code to}). */
    Deliveries(ForwardSettings settings, List<Destination> destinations, Spool spool, KeyPair key,
               Sender.FailureAware done) {
        this.settings = settings;
        this.destinations = destinations;
        this.spool = spool;
        this.key = key;
        this.done = done;
    }

    /** What stopped a destination's thread: nothing (delivered), a refused host key, or another failure. */
    private static final class Lane {
        final Sender sender;
        Thread thread;
        volatile boolean finished;
        /** Set as the thread's last act, before {@link #ended} is released. */
        volatile boolean over;
        volatile String refusal;
        volatile Exception failure;

        Lane(Sender sender) {
            this.sender = sender;
        }
    }

    /** Delivers until the source is done and every destination has all (or lags), or until interrupted. */
    void run() throws IOException, InterruptedException {
        List<Lane> lanes = new ArrayList<>();
        List<Destination> ds = destinations;
        for (int i = 0; i < ds.size(); i++) {
            // The acknowledgement log (a latency measurement) follows the first destination only.
            lanes.add(new Lane(new Sender(settings, spool, key, ds.get(i), i == 0 ? settings.ackLog() : null)));
        }
        try {
            for (Lane l : lanes) {
                l.thread = new Thread(() -> deliver(l), "loghost-forward-to-" + l.sender.destination().name());
                l.thread.setDaemon(true);
                l.thread.start();
            }
            watch(lanes);
        } finally {
            for (Lane l : lanes) {
                l.thread.interrupt();
            }
            for (Lane l : lanes) {
                l.thread.join(TimeUnit.SECONDS.toMillis(20));
            }
        }
        spool.checkFailed();
        for (Lane l : lanes) {
            if (l.failure != null) {
                throw l.failure instanceof IOException io ? io : new IOException(l.failure);
            }
            if (l.refusal != null) {
                refused.add(l.refusal);
            } else if (!l.finished) {
                Destination d = l.sender.destination();
                behind.add(d.name() + " has acknowledged up to cseq " + spool.acknowledgements().acked(d) + " of "
                        + spool.lastCseq());
            }
        }
    }

    // Watches the lanes until every one ended, one failed, or a stdin run may end; meanwhile the lag rule and the
    // checkpoints of the spool state run here.
    private void watch(List<Lane> lanes) throws IOException, InterruptedException {
        long checkpoint = System.nanoTime();
        long lagCheck = 0;
        while (true) {
            spool.checkFailed(); // a spool that cannot be written stops everything: nothing after it is sent
            // Each check may read a segment to learn when a missing entry was spooled: every 2 s is enough for a
            // rule measured in minutes or hours.
            if (System.nanoTime() - lagCheck > LAG_CHECK.toNanos()) {
                spool.checkLag();
                lagCheck = System.nanoTime();
            }
            if (System.nanoTime() - checkpoint > CHECKPOINT.toNanos()) {
                spool.checkpoint();
                checkpoint = System.nanoTime();
            }
            boolean allEnded = true;
            boolean failed = false;
            for (Lane l : lanes) {
                allEnded &= l.over || !l.thread.isAlive();
                failed |= l.failure != null;
            }
            // A sender that failed (not a connection: those it retries) ends the forwarder, so that its supervisor
            // starts it again, as a single loghost's forwarder always did.
            if (allEnded || failed) {
                return;
            }
            if (done.getAsBoolean() && !done.failed() && onlyLaggingLeft(lanes)) {
                return;
            }
            ended.tryAcquire(500, TimeUnit.MILLISECONDS);
        }
    }

    // A stdin run ends once every destination still running lags and its last connection attempt failed: waiting
    // for one that is down longer than the max lag would hold the end back without bound; one that answers is
    // catching up.
    private boolean onlyLaggingLeft(List<Lane> lanes) {
        List<String> lagging = spool.acknowledgements().lagging();
        for (Lane l : lanes) {
            Destination d = l.sender.destination();
            if (l.thread.isAlive() && (!lagging.contains(d.name()) || !d.unreachable)) {
                return false;
            }
        }
        return true;
    }

    private void deliver(Lane l) {
        try {
            l.sender.run(done);
            l.finished = true;
        } catch (HostKeyRefusedException e) {
            l.refusal = e.getMessage();
            LOG.error("host-key-refused to={} reason=\"{}\": nothing is sent to it until the forwarder is "
                    + "restarted with a known_hosts that lists its key", l.sender.destination(), e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException | RuntimeException e) {
            l.failure = e;
            LOG.error("delivery-failed to={} reason=\"{}\"", l.sender.destination(), e.toString());
        } finally {
            l.over = true;
            ended.release();
        }
    }

    /** The refusal messages of destinations whose host key was refused. */
    List<String> refused() {
        return refused;
    }

    /** For each destination that does not have everything at the end of a stdin run, how far it got. */
    List<String> behind() {
        return behind;
    }
}
