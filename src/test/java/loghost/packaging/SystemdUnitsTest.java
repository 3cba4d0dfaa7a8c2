package loghost.packaging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import loghost.testing.KeyGen;
import loghost.testing.Run;
import loghost.testing.TracedServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shipped systemd units as {@code systemd-analyze} judges them: the forwarder's unit as hardened as the server's,
 * and the system call filter both set wide enough for what a real {@code serve} and {@code forward} call (a filter
 * that is too narrow would stop the service on its first start, where no test here can see it).
 */
class SystemdUnitsTest {

    private static final Pattern EXPOSURE = Pattern.compile("Overall exposure level for \\S+: ([0-9]+\\.[0-9]) ");
    private static final Pattern SYSCALL = Pattern.compile("^\\d+\\s+([a-z0-9_]+)\\(", Pattern.MULTILINE);
    private static final List<Path> UNITS = List.of(Path.of("src/deb/systemd/loghost.service"),
            Path.of("src/deb/systemd/loghost-forward.service"));

    private static double exposure(Path unit) throws Exception {
        Run.Result r = Run.run(List.of("systemd-analyze", "security", "--offline=true", unit.toString()), null, null,
                120);
        Matcher m = EXPOSURE.matcher(r.stdout());
        assertTrue(m.find(), () -> "no exposure level in: " + r);
        return Double.parseDouble(m.group(1));
    }

    @Test
    void theServerUnitGivesServeMoreTimeToStopThanItsStopBudget() throws Exception {
        // serve's stop budget is derived from this value: systemd kills whatever still runs after it.
        Matcher m = Pattern.compile("(?m)^TimeoutStopSec=([0-9]+)$").matcher(Files.readString(UNITS.get(0)));
        assertTrue(m.find(), "loghost.service sets no TimeoutStopSec");
        assertEquals(loghost.serve.StopBudget.UNIT_TIMEOUT_STOP.toSeconds(), Long.parseLong(m.group(1)));
        assertTrue(loghost.serve.StopBudget.TOTAL.plusSeconds(5).compareTo(loghost.serve.StopBudget.UNIT_TIMEOUT_STOP)
                <= 0, "the stop budget leaves the JVM less than 5 s before systemd's kill");
    }

    @Test
    void forwarderUnitIsAsHardenedAsTheServerUnitAndBothScoreLow() throws Exception {
        loghost.testing.Tools.SYSTEMD_ANALYZE.assume();
        double serve = exposure(UNITS.get(0));
        double forward = exposure(UNITS.get(1));
        assertTrue(forward <= serve, "loghost-forward.service " + forward + " vs loghost.service " + serve);
        // 4.5 and 5.2 before the round that added the filter and the Protect*/Restrict* settings; 1.5 after.
        assertTrue(serve <= 2.0, "loghost.service exposure " + serve);
        assertTrue(forward <= 2.0, "loghost-forward.service exposure " + forward);
    }

    /** The names a group of {@code systemd-analyze syscall-filter} stands for, nested groups expanded. */
    private static Set<String> syscallGroup(String group) throws Exception {
        Run.Result r = Run.run(List.of("systemd-analyze", "syscall-filter"), null, null, 120);
        Map<String, List<String>> groups = new HashMap<>();
        List<String> current = null;
        for (String line : r.stdout().split("\n")) {
            String s = line.strip();
            if (s.isEmpty() || s.startsWith("#")) {
                continue;
            }
            if (!line.startsWith(" ") && s.startsWith("@")) {
                current = new ArrayList<>();
                groups.put(s, current);
            } else if (current != null) {
                current.add(s);
            }
        }
        assertTrue(groups.containsKey(group), () -> "systemd-analyze syscall-filter lists no " + group);
        Set<String> out = new TreeSet<>();
        expand(group, groups, out);
        return out;
    }

    private static void expand(String group, Map<String, List<String>> groups, Set<String> out) {
        for (String m : groups.getOrDefault(group, List.of())) {
            if (m.startsWith("@")) {
                expand(m, groups, out);
            } else {
                out.add(m);
            }
        }
    }

    private static Set<String> calls(Path trace) throws IOException {
        return SYSCALL.matcher(Files.readString(trace, StandardCharsets.ISO_8859_1)).results()
                .map(m -> m.group(1)).collect(Collectors.toCollection(TreeSet::new));
    }

    private static List<String> traced(Path trace, String... loghostArgs) {
        return TracedServer.command(trace, List.of(), loghostArgs);
    }

    @Test
    void everySystemCallOfServeAndForwardIsInsideTheUnitsFilter(@TempDir Path dir) throws Exception {
        loghost.testing.Tools.SYSTEMD_ANALYZE.assume();
        TracedServer.assumeStrace();
        for (Path unit : UNITS) {
            String text = Files.readString(unit);
            assertTrue(text.contains("\nSystemCallFilter=@system-service\n"), unit + " filters @system-service");
            assertTrue(text.contains("\nSystemCallFilter=~@privileged\n"), unit + " denies @privileged");
        }
        Path data = dir.resolve("data");
        Path conf = dir.resolve("loghost.conf");
        Files.writeString(conf, "loghost.seal.epoch = 1s\n"); // sealing on, so that epoch ends are traced too
        Path serveTrace = dir.resolve("serve.trace");
        Path serveErr = dir.resolve("serve.err");
        Path key = KeyGen.generate(dir, "client", "ed25519");
        assertEquals(0, Run.run(List.of("java", "-cp", System.getProperty("java.class.path"), "loghost.cli.Main",
                "enroll", "--data", data.toString(), "--config", conf.toString(), "web01", KeyGen.pub(key).toString()),
                null, null, 120).exit());
        ProcessBuilder pb = new ProcessBuilder(traced(serveTrace, "serve", "--data", data.toString(), "--config",
                conf.toString(), "--listen", "127.0.0.1:0"));
        pb.redirectError(serveErr.toFile());
        Process serve = pb.start();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(serve.getInputStream(),
                StandardCharsets.UTF_8))) {
            String line = out.readLine();
            while (line != null && !line.startsWith("listening on ")) {
                line = out.readLine();
            }
            assertNotNull(line, () -> "serve printed no address; stderr: " + read(serveErr));
            String port = line.substring(line.lastIndexOf(':') + 1);
            Path knownHosts = dir.resolve("known_hosts");
            Files.writeString(knownHosts, "[127.0.0.1]:" + port + " "
                    + Files.readString(data.resolve("ssh_host_ed25519_key.pub")).strip() + "\n");
            Path lines = dir.resolve("lines");
            Files.write(lines, IntStream.rangeClosed(1, 2000).mapToObj(i -> "line " + i).toList());
            Path forwardTrace = dir.resolve("forward.trace");
            Run.Result fwd = Run.run(traced(forwardTrace, "forward", "--to", "127.0.0.1:" + port, "--key",
                    key.toString(), "--known-hosts", knownHosts.toString(), "--spool",
                    dir.resolve("spool").toString(), "--stdin"), lines, null, 300);
            assertEquals(0, fwd.exit(), fwd::toString);
            // SIGTERM to the JVM under strace: the clean stop (final seal, sync, server-stop) is traced too.
            ProcessHandle jvm = serve.toHandle().children().findFirst().orElseThrow();
            jvm.destroy();
            assertTrue(serve.waitFor(120, TimeUnit.SECONDS), "serve stopped after SIGTERM");
            Set<String> used = new TreeSet<>(calls(serveTrace));
            used.addAll(calls(forwardTrace));
            assertTrue(used.contains("fsync") && used.contains("accept"), () -> "the traces hold the run: " + used);
            Set<String> outside = new TreeSet<>(used);
            outside.removeAll(syscallGroup("@system-service"));
            assertEquals(Set.of(), outside, "system calls outside @system-service");
            Set<String> privileged = new TreeSet<>(used);
            privileged.retainAll(syscallGroup("@privileged"));
            assertEquals(Set.of(), privileged, "system calls in @privileged");
        } finally {
            serve.toHandle().descendants().forEach(ProcessHandle::destroyForcibly);
            serve.destroyForcibly();
        }
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            return "(unreadable: " + e + ")";
        }
    }
}
