package loghost.pull;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import loghost.testing.Cli;
import loghost.testing.Run;
import loghost.testing.ServerProcess;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code loghost pull --once} and {@code loghost serve} with pull sources from the config file, as an operator runs them. */
class PullCommandTest {

    @TempDir
    Path tmp;
    private final List<AutoCloseable> toClose = new ArrayList<>();
    private SourceHost host;
    private Path auth;
    private Path data;
    private Path config;

    @BeforeEach
    void setUp() throws Exception {
        Path logs = Files.createDirectories(tmp.resolve("var-log"));
        auth = Files.writeString(logs.resolve("auth.log"), "Nov 24 10:00:00 web01 one\nNov 24 10:00:01 web01 two\n");
        host = SourceHost.start(tmp.resolve("source"), List.of(logs + "/auth.log*"));
        toClose.add(host);
        data = tmp.resolve("data");
        config = host.writeConfig(tmp.resolve("loghost.conf"), "follow = [\"" + auth + "\"]", "from-start = true");
    }

    @AfterEach
    void closeAll() throws Exception {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
    }

    @Test
    void pullOnceStoresAFollowedFileUpToItsEndAndNothingTwice() throws Exception {
        Run.Result first = Cli.run(data, "pull", "--config", config.toString(), "--once", "web01");
        assertEquals(0, first.exit(), first::toString);
        assertTrue(first.stdout().startsWith("pull web01: ok, 3 records stored"), first::toString);
        assertEquals(List.of("Nov 24 10:00:00 web01 one", "Nov 24 10:00:01 web01 two"),
                PullRig.pulledLines(data, "web01"));

        Run.Result again = Cli.run(data, "pull", "--config", config.toString(), "--once", "web01");
        assertEquals(0, again.exit(), again::toString);
        assertTrue(again.stdout().startsWith("pull web01: ok, 0 records stored"), again::toString);

        Files.writeString(auth, "Nov 24 10:00:02 web01 three\n", StandardOpenOption.APPEND);
        Run.Result third = Cli.run(data, "pull", "--config", config.toString(), "--once", "web01");
        assertEquals(0, third.exit(), third::toString);
        assertEquals(List.of("Nov 24 10:00:00 web01 one", "Nov 24 10:00:01 web01 two", "Nov 24 10:00:02 web01 three"),
                PullRig.pulledLines(data, "web01"));
        assertEquals(0, Cli.run(data, "verify").exit());
    }

    @Test
    void pullOnceOfASourceNotConfiguredSaysWhichAreConfigured() {
        Run.Result r = Cli.run(data, "pull", "--config", config.toString(), "--once", "db01");
        assertEquals(1, r.exit());
        assertEquals("loghost: error: no pull source 'db01' in loghost.pull.sources (configured: web01)\n", r.stderr());
    }

    @Test
    void aMistypedSourceSettingIsAnErrorNamingIt() throws Exception {
        Files.writeString(config, Files.readString(config).replace("from-start = true", "form-start = true"));
        Run.Result r = Cli.run(data, "pull", "--config", config.toString(), "--once", "web01");
        assertEquals(1, r.exit());
        assertTrue(r.stderr().startsWith("loghost: error: config file " + config + ": loghost.pull.sources[0]: "
                + "unknown setting form-start"), r::toString);
    }

    @Test
    void aChangedHostKeyEndsPullOnceWith78AndNothingStored() throws Exception {
        host.newHostKey();
        host.restart();
        Run.Result r = Cli.run(data, "pull", "--config", config.toString(), "--once", "web01");
        assertEquals(78, r.exit(), r::toString);
        assertTrue(r.stderr().startsWith("loghost: error: pull web01: host key of web01 refused: SHA256:"), r::toString);
        assertTrue(PullRig.pulledLines(data, "web01").isEmpty());
    }

    @Test
    void serveRunsTheConfiguredSourcesAndPullOnceIsRefusedMeanwhile() throws Exception {
        Path err = tmp.resolve("serve.err");
        ServerProcess serve = ServerProcess.startWith(data, err, tmp.resolve("known_hosts"), "--config",
                config.toString());
        toClose.add(serve);
        assertTrue(SourceHost.await(Duration.ofSeconds(120), () -> {
            try {
                return PullRig.pulledLines(data, "web01").size() == 2;
            } catch (java.io.IOException e) {
                return false;
            }
        }), serve::stderr);
        Files.writeString(auth, "Nov 24 10:00:02 web01 three\n", StandardOpenOption.APPEND);
        assertTrue(SourceHost.await(Duration.ofSeconds(60), () -> {
            try {
                return PullRig.pulledLines(data, "web01").size() == 3;
            } catch (java.io.IOException e) {
                return false;
            }
        }), "a line appended later arrives while serve follows the file");

        Run.Result status = Cli.run(data, "status", "--config", config.toString());
        assertTrue(status.stdout().contains("\nweb01\t"), status::toString);
        assertTrue(status.stdout().lines().anyMatch(l -> l.startsWith("web01\t") && l.endsWith("\tok")),
                () -> "a pulled host is expected, not revoked: " + status);
        assertTrue(status.stdout().contains("PULL-SOURCE\tADDRESS\tSTATE\tSINCE\tLAST-RECORD\tLAST-COLLECTION\t"
                + "LAST-ERROR\nweb01\t127.0.0.1:" + host.port() + "\tconnected\t"), status::toString);

        Run.Result once = Cli.run(data, "pull", "--config", config.toString(), "--once", "web01");
        assertEquals(1, once.exit());
        assertTrue(once.stderr().startsWith("loghost: error: another loghost serve or loghost pull --once is writing in "),
                once::toString);
    }
}
