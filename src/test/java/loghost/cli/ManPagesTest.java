package loghost.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import loghost.store.DigestAlgorithm;
import loghost.store.LineBatch;
import loghost.store.LogStore;
import loghost.store.RecordType;
import loghost.testing.Cli;
import loghost.testing.ManualClock;
import loghost.testing.Run;
import loghost.testing.Stores;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Issue 21 item 11: every man page has EXIT STATUS, FILES and EXAMPLES; its EXIT STATUS lists each status the command
 * was seen to return (run for real) or returns by a constant of its class; its examples parse; and the bash
 * completion script, run in real bash, completes host names from the data directory and -o's modes.
 */
class ManPagesTest {

    private static final Pattern SECTION = Pattern.compile("\n\\.SH ([A-Z ]+)\n");

    @TempDir
    Path dir;

    Path doc;
    Path data;

    @BeforeEach
    void generate() throws Exception {
        doc = dir.resolve("doc");
        ManPages.main(new String[] {doc.toString()});
        data = dir.resolve("data");
        try (LogStore store = Stores.open(data.resolve("hosts"), DigestAlgorithm.SHA256,
                new ManualClock("2026-11-24T10:00:00Z"))) {
            for (String host : List.of("web01", "web02", "db01")) {
                LineBatch b = new LineBatch();
                byte[] line = ("sshd[1]: hello from " + host).getBytes(StandardCharsets.US_ASCII);
                b.add(RecordType.LOG, line, 0, line.length);
                store.host(host).append(b);
            }
        }
    }

    private String page(String command) throws Exception {
        return Files.readString(doc.resolve("man1/" + (command.equals("loghost") ? "loghost" : "loghost-" + command)
                + ".1"));
    }

    // The text of section NAME of a page, up to the next section.
    private static String section(String page, String name) {
        Matcher m = SECTION.matcher(page);
        while (m.find()) {
            if (m.group(1).equals(name)) {
                int end = page.indexOf("\n.SH ", m.end() - 1);
                return page.substring(m.end(), end < 0 ? page.length() : end);
            }
        }
        return null;
    }

    private static Set<Integer> listed(String page) {
        Set<Integer> codes = new TreeSet<>();
        Matcher m = Pattern.compile("(?m)^\\.B (\\d+)$").matcher(section(page, "EXIT STATUS"));
        while (m.find()) {
            codes.add(Integer.parseInt(m.group(1)));
        }
        return codes;
    }

    // What a command returns by name: the int constants of its class (any visibility) that are exit statuses.
    private static Set<Integer> constants(Class<?> c) throws Exception {
        Set<Integer> codes = new TreeSet<>();
        for (Field f : c.getDeclaredFields()) {
            if (Modifier.isStatic(f.getModifiers()) && Modifier.isFinal(f.getModifiers()) && f.getType() == int.class
                    && !f.getName().equals("CHUNK")) {
                f.setAccessible(true);
                codes.add(f.getInt(null));
            }
        }
        return codes;
    }

    @Test
    void everyPageHasExitStatusFilesAndExamplesAndListsTheStatusesItsCommandReturns() throws Exception {
        CommandLine root = Main.commandLine(null);
        List<String> commands = new ArrayList<>(List.of("loghost"));
        root.getSubcommands().keySet().stream().filter(n -> !n.equals("help")).forEach(commands::add);
        for (String command : commands) {
            String page = page(command);
            for (String s : List.of("EXIT STATUS", "FILES", "EXAMPLES")) {
                String text = section(page, s);
                assertTrue(text != null && text.contains(".TP\n"), command + ": no " + s + " section with entries:\n"
                        + page);
            }
            CommandLine cl = command.equals("loghost") ? root : root.getSubcommands().get(command);
            Set<Integer> returned = new TreeSet<>(Set.of(0, cl.getCommandSpec().exitCodeOnExecutionException()));
            returned.addAll(constants(cl.getCommandSpec().userObject().getClass()));
            if (!command.equals("loghost")) {
                returned.add(Cli.main(command, "--help").exit());
                returned.add(Cli.main(command, "--no-such-option").exit());
            }
            assertTrue(listed(page).containsAll(returned), command + ": returns " + returned + ", EXIT STATUS lists "
                    + listed(page));
        }
        // Statuses seen only by running the command (D: the data directory of three hosts).
        String d = data.toString();
        Map<String, List<List<String>>> runs = Map.of(
                "grep", List.of(List.of("--data", d, "--host", "web01", "hello"),
                        List.of("--data", d, "--host", "web01", "nothing like it"),
                        List.of("--data", d, "--host", "web01", "("), List.of("--data", d, "--host", "nosuch", "x")),
                "cat", List.of(List.of("--data", d, "--host", "nosuch")),
                "tail", List.of(List.of("--data", d, "--host", "nosuch")),
                "status", List.of(List.of("--data", d), List.of("--data", "/nonexistent"),
                        List.of("--nagios", "--data", d), List.of("--nagios", "--data", "/nonexistent")),
                "verify", List.of(List.of("--data", d), List.of("--data", "/nonexistent")),
                "archive", List.of(List.of(), List.of("verify", "--data", d)));
        Map<String, Set<Integer>> expected = Map.of("grep", Set.of(0, 1, 2), "cat", Set.of(1), "tail", Set.of(1),
                "status", Set.of(0, 1, 3), "verify", Set.of(0, 1), "archive", Set.of(1, 2));
        for (Map.Entry<String, List<List<String>>> e : runs.entrySet()) {
            Set<Integer> seen = new TreeSet<>();
            for (List<String> args : e.getValue()) {
                List<String> a = new ArrayList<>(List.of(e.getKey()));
                a.addAll(args);
                seen.add(Cli.main(a.toArray(String[]::new)).exit());
            }
            assertEquals(expected.get(e.getKey()), seen, e.getKey() + ": the runs reach the statuses meant");
            assertTrue(listed(page(e.getKey())).containsAll(seen), e.getKey() + " returned " + seen
                    + ", EXIT STATUS lists " + listed(page(e.getKey())));
        }
        assertEquals(Set.of(0, 1, 2, ReadOptions.DAYS_NOT_READ), listed(page("grep")));
        assertEquals(Set.of(0, 1, 2, 3), listed(page("status")));
    }

    @Test
    void everyExampleParses() throws Exception {
        for (Path p : Files.list(doc.resolve("man1")).toList()) {
            Matcher m = Pattern.compile("(?m)^\\.B \"(loghost [^\"]*)\"$").matcher(section(Files.readString(p),
                    "EXAMPLES"));
            while (m.find()) {
                List<String> words = shellWords(m.group(1).replace("\\(dq", "\""));
                CommandLine cl = Main.commandLine(null);
                cl.parseArgs(words.subList(1, words.size()).toArray(String[]::new)); // throws on a bad option
            }
        }
    }

    // Words as sh splits them, for the quoting the examples use ('...' and "...").
    private static List<String> shellWords(String line) {
        List<String> words = new ArrayList<>();
        Matcher m = Pattern.compile("'([^']*)'|\"([^\"]*)\"|(\\S+)").matcher(line);
        while (m.find()) {
            words.add(m.group(1) != null ? m.group(1) : m.group(2) != null ? m.group(2) : m.group(3));
        }
        return words;
    }

    // Runs the completion script in real bash for the words of a command line, the last one being completed.
    private Run.Result complete(Map<String, String> env, String... words) throws Exception {
        StringBuilder script = new StringBuilder("source \"$1\" || exit 9\ncomplete -p loghost\nCOMP_WORDS=(");
        for (String w : words) {
            script.append('\'').append(w).append("' ");
        }
        script.append(")\nCOMP_CWORD=").append(words.length - 1)
                .append("\n_loghost_complete 2>/dev/null\nprintf '%s\\n' \"${COMPREPLY[@]}\" | sort\n");
        Run.Result r = Run.run(List.of("bash", "-c", script.toString(), "bash",
                doc.resolve("bash-completion/loghost").toString()), null, env, 60);
        assertEquals(0, r.exit(), r::toString);
        assertTrue(r.stdout().startsWith("complete -o default -F _loghost_complete loghost\n"), r::toString);
        return r;
    }

    private static String replies(Run.Result r) {
        return r.stdout().substring(r.stdout().indexOf('\n') + 1);
    }

    @Test
    void bashCompletesHostNamesFromTheDataDirectoryAndOutputModes() throws Exception {
        Path hosts = data.resolve("hosts");
        Files.createDirectories(hosts.resolve("_loghost"));
        Files.createDirectories(hosts.resolve("Not_A_Host"));
        Files.createSymbolicLink(hosts.resolve("linked"), hosts.resolve("web01"));
        Files.writeString(hosts.resolve("afile"), "");
        Map<String, String> noConfig = Map.of("LOGHOST_CONFIG", "");

        assertEquals("web01\nweb02\n", replies(complete(noConfig, "loghost", "cat", "--data", data.toString(), "--host",
                "w")));
        assertEquals("db01\n", replies(complete(noConfig, "loghost", "grep", "--data", data.toString(), "--host", "=",
                "d")), "--host=d, which bash splits at the =");
        // No --data: loghost.data-dir of the config file named by $LOGHOST_CONFIG, as loghost itself reads it.
        Path config = Files.writeString(dir.resolve("loghost.conf"), "loghost {\n  data-dir = \"" + data + "\"\n}\n");
        assertEquals("_loghost\ndb01\nweb01\nweb02\n", replies(complete(Map.of("LOGHOST_CONFIG", config.toString()),
                "loghost", "tail", "--host", "")));
        assertEquals("web02\n", replies(complete(noConfig, "loghost", "verify", "--config", config.toString(),
                "--host", "web02")));

        assertEquals("json\nlines\nrecords\n", replies(complete(noConfig, "loghost", "cat", "-o", "")));
        assertEquals("records\n", replies(complete(noConfig, "loghost", "tail", "--output", "r")));
    }
}
