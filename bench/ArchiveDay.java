import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import loghost.config.Settings;
import loghost.housekeeping.Housekeeper;
import loghost.store.DigestAlgorithm;
import loghost.store.LineBatch;
import loghost.store.LogStore;
import loghost.store.RecordType;
import loghost.store.SyncPolicy;

/**
 * bench/archive helper: a store of HOSTS hosts with LINES syslog-like lines each on 2026-11-22, closed and
 * compressed by one housekeeping pass (timed), then archived to DEST by a pass with retention.online = 0d (timed):
 * a directory, or http://HOST:PORT/BUCKET for an S3-compatible server with the s3rver credentials.
 * Prints "compress-ms N", "archive-ms N", "plain-bytes N", "stored-bytes N". Usage: ArchiveDay DATA DEST HOSTS LINES.
 */
public class ArchiveDay {
    // store.fsync-interval's default (1s), as a configured server syncs; no metrics to tell.
    private static final SyncPolicy SYNC = new SyncPolicy(Duration.ofSeconds(1), nanos -> { });

    public static void main(String[] a) throws Exception {
        Path data = Path.of(a[0]);
        boolean s3 = a[1].startsWith("http://");
        Path dest = s3 ? null : Path.of(a[1]);
        int hosts = Integer.parseInt(a[2]);
        int lines = Integer.parseInt(a[3]);
        long plain = 0;
        try (LogStore store = new LogStore(data.resolve("hosts"), DigestAlgorithm.SHA256,
                Clock.fixed(Instant.parse("2026-11-22T12:00:00Z"), ZoneOffset.UTC), SYNC)) {
            for (int h = 0; h < hosts; h++) {
                String host = String.format("web%03d", h);
                LineBatch b = new LineBatch();
                for (int i = 1; i <= lines; i++) {
                    byte[] raw = String.format("<30>Nov 22 12:%02d:%02d %s app[%d]: request %09d served in %d ms "
                            + "path=/api/v1/items/%d status=200 bytes=%d ok", (i / 60) % 60, i % 60, host, 1000 + i % 7,
                            i, i % 97, (i * 31) % 100000, (i * 7) % 65536).getBytes(StandardCharsets.US_ASCII);
                    b.add(RecordType.LOG, raw, 0, raw.length);
                    if (b.count() == 1000) {
                        store.host(host).append(b);
                        b = new LineBatch();
                    }
                }
                if (b.count() > 0) {
                    store.host(host).append(b);
                }
                plain += Files.size(data.resolve("hosts").resolve(host).resolve("2026-11-22.log"));
            }
        }
        Clock next = Clock.fixed(Instant.parse("2026-11-23T00:01:00Z"), ZoneOffset.UTC);
        Settings.Housekeeping compress = new Settings.Housekeeping(true, Duration.ofMinutes(5), Duration.ZERO,
                Duration.ZERO, List.of());
        Settings.Housekeeping archive = new Settings.Housekeeping(true, Duration.ofMinutes(5), Duration.ZERO,
                Duration.ZERO, List.of(s3 ? new Settings.ArchiveDestination("bench", null, new Settings.S3(
                        a[1].substring(a[1].lastIndexOf('/') + 1), "", a[1].substring(0, a[1].lastIndexOf('/')),
                        "us-east-1", "S3RVER", "S3RVER", 0)) : new Settings.ArchiveDestination("bench", dest)));
        try (LogStore store = new LogStore(data.resolve("hosts"), DigestAlgorithm.SHA256, next, SYNC)) {
            store.recoverAll();
            long t0 = System.nanoTime();
            new Housekeeper(data, store, compress, m -> { }, next, loghost.store.StepObserver.NONE).runOnce();
            long t1 = System.nanoTime();
            new Housekeeper(data, store, archive, m -> { }, next, loghost.store.StepObserver.NONE).runOnce();
            long t2 = System.nanoTime();
            long stored = 0;
            for (int h = 0; h < hosts; h++) {
                String m = Files.readString(data.resolve("hosts").resolve(String.format("web%03d", h)).resolve("MANIFEST"));
                java.util.regex.Matcher x = java.util.regex.Pattern.compile(" size=([0-9]+) ").matcher(m);
                stored += x.find() ? Long.parseLong(x.group(1)) : 0;
            }
            System.out.println("compress-ms " + (t1 - t0) / 1_000_000);
            System.out.println("archive-ms " + (t2 - t1) / 1_000_000);
            System.out.println("plain-bytes " + plain);
            System.out.println("stored-bytes " + stored);
        }
    }
}
