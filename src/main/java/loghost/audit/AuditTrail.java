package loghost.audit;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import loghost.store.HostLog;
import loghost.store.LineBatch;
import loghost.store.RecordType;
import loghost.store.StorageException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The loghost's own security events, written as {@code audit} records into the reserved host {@code _loghost},
 * so that {@code verify} covers them like any host's log. Events are queued and written by one thread, so that
 * a refusal on a network thread never waits for the disk. Nothing is dropped silently: events that did not fit
 * the queue, events whose write failed (a full disk), and refusals beyond the rate limit, are counted; the counts
 * are kept until a write succeeds and are written first in it, as records of their own.
 */
public final class AuditTrail implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(AuditTrail.class);
    private static final int QUEUE = 10_000;
    private static final int BATCH = 1_000;

    private final HostLog log;
    private final BlockingQueue<String> queue = new ArrayBlockingQueue<>(QUEUE);
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong suppressed = new AtomicLong();
    private volatile TokenBucket refusalRate;
    private final Thread writer;
    private volatile boolean closing;
    private boolean failing;

    /** An audit trail appending to {@code log}, admitting refusals at up to {@code refusalsPerSecond} (burst 10×). */
    public AuditTrail(HostLog log, int refusalsPerSecond) {
        this.log = log;
        this.refusalRate = new TokenBucket(10L * refusalsPerSecond, refusalsPerSecond);
        this.writer = new Thread(this::drain, "loghost-audit");
        this.writer.setDaemon(true);
        this.writer.start();
    }

    /** Changes the refusal rate limit (SIGHUP); the burst allowance starts full again. */
    public void refusalsPerSecond(int perSecond) {
        refusalRate = new TokenBucket(10L * perSecond, perSecond);
    }

    /** Records a security event (always written, unless the queue is full: then counted). */
    public void event(String message) {
        if (!queue.offer(message)) {
            dropped.incrementAndGet();
        }
    }

    /** Records a refusal, subject to the rate limit (a flood of refusals is summarised by a count). */
    public void refusal(String message) {
        if (refusalRate.tryTake()) {
            event(message);
        } else {
            suppressed.incrementAndGet();
        }
    }

    private void drain() {
        List<String> pending = new ArrayList<>(BATCH);
        while (!closing || !queue.isEmpty()) {
            try {
                String first = queue.poll(200, TimeUnit.MILLISECONDS);
                if (first != null) {
                    pending.add(first);
                    queue.drainTo(pending, BATCH - 1);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                closing = true;
            }
            write(pending);
            pending.clear();
        }
        write(pending);
        if (dropped.get() + suppressed.get() > 0) {
            // The last write failed: these counts can reach the operator's log only.
            LOG.error("audit-lost-at-stop dropped={} refusals-suppressed={}", dropped.get(), suppressed.get());
        }
    }

    // Runs on the writer thread only. The counts go first: they account for events older than these messages.
    private void write(List<String> messages) {
        long s = suppressed.getAndSet(0);
        long d = dropped.getAndSet(0);
        if (messages.isEmpty() && s == 0 && d == 0) {
            return;
        }
        LineBatch batch = new LineBatch(false);
        if (d > 0) {
            add(batch, "audit-dropped count=" + d + " (audit queue full or write failed)");
        }
        if (s > 0) {
            add(batch, "refusals-suppressed count=" + s + " (over the audit rate limit; see the operational log)");
        }
        for (String m : messages) {
            add(batch, m);
        }
        try {
            log.append(batch);
            if (failing) {
                failing = false;
                LOG.warn("audit-write-resumed dropped={} (written as an audit-dropped record)", d);
            }
        } catch (StorageException e) {
            // A failed append leaves nothing of the batch in the log: carry both counts over, with the lost
            // messages added, so that the next write that works accounts for every event (retried at each poll).
            long total = dropped.addAndGet(d + messages.size());
            suppressed.addAndGet(s);
            // Logged when events are lost, not at every retry of the counts alone: a full disk is one incident.
            if (!messages.isEmpty() || !failing) {
                LOG.error("audit-write-failed events={} dropped-total={} reason=\"{}\"", messages.size(), total,
                        e.getMessage());
            }
            failing = true;
        }
    }

    private static void add(LineBatch batch, String message) {
        byte[] raw = message.getBytes(StandardCharsets.UTF_8);
        batch.add(RecordType.AUDIT, raw, 0, raw.length);
    }

    /** Writes what is queued and stops the writer, waiting at most 10 s. */
    @Override
    public void close() throws InterruptedException {
        close(Duration.ofSeconds(10));
    }

    /** Writes what is queued and stops the writer, waiting at most {@code within}; false if it still writes. */
    public boolean close(Duration within) throws InterruptedException {
        closing = true;
        writer.join(Math.max(1, within.toMillis()));
        return !writer.isAlive();
    }
}
