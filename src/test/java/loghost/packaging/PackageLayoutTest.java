package loghost.packaging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * One set of paths from README to package: the FIFO, spool, key, known_hosts and config paths of the packaged units,
 * tmpfiles.d, postinst and forward.conf are the ones config/, the example unit, reference.conf and every README
 * command use, and the README's package steps leave files the packaged units (User=loghost) can read.
 */
class PackageLayoutTest {

    static final Path README = Path.of("README.md");
    private static final Path FORWARD_UNIT = Path.of("src/deb/systemd/loghost-forward.service");

    static String read(Path p) throws IOException {
        return Files.readString(p, StandardCharsets.UTF_8);
    }

    private static String option(String text, String name) {
        Matcher m = Pattern.compile(Pattern.quote(name) + "\\s+(\\S+)").matcher(text);
        assertTrue(m.find(), () -> "no " + name + " in " + text);
        return m.group(1);
    }

    private static String setting(String conf, String name) {
        Matcher m = Pattern.compile("(?m)^\\s*" + Pattern.quote(name) + "\\s*=\\s*\"([^\"]*)\"").matcher(conf);
        assertTrue(m.find(), () -> "no " + name + " in " + conf);
        return m.group(1);
    }

    /** The fenced block after {@code <!-- test: NAME -->} in README.md, one command per element (comments cut). */
    static List<String> readmeCommands(String name) throws IOException {
        Matcher m = Pattern.compile("<!-- test: " + Pattern.quote(name) + " -->\n```sh\n(.*?)```", Pattern.DOTALL)
                .matcher(read(README));
        assertTrue(m.find(), "README.md has no block " + name);
        return m.group(1).replace("\\\n", " ").lines().map(l -> l.replaceAll("\\s+# .*$", "").strip())
                .filter(l -> !l.isEmpty()).toList();
    }

    /** The packaged paths, as the packaged forward unit and forward.conf name them. */
    private static Map<String, String> packaged() throws IOException {
        String unit = read(FORWARD_UNIT);
        Map<String, String> p = new LinkedHashMap<>();
        p.put("fifo", option(unit, "--fifo"));
        p.put("spool", option(unit, "--spool"));
        p.put("config", option(unit, "--config"));
        String conf = read(Path.of(p.get("config").replace("/etc/loghost/", "src/deb/etc/")));
        p.put("key", setting(conf, "key"));
        p.put("known-hosts", setting(conf, "known-hosts"));
        assertEquals(p.get("spool"), setting(conf, "spool-dir"), "forward.conf and the unit name one spool");
        return p;
    }

    @Test
    void theForwardersSpoolIsApartFromTheServersDataDirectoryAndMadeByThePackage() throws Exception {
        Map<String, String> p = packaged();
        assertEquals("/var/spool/loghost", p.get("spool"), "the FHS place for a spool");
        String unit = read(FORWARD_UNIT);
        assertFalse(unit.lines().filter(l -> !l.startsWith("#")).anyMatch(l -> l.contains("/var/lib/loghost")),
                "the forwarder's unit keeps out of the data directory");
        assertTrue(unit.contains("\nReadWritePaths=/var/spool/loghost /run/loghost\n"), unit);
        assertTrue(read(Path.of("src/deb/tmpfiles.conf")).contains("\nd /var/spool/loghost 0700 loghost loghost -\n"));
        assertTrue(read(Path.of("src/deb/control/postinst"))
                .contains("install -d -m 0700 -o loghost -g loghost /var/spool/loghost"));
        assertEquals(p.get("spool"), setting(read(Path.of("src/main/resources/reference.conf")), "spool-dir"));
    }

    @Test
    void configExampleUnitAndReadmeUseThePackagedPaths() throws Exception {
        Map<String, String> p = packaged();
        String unit = read(FORWARD_UNIT);
        assertTrue(unit.contains("mkfifo -m 600 " + p.get("fifo")), unit);
        String example = read(Path.of("config/loghost-forward.service"));
        for (String o : List.of("--fifo", "--spool")) {
            assertEquals(option(unit, o), option(example, o), "config/loghost-forward.service " + o);
        }
        assertEquals(p.get("key"), option(example, "--key"));
        assertEquals(p.get("known-hosts"), option(example, "--known-hosts"));
        String conf = read(Path.of("config/loghost.conf"));
        assertEquals(p.get("fifo"), setting(conf, "fifo"));
        assertEquals(p.get("spool"), setting(conf, "spool-dir"));
        assertEquals(p.get("key"), setting(conf, "key"));
        assertEquals(p.get("known-hosts"), setting(conf, "known-hosts"));

        String readme = read(README);
        Matcher fifos = Pattern.compile("/[a-z/]*run/[a-z/.]*fifo").matcher(readme);
        int n = 0;
        while (fifos.find()) {
            assertEquals(p.get("fifo"), fifos.group(), "a FIFO path in README.md");
            n++;
        }
        assertTrue(n >= 8, "README.md names the FIFO " + n + " times");
        assertFalse(readme.contains("/var/lib/loghost/spool"), "README.md keeps the spool out of the data directory");
        Matcher spools = Pattern.compile("--spool (/var/spool/loghost)\\s").matcher(readme);
        assertTrue(spools.find(), "README.md's forward commands spool in " + p.get("spool"));
        // A host's own key (the witness key of another section is a second key, by design) and known_hosts.
        for (String flag : List.of("--key /etc/loghost/id_", "--known-hosts /")) {
            Matcher m = Pattern.compile(Pattern.quote(flag) + "\\S*").matcher(readme);
            int found = 0;
            for (; m.find(); found++) {
                assertEquals(p.get(flag.substring(2, flag.indexOf(' '))), m.group().substring(flag.indexOf(' ') + 1),
                        "README.md " + flag);
            }
            assertTrue(found >= 3, flag);
        }
    }

    @Test
    void readmePackageStepsLeaveFilesTheLoghostUserCanRead() throws Exception {
        Map<String, String> p = packaged();
        String readme = read(README);
        assertFalse(readme.contains("install -d -m 700 /etc/loghost"), "/etc/loghost must stay readable by loghost");
        List<String> host = readmeCommands("package-host-key");
        int keygen = -1;
        for (int i = 0; i < host.size(); i++) {
            if (host.get(i).startsWith("ssh-keygen ")) {
                keygen = i;
                assertEquals(p.get("key"), option(host.get(i), "-f"));
            }
        }
        assertTrue(keygen >= 0, () -> "no ssh-keygen in " + host);
        assertEquals("chown loghost:loghost " + p.get("key"), host.get(keygen + 1),
                "the key root makes is given to the user the packaged unit runs as");
        assertTrue(read(FORWARD_UNIT).contains("\nUser=loghost\n"));
        assertEquals(List.of("systemctl enable --now loghost-forward"), readmeCommands("package-host-forward"));
        // The layout table states what the package makes.
        for (String row : List.of(
                "| `/var/lib/loghost` | the loghost's data: logs, host key, enrolled keys | loghost, 0700 |",
                "| `" + p.get("spool") + "` | the forwarder's spool: unsent lines, the stream id | loghost, 0700 |",
                "| `" + p.get("fifo") + "` | the FIFO syslog writes into, made by `loghost-forward.service` | "
                        + "loghost, 0600 |",
                "| `" + p.get("key") + "` | a forwarding host's private key | loghost, 0600 (the unit runs as "
                        + "`loghost`) |",
                "| `" + p.get("config") + "` | `loghost-forward.service`'s settings (conffile) | root, 0644 |")) {
            assertTrue(readme.contains(row), row);
        }
        assertTrue(read(Path.of("src/deb/tmpfiles.conf")).contains("\nd /var/lib/loghost 0700 loghost loghost -\n"));
        assertTrue(read(Path.of("src/deb/systemd/loghost.service")).contains("--config /etc/loghost/loghost.conf"));
    }

    @Test
    void readmeIsWrittenForRootWithoutSudoWhereTheLayoutIsSet() throws Exception {
        String readme = read(README);
        assertTrue(readme.contains("written for\nroot, as on a minimal Debian, which has no `sudo`"), "said once");
        for (String section : List.of("## Install the package", "## Enroll a real host", "## Forward from a host",
                "## Pull mode")) {
            int from = readme.indexOf(section);
            String body = readme.substring(from, readme.indexOf("\n## ", from + 1));
            assertFalse(body.matches("(?s).*\\bsudo .*"), section + " uses sudo");
        }
        for (String name : List.of("package-loghost")) {
            for (String cmd : readmeCommands(name)) {
                assertFalse(cmd.startsWith("sudo"), cmd);
            }
        }
    }

    @Test
    void readmePullUserStepsGiveAHomeAShellAndAnUnlockedAccount() throws Exception {
        List<String> steps = readmeCommands("pull-user");
        String adduser = steps.get(0);
        assertTrue(adduser.startsWith("adduser --system "), adduser);
        String home = option(adduser, "--home");
        assertFalse(home.equals("/nonexistent"), adduser);
        assertEquals("/bin/sh", option(adduser, "--shell"), "sshd runs the forced command with the user's shell");
        assertTrue(steps.contains("usermod -p '*' loghost-pull"), "adduser --system locks the account: " + steps);
        assertTrue(steps.contains("install -d -m 700 -o loghost-pull -g loghost-pull " + home + "/.ssh"),
                steps::toString);
    }
}
