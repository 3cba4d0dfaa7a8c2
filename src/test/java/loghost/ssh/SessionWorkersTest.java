package loghost.ssh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import loghost.store.LineBatch;
import loghost.store.RecordType;
import loghost.testing.Await;
import org.junit.jupiter.api.Test;

/** The shared workers while the server stops: a session's next turn, handed over then, still runs. */
class SessionWorkersTest {

    @Test
    void aTurnRunInsideAnotherOnOneThreadGetsABatchOfItsOwn() throws Exception {
        SessionWorkers workers = new SessionWorkers();
        try {
            LineBatch outer = workers.lendBatch();
            byte[] line = "held by the outer turn".getBytes(StandardCharsets.US_ASCII);
            outer.add(RecordType.LOG, line, 0, line.length);
            LineBatch inner = workers.lendBatch(); // a turn the stopped pool ran here, inside the outer one
            assertNotSame(outer, inner);
            workers.giveBack(inner);
            assertEquals(1, outer.count(), "the inner turn left the outer turn's batch alone");
            workers.giveBack(outer);
            assertSame(outer, workers.lendBatch(), "the thread's own batch, lent again, empty");
            assertEquals(0, outer.count());
        } finally {
            workers.close(Duration.ofSeconds(30));
        }
    }

    @Test
    void aTurnHandedOverWhileTheWorkersStopStillRuns() throws Exception {
        SessionWorkers workers = new SessionWorkers();
        CountDownLatch inTurn = new CountDownLatch(1);
        CountDownLatch stopped = new CountDownLatch(1);
        AtomicInteger turns = new AtomicInteger();
        // A session with more input than one turn takes: its turn hands over the next one as it ends.
        workers.execute(() -> {
            turns.incrementAndGet();
            inTurn.countDown();
            try {
                assertTrue(stopped.await(30, TimeUnit.SECONDS));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            workers.execute(turns::incrementAndGet);
        });
        assertTrue(inTurn.await(30, TimeUnit.SECONDS));

        Thread closer = new Thread(() -> {
            try {
                workers.close(Duration.ofSeconds(30));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        closer.start();
        // close() shuts the pool down, then waits for it: once the closer waits, the pool refuses new tasks.
        Await.until(() -> "the closer waiting for the pool", () -> closer.getState() == Thread.State.TIMED_WAITING);
        stopped.countDown();
        closer.join(TimeUnit.SECONDS.toMillis(60));

        assertEquals(2, turns.get(), "the turn handed over after the shutdown was dropped");
    }
}
