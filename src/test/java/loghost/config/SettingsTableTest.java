package loghost.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import loghost.testing.KeyGen;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The table of settings, reference.conf and SIGHUP's report say the same thing about every key. */
class SettingsTableTest {

    @TempDir
    Path dir;

    private static List<String> referenceLines() throws IOException {
        try (var in = SettingsTableTest.class.getClassLoader().getResourceAsStream("reference.conf")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().toList();
        }
    }

    @Test
    void theTableAndReferenceConfNameTheSameKeysAndEveryRowIsInAll() throws Exception {
        Set<String> reference = new TreeSet<>();
        ConfigFactory.parseResources("reference.conf").entrySet().forEach(e -> reference.add(e.getKey()));
        Set<String> table = new TreeSet<>();
        SettingsTable.ALL.forEach(s -> table.add(s.key()));
        assertEquals(reference, table);
        List<Setting<?>> declared = new ArrayList<>();
        for (Field f : SettingsTable.class.getFields()) {
            if (Modifier.isStatic(f.getModifiers()) && f.getType() == Setting.class) {
                declared.add((Setting<?>) f.get(null));
            }
        }
        assertEquals(declared.size(), SettingsTable.ALL.size(), "a row declared but left out of ALL");
        assertTrue(SettingsTable.ALL.containsAll(declared));
    }

    @Test
    void everyKeyInReferenceConfHasACommentAndSaysLiveExactlyWhenSighupAppliesIt() throws Exception {
        List<String> lines = referenceLines();
        for (Setting<?> s : SettingsTable.ALL) {
            String leaf = s.path().substring(s.path().lastIndexOf('.') + 1);
            int at = -1;
            for (int i = 0; i < lines.size(); i++) {
                String l = lines.get(i).strip();
                if (l.startsWith(leaf + " =") || l.startsWith(s.path() + " =")) {
                    at = i;
                    break;
                }
            }
            assertTrue(at > 0, s + " not written as \"KEY = VALUE\" in reference.conf");
            // Its comment: the comment lines of the block of lines it is in (keys may share one comment).
            StringBuilder comment = new StringBuilder();
            for (int i = at - 1; i >= 0 && !lines.get(i).isBlank() && !lines.get(i).strip().endsWith("{"); i--) {
                if (lines.get(i).strip().startsWith("#")) {
                    comment.insert(0, lines.get(i).strip() + " ");
                } else if (comment.length() > 0) {
                    break; // the comment above belongs to an earlier key of the block
                }
            }
            assertTrue(comment.length() > 0, s + " has no comment in reference.conf");
            boolean saysLive = comment.toString().contains(" Live.");
            assertEquals(s.reload() == Setting.Reload.LIVE, saysLive, s + ": " + comment);
        }
    }

    @Test
    void sighupNamesChangedPullSettingsAsNeedingARestartAndNeverTheForwardersOnes() throws Exception {
        assertEquals(Set.of("audit.refusals-per-second", "ssh.auth-timeout", "ssh.idle-timeout"),
                SettingsChanges.LIVE);
        String known = Files.readString(KeyGen.pub(KeyGen.generate(dir, "src", "ed25519"))).strip();
        Path before = Files.writeString(dir.resolve("a.conf"), "loghost.data-dir = \"./data\"\n");
        Path after = Files.writeString(dir.resolve("b.conf"), "loghost.data-dir = \"data\"\n"
                + "loghost.pull.backoff-max = 2m\nloghost.forward.heartbeat-interval = 5s\n"
                + "loghost.ssh.idle-timeout = 1m\nloghost.pull.sources = [{ host = web01, address = \"127.0.0.1\","
                + " user = loghost, key = \"/k\", known-host = \"" + known + "\" }]\n");
        assertEquals(List.of("ssh.idle-timeout", "pull.sources", "pull.backoff-max"),
                SettingsChanges.between(SettingsLoader.load(before), SettingsLoader.load(after)));
        assertEquals(List.of(), SettingsChanges.between(SettingsLoader.load(after), SettingsLoader.load(after)));
    }

    @Test
    void pullDefaultsComeFromReferenceConfAndASourceTakesThemUnlessItSetsItsOwn() throws Exception {
        PullSettings defaults = SettingsLoader.load(null).pull();
        assertEquals(new PullSettings(List.of(), Duration.ofSeconds(1), Duration.ofSeconds(60), 1L << 30), defaults);
        String known = Files.readString(KeyGen.pub(KeyGen.generate(dir, "src", "ed25519"))).strip();
        String source = "{ host = %s, address = \"127.0.0.1\", user = loghost, key = \"/k\", known-host = \"" + known
                + "\" %s }";
        Path conf = Files.writeString(dir.resolve("pull.conf"), "loghost.pull.sources = [" + source.formatted("web01",
                "") + ", " + source.formatted("web02", ", port = 2200, journal = true") + "]\n");
        PullSettings.Source web01 = SettingsLoader.load(conf).pull().source("web01");
        assertEquals(List.of(22, false, Duration.ofHours(1), List.of(), List.of(), false), List.of(web01.port(),
                web01.fromStart(), web01.collectInterval(), web01.follow(), web01.collect(), web01.journal()));
        Files.writeString(conf, "loghost.pull.source-defaults { port = 2222, collect-interval = 10m }\n",
                java.nio.file.StandardOpenOption.APPEND);
        PullSettings pull = SettingsLoader.load(conf).pull();
        assertEquals(2222, pull.source("web01").port());
        assertEquals(Duration.ofMinutes(10), pull.source("web01").collectInterval());
        assertEquals(2200, pull.source("web02").port(), "a source's own setting wins");
        assertTrue(pull.source("web02").journal());
        Files.writeString(conf, "loghost.pull.source-defaults.port = 0\n");
        String e = assertThrows(SettingsLoader.ConfigError.class, () -> SettingsLoader.load(conf)).getMessage();
        assertEquals("loghost.pull.source-defaults.port: out of range (1-65535), got 0", e);
        Files.writeString(conf, "loghost.pull.backoff-min = 2m\n");
        e = assertThrows(SettingsLoader.ConfigError.class, () -> SettingsLoader.load(conf)).getMessage();
        assertEquals("loghost.pull.backoff-min must be positive and at most backoff-max", e);
        Files.writeString(conf, "loghost.pull.sources = [{ host = \"Web 01\" }]\n");
        e = assertThrows(SettingsLoader.ConfigError.class, () -> SettingsLoader.load(conf)).getMessage();
        assertEquals("config file " + conf + ": loghost.pull.sources[0].host: \"Web 01\" is not a host name "
                + "([a-z0-9][a-z0-9.-]{0,62})", e);
    }

    @Test
    void aKeyNotInTheTableIsAnErrorNamingIt() throws Exception {
        Path conf = Files.writeString(dir.resolve("typo.conf"), "loghost.pull.source-defaults.prot = 22\n");
        String e = assertThrows(SettingsLoader.ConfigError.class, () -> SettingsLoader.load(conf)).getMessage();
        assertEquals("config file " + conf + ": unknown setting loghost.pull.source-defaults.prot (see reference.conf "
                + "for the settings that exist)", e);
    }
}
