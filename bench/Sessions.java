import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.PublicKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.channel.ChannelExec;
import org.apache.sshd.client.channel.ClientChannelEvent;
import org.apache.sshd.client.keyverifier.RequiredServerKeyVerifier;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.NamedResource;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.apache.sshd.common.util.security.SecurityUtils;

/**
 * Many hosts at once: N SSH sessions to the loghost, each with its own enrolled key (KEYDIR/k0000 ...), each
 * running append-log. "load" sends LINES lines per session concurrently and prints the aggregate rate; "idle"
 * opens the sessions, sends one line each, prints "ready" and holds them until its stdin closes.
 *
 *   java -cp target/classes:target/lib/* bench/Sessions.java HOST PORT HOSTKEY.pub KEYDIR N LINES load|idle
 */
public final class Sessions {

    public static void main(String[] a) throws Exception {
        String host = a[0];
        int port = Integer.parseInt(a[1]);
        PublicKey hostKey = PublicKeyEntry.parsePublicKeyEntry(Files.readString(Path.of(a[2])).strip())
                .resolvePublicKey(null, Map.of(), null);
        Path keys = Path.of(a[3]);
        int n = Integer.parseInt(a[4]);
        int lines = Integer.parseInt(a[5]);
        boolean idle = a[6].equals("idle");
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
                    s.addPublicKeyIdentity(load(keys.resolve(String.format("k%04d", k))));
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
                long t0 = System.nanoTime();
                start.countDown();
                for (Thread t : writers) {
                    t.join();
                }
                double s = (System.nanoTime() - t0) / 1e9;
                System.out.printf("sessions=%d lines=%d seconds=%.3f rate=%.0f%n", n, (long) n * lines, s,
                        n * (double) lines / s);
            }
            for (ClientSession s : sessions) {
                s.close(true);
            }
        }
    }

    private static byte[] block(int lines) {
        StringBuilder sb = new StringBuilder();
        for (int i = 1; i <= lines; i++) {
            sb.append(String.format("<30>Nov 24 10:%02d:%02d host app[%d]: request %09d served in %d ms "
                    + "path=/api/v1/items/%d status=200%n", (i / 60) % 60, i % 60, 1000 + i % 7, i, i % 97, i * 31));
        }
        return sb.toString().getBytes(StandardCharsets.US_ASCII);
    }

    private static KeyPair load(Path key) throws Exception {
        try (InputStream in = Files.newInputStream(key)) {
            return SecurityUtils.loadKeyPairIdentities(null, NamedResource.ofName(key.toString()), in, null)
                    .iterator().next();
        }
    }
}
