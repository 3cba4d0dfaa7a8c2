import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.stream.Stream;
import loghost.seal.Sealer;
import loghost.store.DigestAlgorithm;
import loghost.store.LineBatch;
import loghost.store.LogStore;
import loghost.store.RecordType;
import loghost.store.SyncPolicy;

/**
 * What sealing costs a large fleet: HOSTS chains in one store (the real LogStore and Sealer, in this JVM), each
 * given one line per epoch (as a forwarder's heartbeat does), then the epoch closed; prints the time to close an
 * epoch, the checkpoint's size, the seal records' size, and both per day at a 1-minute epoch.
 *
 *   java -cp target/classes:target/lib/* bench/SealCost.java DIR HOSTS EPOCHS
 */
public final class SealCost {
    // store.fsync-interval's default (1s), as a configured server syncs; no metrics to tell.
    private static final SyncPolicy SYNC = new SyncPolicy(Duration.ofSeconds(1), nanos -> { });


    public static void main(String[] a) throws Exception {
        Path data = Path.of(a[0]);
        int hosts = Integer.parseInt(a[1]);
        int epochs = Integer.parseInt(a[2]);
        Sealer.init(data, Clock.systemUTC());
        LogStore store = new LogStore(data.resolve("hosts"), DigestAlgorithm.SHA256, Clock.systemUTC(), SYNC);
        Sealer sealer = Sealer.open(data, store, Clock.systemUTC());
        byte[] line = "<30>Nov 24 10:00:00 host app[1]: heartbeat stream=file.0123456789abcdef pending=0"
                .getBytes(StandardCharsets.US_ASCII);
        long closeNanos = 0;
        long ckptBefore = ckptBytes(data);
        long hostBytesBeforeSeals = 0;
        long hostBytesAfter = 0;
        for (int e = 0; e < epochs; e++) {
            for (int h = 0; h < hosts; h++) {
                LineBatch b = new LineBatch(true);
                b.add(RecordType.LOG, line, 0, line.length);
                store.host(String.format("host-%05d", h)).append(b);
            }
            store.sweepAll();
            long before = hostBytes(data);
            long t0 = System.nanoTime();
            sealer.closeEpoch();
            closeNanos += System.nanoTime() - t0;
            long after = hostBytes(data);
            hostBytesBeforeSeals += before;
            hostBytesAfter += after - before;
        }
        long ckpt = (ckptBytes(data) - ckptBefore) / epochs;
        long seals = hostBytesAfter / epochs;
        store.close();
        System.out.printf("hosts=%d epochs=%d close-epoch-ms=%.1f checkpoint-bytes=%d seal-record-bytes=%d"
                + " per-day-at-1m: checkpoints=%.0f MB seal-records=%.0f MB%n", hosts, epochs,
                closeNanos / 1e6 / epochs, ckpt, seals, ckpt * 1440 / 1e6, seals * 1440 / 1e6);
    }

    private static long ckptBytes(Path data) throws Exception {
        try (Stream<Path> s = Files.list(data.resolve("seal"))) {
            long n = 0;
            for (Path p : s.filter(p -> p.toString().endsWith(".ckpt")).toList()) {
                n += Files.size(p);
            }
            return n;
        }
    }

    private static long hostBytes(Path data) throws Exception {
        try (Stream<Path> s = Files.walk(data.resolve("hosts"))) {
            long n = 0;
            for (Path p : s.filter(Files::isRegularFile).toList()) {
                n += Files.size(p);
            }
            return n;
        }
    }
}
