package loghost.forward;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import loghost.testing.Await;
import loghost.testing.Cli;
import loghost.testing.ForwarderProcess;
import loghost.testing.HostRecords;
import loghost.testing.KeyGen;
import loghost.testing.Run;
import loghost.testing.ServerProcess;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's rsyslog and syslog-ng configurations, read from the README itself, run by the real daemons into
 * {@code loghost forward}'s FIFO: every message arrives once, in order, with its priority.
 */
class SyslogDaemonsTest {

    private static final int MESSAGES = 2000;
    /** Where .ci/run unpacks Debian's syslog-ng-core when rsyslog, which conflicts with it, is installed. */
    static final String PRIVATE_SYSLOG_NG = "/opt/loghost-test/syslog-ng";
    /** local3.warning: facility 19, severity 4. */
    private static final int PRI = 19 * 8 + 4;

    @TempDir
    Path dir;

    private final List<AutoCloseable> running = new ArrayList<>();
    private Process daemon;
    private Path data;
    private Path fifo;
    private Path socket;

    @BeforeEach
    void loghostAndForwarder() throws Exception {
        data = dir.resolve("data");
        Path key = KeyGen.generate(dir, "web01", "ed25519");
        assertEquals(0, Cli.run(data, "enroll", "web01", KeyGen.pub(key).toString()).exit());
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Path knownHosts = dir.resolve("known_hosts");
        running.add(ServerProcess.start(data, dir.resolve("loghost.err"), knownHosts, port));
        fifo = dir.resolve("loghost.fifo");
        socket = dir.resolve("log.sock");
        assertEquals(0, Run.run("mkfifo", "-m", "600", fifo.toString()).exit());
        ForwarderProcess fwd = ForwarderProcess.start(null, dir.resolve("forward.err"), "--to", "127.0.0.1:" + port,
                "--key", key.toString(), "--known-hosts", knownHosts.toString(), "--spool",
                dir.resolve("spool").toString(), "--fifo", fifo.toString(), "--heartbeat", "0s");
        running.add(fwd);
        fwd.awaitLog("fifo-wait");
    }

    @AfterEach
    void stop() throws Exception {
        if (daemon != null) {
            daemon.destroy();
            daemon.waitFor(10, TimeUnit.SECONDS);
        }
        for (AutoCloseable c : running) {
            c.close();
        }
    }

    /** The fenced block after {@code <!-- config: NAME -->} in README.md, with the FIFO path of this test. */
    private String readmeConfig(String name) throws Exception {
        String readme = Files.readString(Path.of("README.md"), StandardCharsets.UTF_8);
        Matcher m = Pattern.compile("<!-- config: " + Pattern.quote(name) + " -->\n```\n(.*?)```", Pattern.DOTALL)
                .matcher(readme);
        assertTrue(m.find(), "README.md has no config block " + name);
        String block = m.group(1);
        assertTrue(block.contains("/run/loghost/loghost.fifo"), block);
        return block.replace("/run/loghost/loghost.fifo", fifo.toString());
    }

    @Test
    void rsyslogWithTheReadmeTemplateDeliversEveryMessageWithItsPriority() throws Exception {
        Path work = Files.createDirectories(dir.resolve("rsyslog-work"));
        Path conf = dir.resolve("rsyslog.conf");
        // A private instance: its own socket, work directory and pid file; never the system's configuration.
        Files.writeString(conf, "global(workDirectory=\"" + work + "\")\n"
                + "module(load=\"imuxsock\" SysSock.Use=\"off\")\n"
                + "input(type=\"imuxsock\" Socket=\"" + socket + "\" RateLimit.Interval=\"0\")\n"
                + readmeConfig("rsyslog"));
        loghost.testing.Tools.assume(loghost.testing.Tools.RSYSLOGD, loghost.testing.Tools.LOGGER);
        daemon = new ProcessBuilder("rsyslogd", "-n", "-f", conf.toString(), "-i", dir.resolve("rsyslog.pid")
                .toString()).redirectErrorStream(true).redirectOutput(dir.resolve("daemon.out").toFile()).start();
        // ompipe retries a write that found the pipe full behind later messages (README): once each, not in order.
        sendAndCheck(false);
    }

    @Test
    void syslogNgWithTheReadmeDestinationDeliversEveryMessageWithItsPriority() throws Exception {
        Path conf = dir.resolve("syslog-ng.conf");
        Files.writeString(conf, "@version: 3.38\n"
                + "options { keep-hostname(yes); chain-hostnames(no); stats-freq(0); };\n"
                + "source s_src { unix-dgram(\"" + socket + "\"); };\n"
                + readmeConfig("syslog-ng"));
        List<String> cmd = new ArrayList<>();
        ProcessBuilder pb = new ProcessBuilder(cmd);
        if (Files.isExecutable(Path.of("/usr/sbin/syslog-ng"))) {
            cmd.add("/usr/sbin/syslog-ng");
        } else {
            // Debian's syslog-ng and rsyslog packages conflict: .ci/run unpacks syslog-ng here instead.
            Path root = Path.of(PRIVATE_SYSLOG_NG);
            loghost.testing.Tools.assume(loghost.testing.Tools.SYSLOG_NG, loghost.testing.Tools.LOGGER);
            Path modules;
            try (java.util.stream.Stream<Path> dirs = Files.list(root.resolve("usr/lib/syslog-ng"))) {
                modules = dirs.filter(d -> d.getFileName().toString().matches("\\d+\\.\\d+")).findFirst()
                        .orElseThrow(() -> new AssertionError("no module directory under " + root));
            }
            cmd.addAll(List.of(root.resolve("usr/sbin/syslog-ng").toString(), "--module-path", modules.toString()));
            pb.environment().put("LD_LIBRARY_PATH", root.resolve("usr/lib/syslog-ng").toString());
        }
        cmd.addAll(List.of("-F", "--no-caps", "-f", conf.toString(), "-R", dir.resolve("syslog-ng.persist").toString(),
                "-p", dir.resolve("syslog-ng.pid").toString(), "-c", dir.resolve("syslog-ng.ctl").toString()));
        daemon = pb.redirectErrorStream(true).redirectOutput(dir.resolve("daemon.out").toFile()).start();
        sendAndCheck(true);
    }

    private void sendAndCheck(boolean inOrder) throws Exception {
        Await.until(() -> "the daemon's socket", () -> Files.exists(socket) || !daemon.isAlive());
        assertTrue(Files.exists(socket), () -> "daemon did not start: " + ServerProcess.read(dir.resolve("daemon.out")));
        List<String> lines = new ArrayList<>();
        for (int i = 1; i <= MESSAGES; i++) {
            lines.add("one message " + i);
        }
        Path f = dir.resolve("messages.txt");
        Files.write(f, lines);
        Run.Result r = Run.run(List.of("logger", "-u", socket.toString(), "-p", "local3.warning", "-t", "app", "-f",
                f.toString()), null, Map.of(), 120);
        assertEquals(0, r.exit(), r::toString);

        List<String> got = Await.whileProgressing(() -> HostRecords.read(data, "web01").stream()
                .filter(x -> x.type().equals("log")).map(HostRecords.Rec::text).toList(), g -> g.size() >= MESSAGES);
        assertEquals(MESSAGES, got.size(), () -> "stored; daemon said: " + ServerProcess.read(dir.resolve("daemon.out")));
        Pattern line = Pattern.compile("<" + PRI + ">\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\S* \\S+ app: one message (\\d+)");
        boolean[] seen = new boolean[MESSAGES + 1];
        for (int i = 0; i < MESSAGES; i++) {
            Matcher m = line.matcher(got.get(i));
            assertTrue(m.matches(), "line " + (i + 1) + ": " + got.get(i));
            int n = Integer.parseInt(m.group(1));
            if (inOrder) {
                assertEquals(i + 1, n, "order at line " + (i + 1));
            }
            assertTrue(n >= 1 && n <= MESSAGES && !seen[n], "message " + n + " stored twice");
            seen[n] = true;
        }
    }
}
