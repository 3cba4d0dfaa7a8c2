package loghost.ssh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.sshd.common.future.CloseFuture;
import org.apache.sshd.common.future.SshFutureListener;
import org.apache.sshd.common.io.AbstractIoWriteFuture;
import org.apache.sshd.common.io.IoOutputStream;
import org.apache.sshd.common.io.IoWriteFuture;
import org.apache.sshd.common.util.buffer.Buffer;
import org.junit.jupiter.api.Test;

class AsyncOutputTest {

    /** A channel stream whose writes complete only when the test says so, as a client that reads slowly. */
    private static final class SlowClient implements IoOutputStream {
        final List<String> sent = new ArrayList<>();
        final List<AbstractIoWriteFuture> inFlight = new ArrayList<>();

        @Override
        public IoWriteFuture writeBuffer(Buffer buffer) {
            if (!inFlight.isEmpty() && !inFlight.get(inFlight.size() - 1).isDone()) {
                throw new IllegalStateException("two writes in flight");
            }
            sent.add(new String(buffer.array(), buffer.rpos(), buffer.available(), StandardCharsets.US_ASCII));
            AbstractIoWriteFuture f = new AbstractIoWriteFuture(this, null) { };
            inFlight.add(f);
            return f;
        }

        void completeLast() {
            inFlight.get(inFlight.size() - 1).setValue(Boolean.TRUE);
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
            // never closes
        }

        @Override
        public void removeCloseFutureListener(SshFutureListener<CloseFuture> listener) {
            // never closes
        }

        @Override
        public CloseFuture close(boolean immediately) {
            throw new UnsupportedOperationException();
        }
    }

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    @Test
    void writesGoOutInOrderOneAtATimeAndANewerAckReplacesOneStillWaiting() {
        SlowClient client = new SlowClient();
        AsyncOutput out = new AsyncOutput(client);
        assertTrue(out.write(b("welcome")));
        assertTrue(out.writeAck(b("ack1")));
        assertTrue(out.writeAck(b("ack2"))); // replaces ack1, which has not started going out
        assertTrue(out.write(b("receipt2")));
        assertTrue(out.writeAck(b("ack3"))); // after a receipt: queued, nothing replaced
        boolean[] done = {false};
        out.whenWritten(() -> done[0] = true);
        for (int i = 0; i < 3; i++) {
            assertFalse(done[0]);
            client.completeLast();
        }
        client.completeLast();
        assertTrue(done[0]);
        assertEquals(List.of("welcome", "ack2", "receipt2", "ack3"), client.sent);
    }

    @Test
    void aClientThatStopsReadingFillsTheQueueAndIsToldSo() {
        SlowClient client = new SlowClient();
        AsyncOutput out = new AsyncOutput(client);
        assertTrue(out.write(b("in flight, never completed")));
        for (int i = 0; i < AsyncOutput.MAX_WAITING; i++) {
            assertTrue(out.write(b("receipt " + i)), "write " + i);
        }
        assertFalse(out.write(b("one too many")));
        assertFalse(out.writeAck(b("an ack after a receipt is one too many as well")));
        assertEquals(1, client.sent.size());
    }
}
