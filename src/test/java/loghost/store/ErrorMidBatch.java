package loghost.store;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import loghost.testing.Stores;

/**
 * Run in a JVM with a small heap by {@link HostLogErrorTest}: a batch of an acknowledged stream whose second
 * record cannot be formatted (the heap runs out after the first, 70 KiB, was written to the file), then the same stream resent from
 * cseq 1, as a forwarder does after the session failed. Prints the error the first append threw.
 */
public final class ErrorMidBatch {

    private ErrorMidBatch() {
    }

    /** {@code args[0]}: the data directory. */
    public static void main(String[] args) throws Exception {
        LogStore store = Stores.open(Path.of(args[0]).resolve("hosts"), DigestAlgorithm.SHA256, Clock.systemUTC());
        HostLog log = store.host("web01");
        LineBatch batch = new LineBatch();
        batch.stream("s1");
        // Longer than DayFile's 64 KiB output buffer: it is written to the file before the heap runs out on the
        // second, so the failed append leaves a partial write that the log must cut back.
        byte[] first = ("first " + "x".repeat(70 * 1024)).getBytes(StandardCharsets.US_ASCII);
        batch.add(RecordType.LOG, first, 0, first.length, 1);
        // 12 MiB of control bytes, escaped to 48 MiB in the batch; the record needs another 48 MiB to be formatted.
        batch.add(RecordType.LOG, new byte[12 << 20], 0, 12 << 20, 2);
        try {
            log.append(batch);
            System.out.println("appended");
        } catch (OutOfMemoryError e) {
            System.out.println("append failed: " + e);
        }
        batch = new LineBatch();
        batch.stream("s1");
        byte[] second = "second".getBytes(StandardCharsets.US_ASCII);
        batch.add(RecordType.LOG, first, 0, first.length, 1);
        batch.add(RecordType.LOG, second, 0, second.length, 2);
        log.append(batch);
        store.close();
    }
}
