import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import loghost.store.DigestAlgorithm;
import loghost.store.HostLog;
import loghost.store.LineBatch;
import loghost.store.LineSplitter;
import loghost.store.LogStore;
import loghost.store.SyncPolicy;

/**
 * The store's ingest path without SSH: HOSTS hosts (h000, h001, ...) each get LINES syslog-like lines through the
 * same LineSplitter, LineBatch and HostLog.append that append-log uses, 32 KiB per append, one host after another
 * on one thread. Prints the rate; the data directory it leaves is what bench/run's verify case reads.
 *
 *   java -cp target/classes:target/lib/* bench/StoreLoad.java DATA HOSTS LINES
 */
public final class StoreLoad {
    // store.fsync-interval's default (1s), as a configured server syncs; no metrics to tell.
    private static final SyncPolicy SYNC = new SyncPolicy(Duration.ofSeconds(1), nanos -> { });


    public static void main(String[] a) throws Exception {
        Path data = Path.of(a[0]);
        int hosts = Integer.parseInt(a[1]);
        int lines = Integer.parseInt(a[2]);
        byte[] block = block(lines);
        long t0 = System.nanoTime();
        try (LogStore store = new LogStore(data.resolve("hosts"), DigestAlgorithm.SHA256, Clock.systemUTC(), SYNC)) {
            for (int h = 0; h < hosts; h++) {
                HostLog log = store.host(String.format("h%03d", h));
                LineSplitter splitter = new LineSplitter(64 * 1024);
                LineBatch batch = new LineBatch();
                for (int off = 0; off < block.length; off += 32 * 1024) {
                    splitter.feed(block, off, Math.min(32 * 1024, block.length - off), batch);
                    log.append(batch);
                    batch.clear();
                }
                log.sync();
            }
        }
        double s = (System.nanoTime() - t0) / 1e9;
        System.out.printf("hosts=%d lines=%d seconds=%.3f rate=%.0f%n", hosts, (long) hosts * lines, s,
                hosts * (double) lines / s);
    }

    private static byte[] block(int lines) {
        StringBuilder sb = new StringBuilder();
        for (int i = 1; i <= lines; i++) {
            sb.append(String.format("<30>Nov 24 10:%02d:%02d web01 app[%d]: request %09d served in %d ms "
                    + "path=/api/v1/items/%d status=200 bytes=%d ok%n", (i / 60) % 60, i % 60, 1000 + i % 7, i,
                    i % 97, (i * 31) % 100000, (i * 7) % 65536));
        }
        return sb.toString().getBytes(StandardCharsets.US_ASCII);
    }
}
