package loghost.ssh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class AsyncOutputTest {

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    @Test
    void writesGoOutInOrderOneAtATimeAndANewerAckReplacesOneStillWaiting() {
        FakeChannelOutput client = new FakeChannelOutput(false);
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
            client.completeWrite();
        }
        client.completeWrite();
        assertTrue(done[0]);
        assertEquals(List.of("welcome", "ack2", "receipt2", "ack3"), client.writes());
    }

    @Test
    void aClientThatStopsReadingFillsTheQueueAndIsToldSo() {
        FakeChannelOutput client = new FakeChannelOutput(false);
        AsyncOutput out = new AsyncOutput(client);
        assertTrue(out.write(b("in flight, never completed")));
        for (int i = 0; i < AsyncOutput.MAX_WAITING; i++) {
            assertTrue(out.write(b("receipt " + i)), "write " + i);
        }
        assertFalse(out.write(b("one too many")));
        assertFalse(out.writeAck(b("an ack after a receipt is one too many as well")));
        assertEquals(1, client.writes().size());
    }

    @Test
    void aChannelThatIsGoneIsNotAClientThatStoppedReading() {
        FakeChannelOutput client = new FakeChannelOutput(false);
        AsyncOutput out = new AsyncOutput(client);
        assertTrue(out.write(b("welcome")));
        assertTrue(out.writeAck(b("ack1")));
        boolean[] done = {false};
        out.whenWritten(() -> done[0] = true);
        client.failWrite(); // the connection dropped
        assertTrue(done[0], "what waited for the writes runs when they cannot be made");
        for (int i = 0; i <= AsyncOutput.MAX_WAITING; i++) {
            assertTrue(out.write(b("receipt " + i)), "write " + i + " after the channel went");
        }
        assertEquals(List.of("welcome"), client.writes());
    }
}
