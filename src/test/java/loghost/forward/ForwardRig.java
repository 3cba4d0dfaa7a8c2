package loghost.forward;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import loghost.testing.Await;
import loghost.testing.Cli;
import loghost.testing.ForwarderProcess;
import loghost.testing.HostRecords;
import loghost.testing.KeyGen;
import loghost.testing.ServerProcess;

/** One enrolled host (web01), its loghost process on a fixed port, and forwarder processes for it. */
final class ForwardRig implements AutoCloseable {

    final Path dir;
    final Path data;
    final Path key;
    final Path knownHosts;
    final int port;
    private final List<AutoCloseable> running = new ArrayList<>();
    private int forwarders;

    ForwardRig(Path dir) throws Exception {
        this.dir = dir;
        this.data = dir.resolve("data");
        this.key = KeyGen.generate(dir, "web01", "ed25519");
        assertEquals(0, Cli.run(data, "enroll", "web01", KeyGen.pub(key).toString()).exit());
        this.knownHosts = dir.resolve("known_hosts");
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
    }

    /** Starts the loghost (a real {@code loghost serve} process) on the rig's port. */
    ServerProcess loghost() throws Exception {
        ServerProcess s = ServerProcess.start(data, dir.resolve("loghost.err"), knownHosts, port);
        running.add(s);
        return s;
    }

    /** Starts {@code loghost forward} at -Xmx64m with {@code spool}, stdin from {@code stdin} (null: none). */
    ForwarderProcess forward(Path spool, Path stdin, String... source) throws Exception {
        // Each forwarder its own stderr, so that waiting for a log line never finds an earlier run's.
        ForwarderProcess f = ForwarderProcess.start(List.of("-Xmx64m"), stdin,
                dir.resolve("forward-" + (++forwarders) + ".err"), args(spool, source));
        running.add(f);
        return f;
    }

    /** The forwarder's arguments: this rig's loghost, key and known_hosts, {@code spool}, then {@code source}. */
    String[] args(Path spool, String... source) {
        List<String> args = new ArrayList<>(List.of("--to", "127.0.0.1:" + port, "--key", key.toString(),
                "--known-hosts", knownHosts.toString(), "--spool", spool.toString()));
        args.addAll(List.of(source));
        return args.toArray(String[]::new);
    }

    /** Keeps {@code c} to be closed with the rig. */
    <T extends AutoCloseable> T closeLater(T c) {
        running.add(c);
        return c;
    }

    /** The host's records, in order. */
    List<HostRecords.Rec> records() throws IOException {
        return HostRecords.read(data, "web01");
    }

    /** The messages of the host's log and cont records (no heartbeats), in order. */
    List<String> stored() throws IOException {
        return records().stream().filter(r -> r.type().equals("log") || r.type().equals("cont"))
                .map(HostRecords.Rec::text).toList();
    }

    /** Waits until {@code n} lines are stored, or none arrived for {@link Await#WAIT}; returns what is stored then. */
    List<String> awaitStored(int n) throws Exception {
        return Await.whileProgressing(this::stored, got -> got.size() >= n);
    }

    /** Lines "PREFIX from" .. "PREFIX to". */
    static List<String> lines(String prefix, int from, int to) {
        List<String> l = new ArrayList<>();
        for (int i = from; i <= to; i++) {
            l.add(prefix + " " + i);
        }
        return l;
    }

    /** Writes {@code lines} (LF-terminated) to a new file {@code name} in the rig's directory. */
    Path file(String name, List<String> lines) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, String.join("\n", lines) + "\n");
        return p;
    }

    @Override
    public void close() throws Exception {
        for (AutoCloseable c : running) {
            c.close();
        }
    }
}
