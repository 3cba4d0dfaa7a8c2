import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import loghost.store.DigestAlgorithm;
import loghost.store.LineBatch;
import loghost.store.LogStore;
import loghost.store.RecordType;
import loghost.store.SyncPolicy;

/**
 * bench/compress helper: closes HOST's current day file the way midnight does, by appending one record through the
 * store with a clock set to the next UTC day (the server has no clock setting yet). Usage: CloseDay DATA HOST.
 */
public class CloseDay {
    // store.fsync-interval's default (1s), as a configured server syncs; no metrics to tell.
    private static final SyncPolicy SYNC = new SyncPolicy(Duration.ofSeconds(1), nanos -> { });

    public static void main(String[] a) throws Exception {
        Clock tomorrow = Clock.fixed(LocalDate.now(ZoneOffset.UTC).plusDays(1).atStartOfDay().toInstant(ZoneOffset.UTC),
                ZoneOffset.UTC);
        try (LogStore store = new LogStore(Path.of(a[0]).resolve("hosts"), DigestAlgorithm.SHA256, tomorrow, SYNC)) {
            LineBatch b = new LineBatch();
            byte[] raw = "bench: next day".getBytes(StandardCharsets.US_ASCII);
            b.add(RecordType.LOG, raw, 0, raw.length);
            store.host(a[1]).append(b);
        }
    }
}
