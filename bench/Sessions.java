import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.channel.ChannelExec;
import org.apache.sshd.client.channel.ClientChannelEvent;
import org.apache.sshd.client.keyverifier.RequiredServerKeyVerifier;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.config.keys.PublicKeyEntry;

/**
 * Many hosts at once: N SSH sessions to the loghost, each with its own enrolled key (from "keys"), each running
 * append-log. "load" sends LINES lines per session concurrently and prints the aggregate rate; "idle" opens the
 * sessions, sends one line each, prints "ready" and holds them until its stdin closes. With SERVER_PID set, "load"
 * also prints the server's and its own CPU per line over the timed part. Acknowledged sessions, as idle
 * forwarders hold them, are bench/Fleet.java's.
 * "keys DIR N" makes N ECDSA P-256 client keys in one JVM (ssh-keygen would take a process per key): DIR/keys.txt
 * for this program, DIR/enrolled_keys (hosts h0000 ...) to append to the loghost's.
 *
 *   java -cp target/classes:target/lib/* bench/Sessions.java keys DIR N
 *   java -cp target/classes:target/lib/* bench/Sessions.java HOST PORT HOSTKEY.pub DIR N LINES load|idle
 */
public final class Sessions {

    public static void main(String[] a) throws Exception {
        if (a[0].equals("keys")) {
            keys(Path.of(a[1]), Integer.parseInt(a[2]));
            return;
        }
        String host = a[0];
        int port = Integer.parseInt(a[1]);
        PublicKey hostKey = PublicKeyEntry.parsePublicKeyEntry(Files.readString(Path.of(a[2])).strip())
                .resolvePublicKey(null, Map.of(), null);
        Path keys = Path.of(a[3]);
        int n = Integer.parseInt(a[4]);
        int lines = Integer.parseInt(a[5]);
        boolean idle = a[6].equals("idle");
        List<KeyPair> pairs = readKeys(keys.resolve("keys.txt"), n);
        byte[] block = block(lines);
        try (SshClient client = SshClient.setUpDefaultClient()) {
            client.setServerKeyVerifier(new RequiredServerKeyVerifier(hostKey));
            client.start();
            List<ClientSession> sessions = java.util.Collections.synchronizedList(new ArrayList<>());
            List<ChannelExec> channels = java.util.Collections.synchronizedList(new ArrayList<>());
            // Connect 16 at a time: each connection is a full key exchange.
            java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(16);
            List<java.util.concurrent.Future<?>> opened = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                int k = i;
                opened.add(pool.submit(() -> {
                    ClientSession s = client.connect("log", host, port).verify(Duration.ofSeconds(60)).getSession();
                    s.addPublicKeyIdentity(pairs.get(k));
                    s.auth().verify(Duration.ofSeconds(60));
                    ChannelExec ch = s.createExecChannel("append-log");
                    ch.open().verify(Duration.ofSeconds(60));
                    sessions.add(s);
                    channels.add(ch);
                    return null;
                }));
            }
            for (java.util.concurrent.Future<?> f : opened) {
                f.get();
            }
            pool.shutdown();
            if (idle) {
                for (ChannelExec ch : channels) {
                    ch.getInvertedIn().write("idle session says hello\n".getBytes(StandardCharsets.US_ASCII));
                    ch.getInvertedIn().flush();
                }
                System.out.println("ready");
                System.out.flush();
                System.in.readAllBytes();
            } else {
                CountDownLatch start = new CountDownLatch(1);
                List<Thread> writers = new ArrayList<>();
                for (ChannelExec ch : channels) {
                    Thread t = new Thread(() -> {
                        try {
                            start.await();
                            OutputStream out = ch.getInvertedIn();
                            out.write(block);
                            out.close();
                            ch.waitFor(EnumSet.of(ClientChannelEvent.EXIT_STATUS), Duration.ofMinutes(10));
                            if (!Integer.valueOf(0).equals(ch.getExitStatus())) {
                                throw new IllegalStateException("append-log exited " + ch.getExitStatus());
                            }
                        } catch (Exception e) {
                            throw new IllegalStateException(e);
                        }
                    });
                    t.start();
                    writers.add(t);
                }
                String server = System.getenv("SERVER_PID");
                long serverCpu0 = server == null ? 0 : procCpuMillis(server);
                long clientCpu0 = ownCpuMillis();
                long t0 = System.nanoTime();
                start.countDown();
                for (Thread t : writers) {
                    t.join();
                }
                double s = (System.nanoTime() - t0) / 1e9;
                // The CPU of the timed part alone (the connections, each a key exchange, are before it), per line.
                String cpu = String.format(" client-cpu-ns-per-line=%.0f",
                        (ownCpuMillis() - clientCpu0) * 1e6 / (n * (double) lines));
                if (server != null) {
                    cpu += String.format(" server-cpu-ns-per-line=%.0f",
                            (procCpuMillis(server) - serverCpu0) * 1e6 / (n * (double) lines));
                }
                System.out.printf("sessions=%d lines=%d seconds=%.3f rate=%.0f%s%n", n, (long) n * lines, s,
                        n * (double) lines / s, cpu);
            }
            for (ClientSession s : sessions) {
                s.close(true);
            }
        }
    }

    private static long ownCpuMillis() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
                .getOperatingSystemMXBean()).getProcessCpuTime() / 1_000_000;
    }

    // utime + stime of process PID, in ms (/proc/PID/stat fields 14 and 15, in clock ticks of 10 ms).
    private static long procCpuMillis(String pid) throws java.io.IOException {
        String stat = Files.readString(Path.of("/proc", pid, "stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return (Long.parseLong(f[11]) + Long.parseLong(f[12])) * 10;
    }

    private static byte[] block(int lines) {
        StringBuilder sb = new StringBuilder();
        for (int i = 1; i <= lines; i++) {
            sb.append(String.format("<30>Nov 24 10:%02d:%02d host app[%d]: request %09d served in %d ms "
                    + "path=/api/v1/items/%d status=200%n", (i / 60) % 60, i % 60, 1000 + i % 7, i, i % 97, i * 31));
        }
        return sb.toString().getBytes(StandardCharsets.US_ASCII);
    }

    private static void keys(Path dir, int n) throws Exception {
        KeyPairGenerator gen = KeyPairGenerator.getInstance("EC");
        gen.initialize(new ECGenParameterSpec("secp256r1"));
        Base64.Encoder b64 = Base64.getEncoder();
        try (PrintWriter keys = new PrintWriter(Files.newBufferedWriter(dir.resolve("keys.txt")));
             PrintWriter enrolled = new PrintWriter(Files.newBufferedWriter(dir.resolve("enrolled_keys")))) {
            for (int i = 0; i < n; i++) {
                KeyPair p = gen.generateKeyPair();
                keys.println(b64.encodeToString(p.getPrivate().getEncoded()) + " "
                        + b64.encodeToString(p.getPublic().getEncoded()));
                enrolled.println(String.format("host=\"h%04d\" ", i) + PublicKeyEntry.toString(p.getPublic()));
            }
        }
    }

    private static List<KeyPair> readKeys(Path file, int n) throws Exception {
        KeyFactory ec = KeyFactory.getInstance("EC");
        Base64.Decoder b64 = Base64.getDecoder();
        List<KeyPair> pairs = new ArrayList<>();
        for (String line : Files.readAllLines(file).subList(0, n)) {
            String[] f = line.split(" ");
            pairs.add(new KeyPair(ec.generatePublic(new X509EncodedKeySpec(b64.decode(f[1]))),
                    ec.generatePrivate(new PKCS8EncodedKeySpec(b64.decode(f[0])))));
        }
        return pairs;
    }
}
