package loghost.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import loghost.testing.Run;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The command line a sysadmin meets first: help everywhere, usage errors exit 2, missing files named. */
class CommandLineTest {

    @TempDir
    Path dir;

    private static Run.Result loghost(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(new PrintWriter(out), new PrintWriter(err), args);
        return new Run.Result(code, out.toString(), err.toString());
    }

    @Test
    void bareLoghostPrintsUsageAndExits2() {
        Run.Result r = loghost();
        assertEquals(2, r.exit(), r::toString);
        assertTrue(r.stderr().startsWith("Usage: loghost "), r::toString);
        assertEquals("", r.stdout());
    }

    @ParameterizedTest
    @ValueSource(strings = {"serve", "enroll", "revoke", "keys", "verify", "forward", "status", "cat", "tail", "grep", "compress",
        "archive", "init-seal", "pull", "serve-logs", "compare-streams"})
    void everySubcommandAnswersHelpAndHelpCommand(String command) {
        Run.Result r = loghost(command, "--help");
        assertEquals(0, r.exit(), r::toString);
        assertTrue(r.stdout().startsWith("Usage: loghost " + command + " "), r::toString);
        Run.Result h = loghost("help", command);
        assertEquals(0, h.exit(), h::toString);
        assertEquals(r.stdout(), h.stdout());
    }

    @Test
    void unknownCommandIsAUsageError() {
        Run.Result r = loghost("bogus", "--help");
        assertEquals(2, r.exit(), r::toString);
        assertTrue(r.stderr().startsWith("loghost: error: unknown command 'bogus'; commands: serve, "), r::toString);
    }

    @Test
    void aMissingFileIsNamedInOneLine() {
        Path missing = dir.resolve("nope.pub");
        Run.Result r = loghost("enroll", "--data", dir.resolve("data").toString(), "web01", missing.toString());
        assertEquals(1, r.exit(), r::toString);
        assertEquals("loghost: error: no such file: " + missing + "\n", r.stderr());
    }

    @Test
    void theManPagesCoverEveryCommandAndSayWhatItsHelpSays() throws Exception {
        Path out = dir.resolve("doc");
        ManPages.main(new String[] {out.toString()});
        java.util.List<String> pages;
        try (var files = java.nio.file.Files.list(out.resolve("man1"))) {
            pages = files.map(f -> f.getFileName().toString()).sorted().toList();
        }
        assertEquals(java.util.List.of("loghost-archive.1", "loghost-cat.1", "loghost-compare-streams.1",
                "loghost-compress.1", "loghost-enroll.1", "loghost-forward.1", "loghost-grep.1", "loghost-init-seal.1",
                "loghost-keys.1", "loghost-pull.1", "loghost-revoke.1", "loghost-serve-logs.1", "loghost-serve.1",
                "loghost-status.1", "loghost-tail.1", "loghost-verify.1", "loghost.1"), pages);
        String tail = java.nio.file.Files.readString(out.resolve("man1/loghost-tail.1"));
        StringWriter help = new StringWriter();
        assertEquals(0, Main.run(new PrintWriter(help), new PrintWriter(new StringWriter()), "tail", "--help"));
        String firstOption = help.toString().lines().filter(l -> l.trim().startsWith("-")).findFirst().orElseThrow();
        assertTrue(tail.contains(firstOption.trim().replace("\\", "\\e")), tail);
        assertTrue(java.nio.file.Files.readString(out.resolve("bash-completion/loghost")).contains("tail"));
    }
}
