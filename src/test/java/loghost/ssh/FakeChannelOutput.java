package loghost.ssh;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.sshd.common.future.CloseFuture;
import org.apache.sshd.common.future.SshFutureListener;
import org.apache.sshd.common.io.AbstractIoWriteFuture;
import org.apache.sshd.common.io.IoOutputStream;
import org.apache.sshd.common.io.IoWriteFuture;
import org.apache.sshd.common.util.buffer.Buffer;

/**
 * A channel's output stream for tests of the commands without a connection: it keeps what is written, and its
 * writes complete at once or, for a client that reads slowly, only when the test says so. Two writes in flight
 * at once fail, as MINA's do.
 */
final class FakeChannelOutput implements IoOutputStream {

    private final boolean completeAtOnce;
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final List<String> writes = new ArrayList<>();
    private AbstractIoWriteFuture inFlight;

    FakeChannelOutput(boolean completeAtOnce) {
        this.completeAtOnce = completeAtOnce;
    }

    @Override
    public synchronized IoWriteFuture writeBuffer(Buffer buffer) {
        if (inFlight != null && !inFlight.isDone()) {
            throw new IllegalStateException("two writes in flight");
        }
        bytes.write(buffer.array(), buffer.rpos(), buffer.available());
        writes.add(new String(buffer.array(), buffer.rpos(), buffer.available(), StandardCharsets.ISO_8859_1));
        inFlight = new AbstractIoWriteFuture(this, null) { };
        AbstractIoWriteFuture f = inFlight;
        if (completeAtOnce) {
            f.setValue(Boolean.TRUE);
        }
        return f;
    }

    /** Completes the write in flight, as a client reading it. */
    void completeWrite() {
        AbstractIoWriteFuture f;
        synchronized (this) {
            f = inFlight;
        }
        f.setValue(Boolean.TRUE);
    }

    /** Fails the write in flight, as a channel that closed. */
    void failWrite() {
        AbstractIoWriteFuture f;
        synchronized (this) {
            f = inFlight;
        }
        f.setValue(new java.io.EOFException("Channel closing"));
    }

    /** Everything written, in order. */
    synchronized byte[] bytes() {
        return bytes.toByteArray();
    }

    /** Each write's bytes as ISO-8859-1 text, in order. */
    synchronized List<String> writes() {
        return List.copyOf(writes);
    }

    @Override
    public boolean isClosed() {
        return false;
    }

    @Override
    public boolean isClosing() {
        return false;
    }

    @Override
    public void addCloseFutureListener(SshFutureListener<CloseFuture> listener) {
        // Never closes.
    }

    @Override
    public void removeCloseFutureListener(SshFutureListener<CloseFuture> listener) {
        // Never closes.
    }

    @Override
    public CloseFuture close(boolean immediately) {
        throw new UnsupportedOperationException("not closed in these tests");
    }
}
