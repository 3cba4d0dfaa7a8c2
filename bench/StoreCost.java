package loghost.store;

import java.io.RandomAccessFile;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * The store's per-line cost, term by term, on one thread without SSH: ns per line of each step a received line
 * takes (LF search, escaping, splitting into a batch, the SHA-256 chain digest, building the record, the write)
 * and of the whole store path (HostLog.append, as append-log calls it). Each round runs every step once over the
 * same lines (bench/run's syslog-like lines, 125 bytes), so load that drifts within minutes touches all steps
 * alike; it prints the lowest and the median thread CPU time per line over the rounds (the first round is JIT
 * warm-up and not counted). In package loghost.store so that it calls the package's own classes, not copies of
 * them; it is therefore compiled onto the class path instead of run as a source file:
 *
 *   javac -cp target/classes -d target/bench bench/StoreCost.java
 *   java -cp "target/bench:target/classes:target/lib/*" loghost.store.StoreCost [LINES [ROUNDS [DIR]]]
 */
public final class StoreCost {

    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
    private static final int READ = 32 * 1024; // what a session hands the splitter at a time (MINA's packets)

    private final byte[] raw;
    private final int[] lineStart;
    private final int[] lineEnd;
    private final byte[] escaped;
    private final int[] escEnd;
    private final byte[] records;
    private final int recordsLength;
    private final Path dir;
    private long sink;

    private StoreCost(int lines, Path dir) throws Exception {
        this.dir = dir;
        raw = lines(lines);
        lineStart = new int[lines];
        lineEnd = new int[lines];
        for (int i = 0, p = 0; i < lines; i++) {
            int lf = Bytes.indexOfLf(raw, p, raw.length);
            lineStart[i] = p;
            lineEnd[i] = lf;
            p = lf + 1;
        }
        escaped = new byte[raw.length];
        escEnd = new int[lines];
        int q = 0;
        for (int i = 0; i < lines; i++) {
            q = Escaping.escape(raw, lineStart[i], lineEnd[i] - lineStart[i], escaped, q);
            escEnd[i] = q;
        }
        ChainHead head = newHead();
        byte[] t = new RecordTime().format(System.currentTimeMillis());
        byte[] meta = "s=1".getBytes(StandardCharsets.US_ASCII);
        byte[] all = new byte[head.maxLength(t.length, meta.length, 0) * lines + raw.length];
        int p = 0;
        for (int i = 0; i < lines; i++) {
            int s = i == 0 ? 0 : escEnd[i - 1];
            p = head.append(all, p, t, RecordType.LOG, meta, -1, 0, escaped, s, escEnd[i] - s);
        }
        records = all;
        recordsLength = p;
    }

    /** Runs every step ROUNDS times and prints ns per line for each. */
    public static void main(String[] a) throws Exception {
        int lines = a.length > 0 ? Integer.parseInt(a[0]) : 500_000;
        int rounds = a.length > 1 ? Integer.parseInt(a[1]) : 6;
        Path dir = Files.createTempDirectory(a.length > 2 ? Path.of(a[2]) : Path.of(System.getProperty("java.io.tmpdir")),
                "storecost");
        StoreCost c = new StoreCost(lines, dir);
        String[] names = {
            "copy each line (System.arraycopy)",
            "LF search (Bytes.indexOfLf)",
            "escaping alone (Escaping.escape)",
            "split + escape into a batch (LineSplitter)",
            "SHA-256 chain digest alone (2 updates + digest)",
            "SHA-256 over one contiguous array (1 update)",
            "record: fields + digest + hex (ChainHead.append)",
            "write of the records (RandomAccessFile, 64 KiB)",
            "whole store path (LineSplitter + HostLog.append)",
        };
        long[][] ns = new long[names.length][rounds];
        for (int r = 0; r < rounds; r++) {
            for (int s = 0; s < names.length; s++) {
                long t0 = THREADS.getCurrentThreadCpuTime();
                c.step(s);
                ns[s][r] = THREADS.getCurrentThreadCpuTime() - t0;
            }
        }
        System.out.printf("StoreCost: %d lines of %d bytes, %d rounds (first not counted); java %s; %s%n", lines,
                c.raw.length / lines, rounds - 1, System.getProperty("java.version"),
                Files.getFileStore(dir).type());
        System.out.printf("%-52s %10s %10s%n", "step (thread CPU time per line)", "min ns", "median ns");
        for (int s = 0; s < names.length; s++) {
            long[] counted = Arrays.copyOfRange(ns[s], 1, rounds);
            Arrays.sort(counted);
            System.out.printf("%-52s %10.1f %10.1f%n", names[s], counted[0] / (double) lines,
                    counted[counted.length / 2] / (double) lines);
        }
        System.out.printf("(record bytes per line %.1f; checksum %d)%n", c.recordsLength / (double) lines, c.sink);
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    private void step(int s) throws Exception {
        switch (s) {
            case 0 -> copy();
            case 1 -> lfSearch();
            case 2 -> escape();
            case 3 -> split();
            case 4 -> digest();
            case 5 -> digestContiguous();
            case 6 -> encode();
            case 7 -> write();
            case 8 -> store();
            default -> throw new IllegalArgumentException("step " + s);
        }
    }

    private void copy() {
        byte[] dst = new byte[64 * 1024];
        for (int i = 0; i < lineStart.length; i++) {
            System.arraycopy(raw, lineStart[i], dst, 0, lineEnd[i] - lineStart[i]);
            sink += dst[i & 63];
        }
    }

    private void lfSearch() {
        int p = 0;
        for (int i = 0; i < lineStart.length; i++) {
            int lf = Bytes.indexOfLf(raw, p, raw.length);
            sink += lf;
            p = lf + 1;
        }
    }

    private void escape() {
        byte[] dst = new byte[64 * 1024];
        for (int i = 0; i < lineStart.length; i++) {
            sink += Escaping.escape(raw, lineStart[i], lineEnd[i] - lineStart[i], dst, 0);
        }
    }

    private void split() {
        LineSplitter splitter = new LineSplitter(64 * 1024);
        LineBatch batch = new LineBatch();
        for (int off = 0; off < raw.length; off += READ) {
            splitter.feed(raw, off, Math.min(READ, raw.length - off), batch);
            sink += batch.count();
            batch.clear();
        }
    }

    // The digest's calls as RecordEncoder makes them: previous digest and fields (~100 bytes), then the message.
    private void digest() throws Exception {
        MessageDigest md = DigestAlgorithm.SHA256.newDigest();
        byte[] h = new byte[32 + 68];
        byte[] next = new byte[32];
        for (int i = 0; i < escEnd.length; i++) {
            int s = i == 0 ? 0 : escEnd[i - 1];
            md.update(h, 0, h.length);
            md.update(escaped, s, escEnd[i] - s);
            md.digest(next, 0, 32);
            System.arraycopy(next, 0, h, 0, 32);
        }
        sink += next[0];
    }

    // The same bytes hashed as one run: previous digest, fields and message copied behind each other first.
    private void digestContiguous() throws Exception {
        MessageDigest md = DigestAlgorithm.SHA256.newDigest();
        byte[] h = new byte[32 + 68 + 64 * 1024];
        byte[] next = new byte[32];
        for (int i = 0; i < escEnd.length; i++) {
            int s = i == 0 ? 0 : escEnd[i - 1];
            int len = escEnd[i] - s;
            System.arraycopy(escaped, s, h, 100, len);
            md.update(h, 0, 100 + len);
            md.digest(next, 0, 32);
            System.arraycopy(next, 0, h, 0, 32);
        }
        sink += next[0];
    }

    private void encode() throws Exception {
        ChainHead head = newHead();
        byte[] t = new RecordTime().format(System.currentTimeMillis());
        byte[] meta = "s=1".getBytes(StandardCharsets.US_ASCII);
        byte[] out = new byte[64 * 1024];
        int p = 0;
        for (int i = 0; i < escEnd.length; i++) {
            int s = i == 0 ? 0 : escEnd[i - 1];
            if (out.length - p < head.maxLength(t.length, meta.length, escEnd[i] - s)) {
                p = 0;
            }
            p = head.append(out, p, t, RecordType.LOG, meta, -1, 0, escaped, s, escEnd[i] - s);
        }
        sink += p;
    }

    private void write() throws Exception {
        try (RandomAccessFile f = new RandomAccessFile(dir.resolve("write.log").toFile(), "rw")) {
            f.setLength(0);
            for (int off = 0; off < recordsLength; off += 64 * 1024) {
                f.write(records, off, Math.min(64 * 1024, recordsLength - off));
            }
        }
    }

    private void store() throws Exception {
        Path hosts = Files.createTempDirectory(dir, "hosts");
        SyncPolicy sync = new SyncPolicy(Duration.ofSeconds(1), nanos -> { }); // store.fsync-interval's default
        try (LogStore store = new LogStore(hosts, DigestAlgorithm.SHA256, Clock.systemUTC(), sync)) {
            HostLog log = store.host("h000");
            LineSplitter splitter = new LineSplitter(64 * 1024);
            LineBatch batch = new LineBatch();
            for (int off = 0; off < raw.length; off += READ) {
                splitter.feed(raw, off, Math.min(READ, raw.length - off), batch);
                log.append(batch);
                batch.clear();
            }
        }
        try (Stream<Path> files = Files.walk(hosts)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    private static ChainHead newHead() {
        return new ChainHead(DigestAlgorithm.SHA256, 0, DigestAlgorithm.SHA256.genesis("h000"));
    }

    // bench/run's lines (its awk program), byte for byte.
    private static byte[] lines(int n) {
        StringBuilder sb = new StringBuilder(n * 128);
        for (int i = 1; i <= n; i++) {
            sb.append(String.format("<30>Nov 24 10:%02d:%02d web01 app[%d]: request %09d served in %d ms "
                    + "path=/api/v1/items/%d status=200 bytes=%d ok\n", (i / 60) % 60, i % 60, 1000 + i % 7, i,
                    i % 97, (i * 31) % 100000, (i * 7) % 65536));
        }
        return sb.toString().getBytes(StandardCharsets.US_ASCII);
    }
}
