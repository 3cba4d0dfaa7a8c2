import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;

/**
 * Delivery latency of loghost forward: "write FIFO RATE COUNT SENDLOG" writes COUNT lines into the FIFO at RATE
 * lines/s, noting when each was written; "report SENDLOG ACKLOG [WARMUP]" matches each line i (cseq i of a fresh
 * stream) with the first acknowledgement covering it (from forward --ack-log) and prints p50, p99, p99.9 and max
 * in ms over the lines after the first WARMUP (default 0: the forwarder's JIT and its connection are cold at first).
 * Both sides stamp with the wall clock (Instant.now, microseconds) of the same machine.
 */
public final class Latency {

    public static void main(String[] a) throws Exception {
        if (a[0].equals("write")) {
            write(Path.of(a[1]), Integer.parseInt(a[2]), Integer.parseInt(a[3]), Path.of(a[4]));
        } else {
            report(Path.of(a[1]), Path.of(a[2]), a.length > 3 ? Integer.parseInt(a[3]) : 0);
        }
    }

    private static long micros() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000 + now.getNano() / 1000;
    }

    private static void write(Path fifo, int rate, int count, Path sendLog) throws Exception {
        long[] sent = new long[count + 1];
        long start = System.nanoTime();
        try (OutputStream out = Files.newOutputStream(fifo)) {
            for (int i = 1; i <= count; i++) {
                long due = start + (long) ((i - 1) * 1e9 / rate);
                // Sleep, not spin: a spinning writer takes a whole core of the two the forwarder and loghost share.
                for (long left; (left = due - System.nanoTime()) > 0; ) {
                    java.util.concurrent.locks.LockSupport.parkNanos(left);
                }
                sent[i] = micros();
                out.write(("latency probe " + i + "\n").getBytes(StandardCharsets.US_ASCII));
                out.flush();
            }
        }
        try (PrintWriter w = new PrintWriter(Files.newBufferedWriter(sendLog))) {
            for (int i = 1; i <= count; i++) {
                w.println(i + " " + sent[i]);
            }
        }
    }

    private static void report(Path sendLog, Path ackLog, int warmup) throws Exception {
        List<String> sends = Files.readAllLines(sendLog);
        List<String> acks = Files.readAllLines(ackLog);
        long[] ackTime = new long[acks.size()];
        long[] ackSeq = new long[acks.size()];
        for (int j = 0; j < acks.size(); j++) {
            String[] f = acks.get(j).split(" ");
            ackTime[j] = Long.parseLong(f[0]);
            ackSeq[j] = Long.parseLong(f[1]);
        }
        double[] lat = new double[sends.size()];
        int j = 0;
        int n = 0;
        for (String s : sends) {
            String[] f = s.split(" ");
            long i = Long.parseLong(f[0]);
            while (j < ackSeq.length && ackSeq[j] < i) {
                j++;
            }
            if (j == ackSeq.length) {
                throw new IllegalStateException("line " + i + " was never acknowledged");
            }
            if (i > warmup) {
                lat[n++] = (ackTime[j] - Long.parseLong(f[1])) / 1000.0;
            }
        }
        Arrays.sort(lat, 0, n);
        System.out.printf("lines=%d p50=%.2f p99=%.2f p99.9=%.2f max=%.2f%n", n, lat[n / 2], lat[(int) (n * 0.99)],
                lat[(int) (n * 0.999)], lat[n - 1]);
    }
}
