package loghost.forward;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import loghost.cli.Main;
import loghost.testing.Await;
import loghost.testing.Cli;
import loghost.testing.ForwarderProcess;
import loghost.testing.HostRecords;
import loghost.testing.KeyGen;
import loghost.testing.Run;
import loghost.testing.ServerProcess;

/**
 * One host (web01) enrolled on two loghosts, A and B, each a real {@code loghost serve} process with its own data
 * directory on a fixed port (so it can be killed and started again), one known_hosts listing both, and
 * {@code loghost forward} processes delivering to both.
 */
final class TwoLoghostsRig implements AutoCloseable {

    private static final Pattern CLIENT = Pattern.compile("(?:^|,)c=([a-z0-9._-]+):(\\d+)");

    /** One loghost of the pair. */
    final class Loghost {
        final String name;
        final Path data;
        final int port;
        final Path ownKnownHosts;
        ServerProcess process;

        Loghost(String name) throws Exception {
            this.name = name;
            this.data = dir.resolve("data-" + name);
            assertEquals(0, Cli.run(data, "enroll", "web01", KeyGen.pub(key).toString()).exit());
            this.ownKnownHosts = dir.resolve("known_hosts-" + name);
            try (ServerSocket s = new ServerSocket(0)) {
                port = s.getLocalPort();
            }
        }

        /** Starts (or starts again) this loghost's server process, and lists its key in the shared known_hosts. */
        Loghost start() throws Exception {
            process = ServerProcess.start(data, dir.resolve("loghost-" + name + ".err"), ownKnownHosts, port);
            running.add(process);
            writeKnownHosts();
            return this;
        }

        /** kill -9. */
        void kill() throws InterruptedException {
            process.process().destroyForcibly();
            process.process().waitFor(10, TimeUnit.SECONDS);
        }

        /** HOST:PORT for --to. */
        String to() {
            return "127.0.0.1:" + port;
        }

        /** The host's records on this loghost. */
        List<HostRecords.Rec> records() throws IOException {
            return HostRecords.read(data, "web01");
        }

        /** The host's log lines on this loghost (no marks, no gaps), in order. */
        List<String> lines() throws IOException {
            return records().stream().filter(r -> r.type().equals("log")).map(HostRecords.Rec::text).toList();
        }

        /** Waits until {@code n} lines are stored, or none arrived for {@link Await#WAIT}; returns them. */
        List<String> awaitLines(int n) throws Exception {
            return Await.whileProgressing(this::lines, got -> got.size() >= n);
        }
    }

    final Path dir;
    final Path key;
    final Path knownHosts;
    final Loghost a;
    final Loghost b;
    private final List<AutoCloseable> running = new ArrayList<>();
    private int forwarders;

    TwoLoghostsRig(Path dir) throws Exception {
        this.dir = dir;
        this.key = KeyGen.generate(dir, "web01", "ed25519");
        this.knownHosts = dir.resolve("known_hosts");
        this.a = new Loghost("a");
        this.b = new Loghost("b");
    }

    // Each loghost's own line (written when it first starts; its host key stays across restarts), in one file.
    private void writeKnownHosts() throws IOException {
        StringBuilder sb = new StringBuilder();
        for (Loghost l : List.of(a, b)) {
            if (Files.exists(l.ownKnownHosts)) {
                sb.append(Files.readString(l.ownKnownHosts));
            }
        }
        Files.writeString(knownHosts, sb.toString());
    }

    /** Starts {@code loghost forward --to A --to B} with this rig's key and known_hosts, then {@code more}. */
    ForwarderProcess forward(Path stdin, String... more) throws Exception {
        List<String> args = new ArrayList<>(List.of("--to", a.to(), "--to", b.to(), "--key", key.toString(),
                "--known-hosts", knownHosts.toString()));
        args.addAll(List.of(more));
        return forwardWith(stdin, args.toArray(String[]::new));
    }

    /** Starts {@code loghost forward ARGS} exactly as given (its own stderr file each time). */
    ForwarderProcess forwardWith(Path stdin, String... args) throws Exception {
        ForwarderProcess f = ForwarderProcess.start(List.of("-Xmx64m"), stdin,
                dir.resolve("forward-" + (++forwarders) + ".err"), args);
        running.add(f);
        return f;
    }

    /** Writes {@code lines} (LF-terminated) to a new file {@code name} in the rig's directory. */
    Path file(String name, List<String> lines) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, String.join("\n", lines) + "\n");
        return p;
    }

    /** {@code loghost compare-streams --host web01 DATA_A DATA_B}. */
    Run.Result compare() {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(new PrintWriter(out), new PrintWriter(err), "compare-streams", "--host", "web01",
                a.data.toString(), b.data.toString());
        return new Run.Result(code, out.toString(), err.toString());
    }

    /** The stream cseq of a record ({@code c=STREAM:CSEQ}), or -1. */
    static long cseq(HostRecords.Rec r) {
        Matcher m = CLIENT.matcher(r.meta());
        return m.find() ? Long.parseLong(m.group(2)) : -1;
    }

    /** Lines "PREFIX from" .. "PREFIX to". */
    static List<String> lines(String prefix, int from, int to) {
        return ForwardRig.lines(prefix, from, to);
    }

    @Override
    public void close() throws Exception {
        for (AutoCloseable c : running) {
            c.close();
        }
    }
}
