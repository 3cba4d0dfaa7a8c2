import java.io.DataInputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.PublicKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.sshd.client.ClientBuilder;
import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.channel.ChannelExec;
import org.apache.sshd.client.keyverifier.RequiredServerKeyVerifier;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.NamedFactory;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.apache.sshd.common.kex.BuiltinDHFactories;
import org.apache.sshd.common.kex.KexProposalOption;
import org.apache.sshd.core.CoreModuleProperties;
import loghost.forward.ReconnectSchedule;
import loghost.protocol.Frames;

/**
 * A fleet of idle forwarders in one JVM: N append-log --ack sessions, each with its own enrolled key (from
 * "Sessions.java keys"), each as loghost forward holds one (HELLO, WELCOME, the next line and its ACK), and each
 * connecting and reconnecting as loghost forward does: after a failure or a lost connection it waits what the
 * forwarder's own {@code loghost.forward.ReconnectSchedule} draws, then tries again. Attempts run on INFLIGHT
 * threads (env, default 64): one JVM cannot run 10,000 key exchanges at once the way 10,000 hosts do.
 *
 * <p>Every wait is bounded and reports what it got: "connected k=K n=N seconds=S t50=.. t90=.. t100=.. attempts=A
 * failures=F reasons=R cpu=C" once all N are acknowledged or after WAIT seconds (K &lt; N, t100=-), times in
 * seconds from the first attempt, C this JVM's CPU seconds. "idle" then holds the sessions until stdin closes;
 * "storm" waits for the loghost to go away (bench/run kills it with -9 and restarts it) and prints "reacked k=K
 * n=N lost-at=MS all-at=MS|- t50=.. t90=.. t100=.. attempts=A failures=F reasons=R cpu=C" once every session has a new
 * ACK or WAIT seconds after the first loss (MS: wall-clock epoch milliseconds, times from the first loss).
 *
 *   java -cp target/classes:target/lib/* bench/Fleet.java HOST PORT HOSTKEY.pub DIR N WAIT idle|storm
 */
public final class Fleet {

    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final Pattern LAST = Pattern.compile(" last=(\\d+)");

    private final SshClient client;
    private final String host;
    private final int port;
    private final List<KeyPair> pairs;
    private final int n;
    private final ReconnectSchedule[] schedules;
    private final ExecutorService attempts;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    private final AtomicInteger tries = new AtomicInteger();
    private final AtomicInteger failures = new AtomicInteger();
    private final Map<String, AtomicInteger> reasons = new ConcurrentHashMap<>();
    private final AtomicLong firstLoss = new AtomicLong();
    private final AtomicBoolean kexShown = new AtomicBoolean();
    private final Object lock = new Object();
    private volatile boolean closing;
    // Set once the fleet is up in "storm": a session lost before is retried but does not mark the loghost's loss.
    private volatile boolean armed;
    // Guarded by lock: sessions up now, and the wall-clock milliseconds at which each count was reached this round.
    private int up;
    private long[] reached;

    private Fleet(SshClient client, String host, int port, List<KeyPair> pairs, int inflight) {
        this.client = client;
        this.host = host;
        this.port = port;
        this.pairs = pairs;
        this.n = pairs.size();
        this.schedules = new ReconnectSchedule[n];
        Random seeds = new Random(22);
        for (int i = 0; i < n; i++) {
            schedules[i] = new ReconnectSchedule(new Random(seeds.nextLong()));
        }
        this.attempts = Executors.newFixedThreadPool(inflight);
        this.reached = new long[n + 1];
    }

    /** Runs the fleet: see the class comment for the arguments and what is printed. */
    public static void main(String[] a) throws Exception {
        PublicKey hostKey = PublicKeyEntry.parsePublicKeyEntry(Files.readString(Path.of(a[2])).strip())
                .resolvePublicKey(null, Map.of(), null);
        List<KeyPair> pairs = readKeys(Path.of(a[3]).resolve("keys.txt"), Integer.parseInt(a[4]));
        Duration wait = Duration.ofSeconds(Long.parseLong(a[5]));
        boolean storm = a[6].equals("storm");
        String inflight = System.getenv("INFLIGHT");
        try (SshClient client = SshClient.setUpDefaultClient()) {
            client.setServerKeyVerifier(new RequiredServerKeyVerifier(hostKey));
            String kex = System.getenv("FLEET_KEX");
            if (kex != null && !kex.isEmpty()) { // the fleet's own key exchange (its CPU is the bench's, not a host's)
                List<BuiltinDHFactories> chosen = new ArrayList<>();
                for (String name : kex.split(",")) {
                    BuiltinDHFactories f = BuiltinDHFactories.fromFactoryName(name);
                    if (f == null || !f.isSupported()) {
                        throw new IllegalArgumentException("FLEET_KEX: no supported key exchange " + name);
                    }
                    chosen.add(f);
                }
                client.setKeyExchangeFactories(NamedFactory.setUpTransformedFactories(false, chosen,
                        ClientBuilder.DH2KEX));
            }
            // Idle sessions stay up however long the bench takes (a forwarder's heartbeats would keep them).
            CoreModuleProperties.IDLE_TIMEOUT.set(client, Duration.ZERO);
            client.start();
            Fleet fleet = new Fleet(client, a[0], Integer.parseInt(a[1]), pairs,
                    inflight == null ? 64 : Integer.parseInt(inflight));
            try {
                fleet.run(wait, storm);
                System.in.readAllBytes(); // the sessions are held until the bench is done with them
            } finally {
                fleet.close();
            }
        }
    }

    private void run(Duration wait, boolean storm) throws Exception {
        long t0 = System.currentTimeMillis();
        for (int i = 0; i < n; i++) {
            int k = i;
            attempts.execute(() -> attempt(k));
        }
        int k = awaitAll(t0 + wait.toMillis());
        String connected = "connected k=" + k + " n=" + n + " seconds=" + secs(System.currentTimeMillis() - t0)
                + " " + milestones(t0) + " " + counters() + String.format(" cpu=%.1f", cpu());
        if (storm) {
            synchronized (lock) {
                tries.set(0);
                failures.set(0);
                reasons.clear();
                reached = new long[n + 1];
                armed = true;
            }
        }
        print(connected);
        if (storm) {
            long giveUp = System.currentTimeMillis() + wait.toMillis();
            synchronized (lock) {
                for (long left; firstLoss.get() == 0 && (left = giveUp - System.currentTimeMillis()) > 0; ) {
                    lock.wait(left);
                }
            }
            long lost = firstLoss.get();
            if (lost == 0) {
                print("reacked k=- n=" + n + " lost-at=- all-at=- (no session was lost)");
                return;
            }
            k = awaitAll(lost + wait.toMillis());
            long all;
            synchronized (lock) {
                all = reached[n];
            }
            print("reacked k=" + k + " n=" + n + " lost-at=" + lost + " all-at=" + (all == 0 ? "-" : all) + " "
                    + milestones(lost) + " " + counters() + String.format(" cpu=%.1f", cpu()));
        }
    }

    private void close() {
        closing = true;
        timer.shutdownNow();
        attempts.shutdownNow();
    }

    // Waits until all N are up or the deadline (wall-clock ms) passes; returns how many are up.
    private int awaitAll(long deadline) throws InterruptedException {
        synchronized (lock) {
            for (long left; up < n && (left = deadline - System.currentTimeMillis()) > 0; ) {
                lock.wait(left);
            }
            return up;
        }
    }

    // One connection of session k, to its next ACK; on failure the next attempt is scheduled.
    private void attempt(int k) {
        if (closing) {
            return;
        }
        tries.incrementAndGet();
        ClientSession s = null;
        try {
            s = client.connect("log", host, port).verify(TIMEOUT).getSession();
            s.addPublicKeyIdentity(pairs.get(k));
            s.auth().verify(TIMEOUT);
            ChannelExec ch = s.createExecChannel(Frames.COMMAND);
            ch.open().verify(TIMEOUT);
            acknowledgedLine(ch, k);
            if (kexShown.compareAndSet(false, true)) {
                System.err.println("fleet: key exchange " + s.getNegotiatedKexParameter(KexProposalOption.ALGORITHMS)
                        + ", cipher " + s.getNegotiatedKexParameter(KexProposalOption.C2SENC));
            }
            schedules[k].reset(); // as loghost forward after a connection that had a line acknowledged
            synchronized (lock) {
                up++;
                if (reached[up] == 0) {
                    reached[up] = System.currentTimeMillis();
                }
                lock.notifyAll();
            }
            s.addCloseFutureListener(f -> lost(k));
        } catch (Exception e) {
            failures.incrementAndGet();
            reasons.computeIfAbsent(reason(e), r -> new AtomicInteger()).incrementAndGet();
            if (s != null) {
                s.close(true);
            }
            retry(k);
        }
    }

    private void lost(int k) {
        if (closing) {
            return;
        }
        synchronized (lock) {
            up--;
            if (armed) {
                firstLoss.compareAndSet(0, System.currentTimeMillis());
            }
            lock.notifyAll();
        }
        retry(k);
    }

    private void retry(int k) {
        if (closing) {
            return;
        }
        long ms = schedules[k].next(false).toMillis();
        timer.schedule(() -> attempts.execute(() -> attempt(k)), ms, TimeUnit.MILLISECONDS);
    }

    // HELLO, WELCOME, then the line after the stream's last and its ACK: the session is delivering.
    private void acknowledgedLine(ChannelExec ch, int k) throws Exception {
        OutputStream out = ch.getInvertedIn();
        DataInputStream in = new DataInputStream(ch.getInvertedOut());
        Frames.writeText(out, Frames.HELLO, "loghost-ack 1 stream=fleet");
        out.flush();
        Frames.Frame welcome = Frames.read(in);
        Matcher m = welcome == null ? null : LAST.matcher(new String(welcome.body(), StandardCharsets.UTF_8));
        if (welcome == null || welcome.kind() != Frames.WELCOME || !m.find()) {
            throw new IllegalStateException("no WELCOME");
        }
        long next = Long.parseLong(m.group(1)) + 1;
        byte[] line = ("fleet host " + k + " says hello").getBytes(StandardCharsets.US_ASCII);
        Frames.writeSeq(out, Frames.LINE, next, line, 0, line.length);
        out.flush();
        Frames.Frame ack = Frames.read(in);
        if (ack == null || ack.kind() != Frames.ACK) {
            throw new IllegalStateException("no ACK for the line");
        }
    }

    // When half, nine tenths and all of the fleet was up, in seconds from t0 ("-": not reached).
    private String milestones(long t0) {
        synchronized (lock) {
            StringBuilder sb = new StringBuilder();
            for (int pct : new int[] {50, 90, 100}) {
                long at = reached[Math.max(1, (int) Math.ceil(n * pct / 100.0))];
                sb.append(sb.length() == 0 ? "" : " ").append('t').append(pct).append('=')
                        .append(at == 0 ? "-" : secs(at - t0));
            }
            return sb.toString();
        }
    }

    private String counters() {
        StringBuilder why = new StringBuilder();
        new TreeMap<>(reasons).forEach((r, c) -> why.append(why.length() == 0 ? "" : ",").append(r + ":" + c));
        return "attempts=" + tries.get() + " failures=" + failures.get() + " reasons="
                + (why.length() == 0 ? "-" : why);
    }

    private static String secs(long ms) {
        return String.format("%.1f", ms / 1e3);
    }

    private static void print(String line) {
        System.out.println(line);
        System.out.flush();
    }

    // What failed, in a word: the exception's innermost message, digits dropped, so that reasons group.
    private static String reason(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null) {
            t = t.getCause();
        }
        String m = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
        return m.replaceAll("[0-9]+", "N").replaceAll("[^A-Za-z:. -]", "").strip().replace(' ', '_');
    }

    private static double cpu() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime() / 1e9;
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
