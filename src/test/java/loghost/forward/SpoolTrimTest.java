package loghost.forward;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.reflect.Field;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import loghost.protocol.Frames;
import loghost.testing.Await;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Deleting acknowledged segments fsyncs the segment being written and the state file, then deletes: none of that
 * may stop a source from appending (issue 19: {@code trim} did it all holding the spool's monitor).
 */
class SpoolTrimTest {

    @TempDir
    Path dir;

    @Test
    void sourceAppendsWhileATrimWaitsForItsFsync() throws Exception {
        // A 64 KiB spool has 16 KiB segments: 20 entries of ~1 KB fill the one from cseq 1 and start the next.
        try (Spool spool = Spool.open(dir, 64 << 10)) {
            Destination d = Destination.parse("127.0.0.1:1");
            spool.acknowledgements().bind(List.of(d), StreamIdentity.open(spool, "t"), Duration.ofHours(1));
            for (int i = 1; i <= 20; i++) {
                spool.append(Frames.LINE, null, -1, new byte[1000]);
            }
            assertEquals(20, spool.sync());
            Path first = dir.resolve(String.format("%020d.seg", 1));
            assertTrue(Files.exists(first));

            Thread acker = new Thread(() -> {
                try {
                    spool.acknowledgements().acked(d, 16);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }, "acker");
            FutureTask<Long> append = new FutureTask<>(() -> spool.append(Frames.LINE, null, -1, new byte[10]));
            Thread source = new Thread(append, "source");
            // Holding the fsync lock stands for a slow disk (one that cannot be made for real here): the trim the
            // acknowledgement starts waits in its fsync.
            Object fsyncLock = fsyncLock(spool);
            synchronized (fsyncLock) {
                acker.start();
                awaitBlockedOn(acker, fsyncLock);
                source.start();
                while (!append.isDone() && source.getState() != Thread.State.BLOCKED) {
                    Thread.onSpinWait();
                }
                assertTrue(append.isDone(), "the source waited for the trim's fsync (it is BLOCKED)");
                assertEquals(21, append.get());
            }
            acker.join(TimeUnit.MINUTES.toMillis(3));
            assertFalse(acker.isAlive());
            assertFalse(Files.exists(first), "the acknowledged segment is deleted once the state is saved");
            String state = Files.readString(dir.resolve(SpoolState.FILE), StandardCharsets.US_ASCII);
            assertTrue(state.contains("\ndest 127.0.0.1:1 16 "), state);
        }
    }

    // Waits until t is blocked entering lock's monitor (not any other).
    private static void awaitBlockedOn(Thread t, Object lock) throws Exception {
        Await.until(() -> t.getName() + " waiting for the fsync lock", () -> {
            ThreadInfo info = ManagementFactory.getThreadMXBean().getThreadInfo(t.getId());
            return info != null && info.getThreadState() == Thread.State.BLOCKED && info.getLockInfo() != null
                    && info.getLockInfo().getIdentityHashCode() == System.identityHashCode(lock);
        });
    }

    // The lock every segment fsync is taken under (Spool.forceLock on 7cc485c, now the spool's Segments').
    private static Object fsyncLock(Spool spool) throws ReflectiveOperationException {
        Field segments = Spool.class.getDeclaredField("segments");
        segments.setAccessible(true);
        Field f = Segments.class.getDeclaredField("forceLock");
        f.setAccessible(true);
        return f.get(segments.get(spool));
    }
}
