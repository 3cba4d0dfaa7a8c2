package loghost.pull;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import loghost.config.PullSettings;
import loghost.testing.KeyGen;
import loghost.testing.Run;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A source's trust: its host key is checked before anything is read; the forced command refuses the rest. */
class PullSourceTest {

    @TempDir
    Path tmp;
    private final List<AutoCloseable> toClose = new ArrayList<>();
    private final List<Thread> threads = new ArrayList<>();
    private final List<PullSource> sources = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        sources.forEach(PullSource::stop);
        for (Thread t : threads) {
            t.join(30_000);
        }
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
    }

    private PullSource start(PullRig rig, PullSettings.Source s) throws Exception {
        PullSource source = rig.source(s);
        Thread t = new Thread(source::runForever, "test-puller-" + s.host());
        t.start();
        sources.add(source);
        threads.add(t);
        return source;
    }

    @Test
    void aChangedHostKeyIsRefusedBeforeAnythingIsReadAndAuditedWhileOtherSourcesGoOn() throws Exception {
        Path logs = Files.createDirectories(tmp.resolve("var-log"));
        Path auth = Files.writeString(logs.resolve("auth.log"), "Nov 24 10:00:00 web01 one\nNov 24 10:00:01 two\n");
        SourceHost host = SourceHost.start(tmp.resolve("source"), List.of(logs + "/auth.log*"));
        toClose.add(host);
        PullRig rig = new PullRig(tmp.resolve("data"));
        toClose.add(rig);
        // The same sshd under two names: one source expects its real key, the other a key it does not have.
        Path other = KeyGen.generate(tmp, "impostor_host_key", "ed25519");
        String wrongKey = Files.readString(KeyGen.pub(other)).strip();
        PullSource bad = start(rig, PullRig.source(host, "db01", wrongKey, List.of(auth.toString()), List.of()));
        PullSource good = start(rig, PullRig.source(host, "web01", host.hostKeyLine(), List.of(auth.toString()),
                List.of()));

        assertTrue(SourceHost.await(Duration.ofSeconds(120), () -> rig.seq("web01") >= 3),
                "the source with the right key is pulled");
        assertTrue(SourceHost.await(Duration.ofSeconds(60), () -> bad.stateWord().equals("refused")), bad::stateWord);
        good.stop();
        bad.stop();
        for (Thread t : threads) {
            t.join(30_000);
        }
        rig.close();
        assertEquals(List.of("Nov 24 10:00:00 web01 one", "Nov 24 10:00:01 two"),
                PullRig.pulledLines(rig.data, "web01"));
        assertFalse(Files.exists(rig.data.resolve("hosts/db01")), "nothing was stored for the refused source");
        String presented = KeyGen.fingerprint(tmp.resolve("source/ssh_host_ed25519_key.pub"));
        String expected = KeyGen.fingerprint(KeyGen.pub(other));
        List<String> refusals = rig.auditMessages().stream()
                .filter(m -> m.startsWith("refused reason=pull-host-key-mismatch")).toList();
        assertEquals(1, refusals.size(), () -> "audited once, not at every retry: " + refusals);
        assertEquals("refused reason=pull-host-key-mismatch source=127.0.0.1:" + host.port() + " host=db01 presented="
                + presented + " expected=" + expected, refusals.get(0));
        // Refused during key exchange: sshd saw that connection end before authentication.
        String sshdLog = host.log();
        assertTrue(sshdLog.lines().anyMatch(l -> l.contains("[preauth]")), sshdLog);
        var state = PullState.read(rig.data.resolve("pull/db01"));
        assertTrue(state.get("last-error").contains(presented), state::toString);
    }

    @Test
    void theForcedCommandRefusesAShellAndAnyOtherCommandOverRealSsh() throws Exception {
        Path logs = Files.createDirectories(tmp.resolve("var-log"));
        Files.writeString(logs.resolve("auth.log"), "Nov 24 10:00:00 web01 one\n");
        SourceHost host = SourceHost.start(tmp.resolve("source"), List.of(logs + "/auth.log*"));
        toClose.add(host);
        Path knownHosts = Files.writeString(tmp.resolve("known_hosts"), "[127.0.0.1]:" + host.port() + " "
                + host.hostKeyLine() + "\n");
        List<String> ssh = List.of("ssh", "-F", "/dev/null", "-i", host.clientKey().toString(), "-p",
                String.valueOf(host.port()), "-o", "UserKnownHostsFile=" + knownHosts, "-o", "BatchMode=yes",
                "-o", "StrictHostKeyChecking=yes", System.getProperty("user.name") + "@127.0.0.1");

        Run.Result shell = Run.run(ssh, null, null, 120);
        assertEquals(77, shell.exit(), shell::toString);
        assertTrue(shell.stderr().contains("serve-logs: refused: no command (this key may only read the allowed "
                + "logs)"), shell::toString);

        List<String> cat = new ArrayList<>(ssh);
        cat.add("cat /etc/passwd");
        Run.Result other = Run.run(cat, null, null, 120);
        assertEquals(77, other.exit(), other::toString);
        assertTrue(other.stderr().contains("serve-logs: refused: command not allowed"), other::toString);
        assertEquals("", other.stdout());

        List<String> outside = new ArrayList<>(ssh);
        outside.add("read 1.000000000000 0 - /etc/shadow");
        Run.Result out = Run.run(outside, null, null, 120);
        assertEquals(77, out.exit(), out::toString);
        assertTrue(out.stderr().contains("serve-logs: refused: path not allowed"), out::toString);

        List<String> stat = new ArrayList<>(ssh);
        stat.add("stat " + logs + "/auth.log");
        Run.Result ok = Run.run(stat, null, null, 120);
        assertEquals(0, ok.exit(), ok::toString);
        assertTrue(ok.stdout().matches("[0-9]+\\.[0-9a-f]{12} 26\n"), ok::toString);
    }
}
