package loghost.store;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import loghost.testing.Stores;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import loghost.testing.ManualClock;

/** The log is the truth for each stream's last cseq: a rebuilt position is the one the server had before. */
class StreamPositionsTest {

    @TempDir
    Path dir;

    private static void append(HostLog log, String stream, long cseq, String line) throws StorageException {
        LineBatch b = new LineBatch();
        b.stream(stream);
        byte[] raw = line.getBytes(StandardCharsets.UTF_8);
        b.add(RecordType.LOG, raw, 0, raw.length, cseq);
        log.append(b);
    }

    @Test
    void everyCseqTheServerCanWriteIsFoundAgainWhenThePositionsAreRebuiltFromTheLog() throws Exception {
        Path hosts = dir.resolve("data/hosts");
        LogStore store = Stores.open(hosts, DigestAlgorithm.SHA256, Clock.systemUTC());
        append(store.host("web01"), "a", 999_999_999_999_999_999L, "18 digits");
        append(store.host("web01"), "b", Long.MAX_VALUE, "19 digits: a stream poisoned before the skip bound");
        append(store.host("web01"), "c", 7, "small");
        assertEquals(Long.MAX_VALUE, store.host("web01").streamPosition("b"));
        store.close();

        Files.delete(dir.resolve("data/streams/web01")); // lost: rebuilt by scanning the whole log
        store = Stores.open(hosts, DigestAlgorithm.SHA256, Clock.systemUTC());
        HostLog log = store.host("web01");
        assertEquals(999_999_999_999_999_999L, log.streamPosition("a"));
        assertEquals(Long.MAX_VALUE, log.streamPosition("b"));
        assertEquals(7, log.streamPosition("c"));
        store.close();
    }

    @Test
    void aStreamWhoseLastRecordIsInACompressedDayIsFoundWhenThePositionsAreRebuilt() throws Exception {
        Path hosts = dir.resolve("data/hosts");
        ManualClock clock = new ManualClock("2026-11-22T10:00:00.000Z");
        LogStore store = Stores.open(hosts, DigestAlgorithm.SHA256, clock);
        append(store.host("web01"), "old", 41, "last line of a stream that went quiet");
        clock.millis += 86_400_000L;
        append(store.host("web01"), "new", 3, "the next day");
        store.close();
        loghost.testing.Run.Result r = loghost.testing.Cli.run(dir.resolve("data"), "compress");
        assertEquals(0, r.exit(), r::toString);
        assertEquals(true, Files.exists(hosts.resolve("web01/2026-11-22.log.gz")), r::toString);

        Files.delete(dir.resolve("data/streams/web01"));
        store = Stores.open(hosts, DigestAlgorithm.SHA256, clock);
        // Without the compressed day, "old" would restart at 0 and accept cseq 1..41 a second time.
        assertEquals(41, store.host("web01").streamPosition("old"));
        assertEquals(3, store.host("web01").streamPosition("new"));
        store.close();
    }
}
