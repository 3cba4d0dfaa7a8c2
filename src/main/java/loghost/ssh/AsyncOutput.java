package loghost.ssh;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import org.apache.sshd.common.io.IoOutputStream;
import org.apache.sshd.common.io.IoWriteFuture;
import org.apache.sshd.common.util.buffer.ByteArrayBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One channel stream (stdout or stderr) written without blocking the caller: MINA allows one write in flight,
 * so the rest wait here in order. An acknowledgement replaces one still waiting (the newer covers the older),
 * so a client that reads slowly does not make the queue grow with its traffic; one that stops reading for good
 * fills it to {@link #MAX_WAITING} and then its session ends.
 */
final class AsyncOutput {

    private static final Logger LOG = LoggerFactory.getLogger(AsyncOutput.class);
    /** Writes waiting behind the one in flight, at most. */
    static final int MAX_WAITING = 256;

    private record Pending(byte[] bytes, boolean ack) {
    }

    private final IoOutputStream out;
    private final ArrayDeque<Pending> waiting = new ArrayDeque<>();
    private final List<Runnable> whenDone = new ArrayList<>();
    private boolean writing;
    private boolean broken;

    AsyncOutput(IoOutputStream out) {
        this.out = out;
    }

    /**
     * Queues {@code bytes}; false when the client has stopped reading (the queue is full). Once the channel is gone
     * writes are dropped (true): the session is ending anyway, and its input says how.
     */
    boolean write(byte[] bytes) {
        return enqueue(bytes, false);
    }

    /**
     * Queues an acknowledgement; if the last one queued has not started going out, this one replaces it. False as
     * for {@link #write}.
     */
    boolean writeAck(byte[] bytes) {
        return enqueue(bytes, true);
    }

    private boolean enqueue(byte[] bytes, boolean ack) {
        synchronized (this) {
            if (broken) {
                return true;
            }
            if (ack && !waiting.isEmpty() && waiting.peekLast().ack()) {
                waiting.pollLast();
            }
            if (waiting.size() >= MAX_WAITING) {
                return false;
            }
            waiting.add(new Pending(bytes, ack));
            if (writing) {
                return true;
            }
            writing = true;
        }
        pump();
        return true;
    }

    /** Runs {@code action} once everything queued so far has gone out, or could not (the channel is gone). */
    void whenWritten(Runnable action) {
        synchronized (this) {
            if (writing) {
                whenDone.add(action);
                return;
            }
        }
        action.run();
    }

    // Writes the queue out, one write in flight; continues from the write's completion.
    private void pump() {
        Pending next;
        List<Runnable> done = null;
        synchronized (this) {
            next = broken ? null : waiting.poll();
            if (next == null) {
                writing = false;
                done = new ArrayList<>(whenDone);
                whenDone.clear();
            }
        }
        if (next == null) {
            done.forEach(Runnable::run);
            return;
        }
        IoWriteFuture f;
        try {
            f = out.writeBuffer(new ByteArrayBuffer(next.bytes()));
        } catch (IOException | RuntimeException e) {
            broke(e);
            return;
        }
        f.addListener(written -> {
            if (written.isWritten()) {
                pump();
            } else {
                broke(written.getException());
            }
        });
    }

    private void broke(Throwable e) {
        LOG.debug("output-lost reason={}", e == null ? "-" : e.toString());
        synchronized (this) {
            broken = true;
            waiting.clear();
        }
        pump();
    }
}
