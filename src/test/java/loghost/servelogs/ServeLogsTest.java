package loghost.servelogs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The forced command's grammar and its refusals, run in-process as sshd would run it. */
class ServeLogsTest {

    @TempDir
    Path dir;
    Path logs;
    Path allow;
    Path auth;

    /** What one run left: exit status, stdout bytes, stderr text. */
    record Result(int exit, byte[] out, String err) {
        String text() {
            return new String(out, StandardCharsets.ISO_8859_1);
        }
    }

    @BeforeEach
    void setUp() throws Exception {
        logs = Files.createDirectories(dir.resolve("log"));
        auth = logs.resolve("auth.log");
        Files.writeString(auth, "Nov 24 10:00:00 web01 sshd[1]: started\nsecond line\n");
        allow = dir.resolve("serve-logs.allow");
        Files.writeString(allow, "# test\n" + logs + "/auth.log*\n" + logs + "/wtmp\n");
    }

    private Result run(String command) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        InputStream never = new ByteArrayInputStream(new byte[0]);
        int exit = ServeLogs.run(allow, command, never, out, err);
        return new Result(exit, out.toByteArray(), err.toString(StandardCharsets.UTF_8));
    }

    private void assertRefused(Result r, int exit, String line) {
        assertEquals(exit, r.exit(), r::err);
        assertEquals(line + "\n", r.err());
        assertEquals(0, r.out().length, "nothing is read when refused");
    }

    private String id(Path p) {
        Result r = run("stat " + p);
        assertEquals(0, r.exit(), r::err);
        return r.text().split(" ")[0];
    }

    // The real command, in its own JVM, as sshd runs it: SSH_ORIGINAL_COMMAND in the environment.
    private loghost.testing.Run.Result runProcess(String command) throws Exception {
        java.util.List<String> cmd = java.util.List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "-cp", System.getProperty("java.class.path"), "loghost.cli.Main", "serve-logs",
                "--allow", allow.toString());
        return loghost.testing.Run.run(cmd, null, java.util.Map.of("SSH_ORIGINAL_COMMAND", command), 240);
    }

    @Test
    void aPathOfThousandsOfComponentsOrAPatternOfThousandsOfStarsIsAMalformedCommandInOneLine() throws Exception {
        String deep = "/a".repeat(3_000);
        String stars = logs + "/" + "*".repeat(30_000);
        for (String command : java.util.List.of("stat " + deep, "list " + deep, "list " + stars,
                "sha256 1.0123456789ab " + deep)) {
            loghost.testing.Run.Result r = runProcess(command);
            assertEquals(64, r.exit(), () -> r.stderr().substring(0, Math.min(2_000, r.stderr().length())));
            assertEquals("serve-logs: refused: malformed command\n", r.stderr());
            assertEquals("", r.stdout());
        }
    }

    @Test
    void thousandsOfStarsWithinTheLengthBoundMatchWithoutStackOrBacktracking() throws Exception {
        Files.writeString(logs.resolve("wtmp"), "not a log line\n");
        // 4,000 stars in a pattern, and in an allow line: each one matches a name of its component only.
        String many = "*".repeat(4_000 - logs.toString().length());
        Files.writeString(allow, logs + "/auth." + many + "g\n" + logs + "/wtmp\n");
        org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(java.time.Duration.ofSeconds(60), () -> {
            Result r = run("list " + logs + "/" + many + "x");
            assertEquals(0, r.exit(), r::err);
            assertEquals("", r.text());
            Result all = run("list " + logs + "/" + many);
            assertEquals(0, all.exit(), all::err);
            assertEquals(java.util.List.of(logs + "/auth.log", logs + "/wtmp"), all.text().lines()
                    .map(l -> l.split(" ")[2]).toList());
        });
        // The components must line up: a star never crosses a slash.
        assertRefused(run("stat " + logs.getParent() + "/x/log/auth.log"), 77, "serve-logs: refused: path not allowed");
    }

    @Test
    void refusesALoginWithoutCommand() {
        assertRefused(run(null), 77, "serve-logs: refused: no command (this key may only read the allowed logs)");
        assertRefused(run(""), 77, "serve-logs: refused: no command (this key may only read the allowed logs)");
    }

    @Test
    void refusesAnotherCommandOrAShell() {
        assertRefused(run("cat " + auth), 77, "serve-logs: refused: command not allowed");
        assertRefused(run("sh -c id"), 77, "serve-logs: refused: command not allowed");
        assertRefused(run("scp -f " + auth), 77, "serve-logs: refused: command not allowed");
    }

    @Test
    void refusesAPathOutsideTheAllowedOnes() {
        assertRefused(run("stat /etc/passwd"), 77, "serve-logs: refused: path not allowed");
        assertRefused(run("stat " + logs + "/syslog"), 77, "serve-logs: refused: path not allowed");
    }

    @Test
    void refusesDotDotAndRelativePaths() {
        assertRefused(run("stat " + logs + "/../log/auth.log"), 64, "serve-logs: refused: malformed command");
        assertRefused(run("stat " + logs + "/./auth.log"), 64, "serve-logs: refused: malformed command");
        assertRefused(run("stat auth.log"), 64, "serve-logs: refused: malformed command");
        assertRefused(run("stat " + logs + "//auth.log"), 64, "serve-logs: refused: malformed command");
    }

    @Test
    void refusesASymbolicLinkPointingOut() throws Exception {
        Path secret = Files.writeString(dir.resolve("shadow"), "root:secret\n");
        Files.createSymbolicLink(logs.resolve("auth.log.2"), secret);
        assertRefused(run("stat " + logs + "/auth.log.2"), 77,
                "serve-logs: refused: symbolic link leads outside the allowed files");
        Result list = run("list " + logs + "/auth.log*");
        assertEquals(0, list.exit(), list::err);
        assertTrue(!list.text().contains("auth.log.2"), list::text);
    }

    @Test
    void refusesNulNewlineAndOtherControlBytes() {
        assertRefused(run("stat " + auth + "\u0000"), 77, "serve-logs: refused: bad byte in command");
        assertRefused(run("stat " + auth + "\nid"), 77, "serve-logs: refused: bad byte in command");
        assertRefused(run("stat\t" + auth), 77, "serve-logs: refused: bad byte in command");
        assertRefused(run("stat  " + auth), 64, "serve-logs: refused: malformed command");
    }

    @Test
    void refusesADirectory() throws Exception {
        Files.writeString(allow, logs + "/*\n");
        Files.createDirectory(logs.resolve("sub"));
        assertRefused(run("stat " + logs + "/sub"), 77, "serve-logs: refused: not a regular file");
    }

    @Test
    void aBrokenAllowFileServesNothing() throws Exception {
        Files.writeString(allow, "var/log/relative\n");
        Result r = run("stat " + auth);
        assertEquals(78, r.exit());
        assertTrue(r.err().startsWith("serve-logs: cannot read the allow file: "), r::err);
    }

    @Test
    void readsTheAllowedFileByItsIdentity() throws Exception {
        String id = id(auth);
        assertTrue(id.matches("[0-9]+\\.[0-9a-f]{12}"), id);
        Result r = run("read " + id + " 7 - " + auth);
        assertEquals(0, r.exit(), r::err);
        assertArrayEquals(java.util.Arrays.copyOfRange(Files.readAllBytes(auth), 7, (int) Files.size(auth)), r.out());
        Result part = run("read " + id + " 0 5 " + auth);
        assertEquals("Nov 2", part.text());
    }

    @Test
    void refusesAFileReplacedUnderItsName() throws Exception {
        String id = id(auth);
        Files.move(auth, logs.resolve("auth.log.1"));
        Files.writeString(auth, "Nov 25 00:00:00 web01 a new file\n");
        Result r = run("read " + id + " 0 - " + auth);
        assertEquals(69, r.exit());
        assertTrue(r.err().startsWith("serve-logs: not this file: " + auth + " is now "), r::err);
        assertEquals(0, run("read " + id + " 0 - " + logs + "/auth.log.1").exit(), "found under its new name");
    }

    @Test
    void saysWhenAFileVanished() throws Exception {
        Files.delete(auth);
        assertRefused(run("stat " + auth), 66, "serve-logs: no such file: " + auth);
    }

    @Test
    void computesTheSha256OfABinaryFile() throws Exception {
        byte[] wtmp = new byte[384 * 3];
        for (int i = 0; i < wtmp.length; i++) {
            wtmp[i] = (byte) (i * 31);
        }
        Path f = Files.write(logs.resolve("wtmp"), wtmp);
        Result r = run("sha256 " + id(f) + " " + f);
        assertEquals(0, r.exit(), r::err);
        String expected = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(wtmp));
        assertEquals(expected + " " + wtmp.length + "\n", r.text());
    }

    @Test
    void listsOnlyAllowedRegularFilesInNameOrder() throws Exception {
        Files.writeString(logs.resolve("auth.log.1"), "Nov 23 00:00:00 old\n");
        Files.writeString(logs.resolve("syslog"), "not allowed\n");
        Result r = run("list " + logs + "/*");
        assertEquals(0, r.exit(), r::err);
        String[] lines = r.text().split("\n");
        assertEquals(2, lines.length, r::text);
        assertTrue(lines[0].endsWith(" " + auth), lines[0]);
        assertTrue(lines[1].endsWith(" " + logs + "/auth.log.1"), lines[1]);
    }

    @Test
    void refusesWildcardsOutsideTheLastComponent() {
        assertRefused(run("list " + dir + "/*/auth.log"), 77,
                "serve-logs: refused: a pattern may hold * and ? in its last component only");
    }

    @Test
    void aFollowerEndsWhenTheLoghostGoesAway() throws Exception {
        java.io.PipedOutputStream loghost = new java.io.PipedOutputStream();
        java.io.PipedInputStream stdin = new java.io.PipedInputStream(loghost);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        String command = "follow " + id(auth) + " 0 " + auth;
        java.util.concurrent.CompletableFuture<Integer> exit = java.util.concurrent.CompletableFuture.supplyAsync(
                () -> ServeLogs.run(allow, command, stdin, out, new ByteArrayOutputStream()));
        Thread.sleep(1000);
        assertTrue(!exit.isDone(), "a follower keeps following while the loghost is there");
        loghost.close(); // sshd closes the command's stdin when the connection goes
        assertEquals(0, exit.get(20, java.util.concurrent.TimeUnit.SECONDS));
        assertEquals(Files.readString(auth), out.toString(StandardCharsets.ISO_8859_1));
    }

    @Test
    void theJournalIsRefusedUnlessAllowedAndTakesOnlyAPosition() throws Exception {
        assertRefused(run("journal all"), 77, "serve-logs: refused: the journal is not allowed");
        assertRefused(run("journal-id"), 77, "serve-logs: refused: the journal is not allowed");
        Files.writeString(allow, "journal " + dir + "/journal\n", java.nio.file.StandardOpenOption.APPEND);
        assertRefused(run("journal --directory=/"), 64, "serve-logs: refused: malformed command");
        assertRefused(run("journal 0123:5;x"), 64, "serve-logs: refused: malformed command");
        assertRefused(run("journal all --merge"), 64, "serve-logs: refused: malformed command");
    }
}
