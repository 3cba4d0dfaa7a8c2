package loghost.pull;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import loghost.testing.Cli;
import loghost.testing.HostRecords;
import loghost.testing.Run;
import loghost.testing.Tmpfs;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * File collection from a compromised source host (HostileAnswers): whatever it answers, nothing lands outside
 * {@code files/HOST/}, no reply outside PROTOCOL.md's grammar is acted on, and {@code pull --once} ends.
 */
class HostileSourceTest {

    private static final String ID = "1311.aaaaaaaaaaaa";
    private static final byte[] PWNED = "pwned\n".getBytes(StandardCharsets.US_ASCII);

    @TempDir
    Path tmp;
    private final List<AutoCloseable> toClose = new ArrayList<>();
    private Path logs;
    private SourceHost host;
    private Path data;
    private Path config;

    @BeforeEach
    void setUp() throws Exception {
        logs = Files.createDirectories(tmp.resolve("var-log"));
        Files.writeString(logs.resolve("auth.log"), "Nov 24 10:00:00 web01 today\n");
        host = SourceHost.start(tmp.resolve("source"), List.of(logs + "/*"));
        toClose.add(host);
        data = Files.createDirectory(tmp.resolve("data"),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        config = host.writeConfig(tmp.resolve("loghost.conf"), "collect = [\"" + logs + "/*\"]");
    }

    @AfterEach
    void closeAll() throws Exception {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
    }

    private Run.Result once() {
        return Cli.run(data, "pull", "--config", config.toString(), "--once", "web01");
    }

    // The list, sha256 and read answers of one file, consistent with each other, listed under the path given.
    private void lists(String listed, byte[] content) throws Exception {
        host.answer(new HostileAnswers()
                .reply("list ", ID + " " + content.length + " " + listed + "\n")
                .reply("sha256 ", HostileAnswers.sha256Line(content))
                .reply("read ", content, "", 0));
    }

    private List<String> audited() throws Exception {
        return HostRecords.read(data, "_loghost").stream().map(HostRecords.Rec::text).toList();
    }

    private static List<String> collectedMarks(Path data) throws Exception {
        return HostRecords.read(data, "web01").stream().filter(r -> r.type().equals("mark")
                && r.text().startsWith("pull-collected ")).map(HostRecords.Rec::text).toList();
    }

    private void assertRefused(Run.Result r, String reason) throws Exception {
        assertEquals(1, r.exit(), r::toString);
        assertTrue(r.stderr().startsWith("loghost: error: pull web01: refused reason=" + reason + " source=web01 "),
                r::toString);
        assertTrue(r.stderr().lines().count() == 1, r::toString);
        List<String> audit = audited();
        assertTrue(audit.stream().anyMatch(a -> a.startsWith("refused reason=" + reason + " source=web01 ")),
                audit::toString);
    }

    @Test
    void aListedPathClimbingOutOfItsDirectoryWritesNothingAndEndsTheRound() throws Exception {
        host.answer(new HostileAnswers()
                .reply("list ", ID + " 6 /var/log/../../../../../pwned-in-data\n"
                        + ID + " 6 /var/log/../../../../../hosts/web02/2099-01-01.log\n")
                .reply("sha256 ", HostileAnswers.sha256Line(PWNED))
                .reply("read ", PWNED, "", 0));
        Run.Result r = once();
        assertRefused(r, "pull-reply-malformed");
        assertFalse(Files.exists(data.resolve("pwned-in-data")), "nothing written beside files/");
        assertFalse(Files.exists(data.resolve("hosts/web02")), "nothing written in another host's directory");
        assertFalse(host.requests().stream().anyMatch(q -> q.startsWith("sha256 ") || q.startsWith("read ")),
                "nothing asked after the refused reply");
        assertEquals(0, Cli.run(data, "verify").exit());
    }

    @Test
    void aListedPathThePatternDoesNotMatchIsRefused() throws Exception {
        lists("/etc/shadow", PWNED);
        assertRefused(once(), "pull-reply-malformed");
        assertTrue(collectedMarks(data).isEmpty());
        try (Stream<Path> s = Files.walk(data.resolve("files/web01"))) {
            assertTrue(s.noneMatch(Files::isRegularFile), "no copy");
        }
    }

    @Test
    void aListedNameWithTerminalControlsIsRefusedAndTheManifestStaysPrintable() throws Exception {
        Run.Result honest = once();
        assertEquals(0, honest.exit(), honest::toString);
        byte[] auth = Files.readAllBytes(logs.resolve("auth.log"));
        String sha = HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(auth));
        // The copy's name is the loghost's own: the day, the start of its SHA-256, the last part of the path.
        String name = LocalDate.now(ZoneOffset.UTC) + "/" + sha.substring(0, 16) + "-auth.log";
        assertEquals(new String(auth, StandardCharsets.US_ASCII),
                Files.readString(data.resolve("files/web01/" + name)));

        lists(logs + "/evil\u001b]2;owned\u0007.log", PWNED);
        assertRefused(once(), "pull-reply-malformed");
        byte[] manifest = Files.readAllBytes(data.resolve("files/web01/MANIFEST"));
        for (byte b : manifest) {
            assertTrue(b == '\n' || b >= 0x20 && b <= 0x7e, () -> "MANIFEST holds byte " + b);
        }
        try (Stream<Path> s = Files.walk(data)) {
            assertTrue(s.noneMatch(p -> p.getFileName().toString().chars().anyMatch(c -> c < 0x20)),
                    "no file name with a control character");
        }
        Run.Result sums = Run.run(List.of("sh", "-c", "cd " + data.resolve("files/web01") + " && sha256sum -c "
                + "--strict MANIFEST"), null, null, 60);
        assertEquals(name + ": OK\n", sums.stdout(), sums::toString);
        assertEquals(0, Cli.run(data, "verify").exit());
    }

    @Test
    void aMalformedSha256ReplyIsRefusedAndAudited() throws Exception {
        host.answer(new HostileAnswers().reply("sha256 ", "not a checksum\u001b[2J\n"));
        assertRefused(once(), "pull-reply-malformed");
        assertTrue(collectedMarks(data).isEmpty());
    }

    @Test
    void aReadLongerThanAskedKeepsNothingAndPullOnceEnds() throws Exception {
        // On a small disk of its own: were the flood stored, it would stop at ENOSPC, not fill the machine's disk.
        Path small = tmp.resolve("small");
        Tmpfs fs = Tmpfs.mount(small, "64m");
        toClose.add(fs);
        data = Files.createDirectory(small.resolve("data"),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        byte[] hundred = "A".repeat(100).getBytes(StandardCharsets.US_ASCII);
        host.answer(new HostileAnswers()
                .reply("list ", ID + " 100 " + logs + "/big.log\n")
                .reply("sha256 ", HostileAnswers.sha256Line(hundred))
                .endless("read ", hundred));
        Run.Result r = assertTimeoutPreemptively(Duration.ofMinutes(3), this::once);
        assertRefused(r, "pull-read-too-long");
        assertTrue(collectedMarks(data).isEmpty());
        try (Stream<Path> s = Files.walk(data.resolve("files/web01"))) {
            assertTrue(s.noneMatch(Files::isRegularFile), "no copy, no partial one");
        }
    }

    // A source that sends first (or nothing) and then nothing more, holding the connection open.
    private Run.Result stalled(String verb, byte[] first, byte[] content) throws Exception {
        // The longest wait for data is ssh.idle-timeout: 5 s here, so that the wait is short and still measurable.
        Files.writeString(config, "loghost.ssh.idle-timeout = 5s\n" + Files.readString(config));
        host.answer(new HostileAnswers()
                .reply("list ", ID + " " + content.length + " " + logs + "/big.log\n")
                .stall(verb, first)
                .reply("sha256 ", HostileAnswers.sha256Line(content)));
        long start = System.nanoTime();
        Run.Result r = assertTimeoutPreemptively(Duration.ofMinutes(3), this::once);
        assertTrue(System.nanoTime() - start >= Duration.ofSeconds(5).toNanos(), "it waited the idle time for data");
        assertEquals(1, r.exit(), r::toString);
        try (Stream<Path> s = Files.walk(data.resolve("files/web01"))) {
            assertTrue(s.noneMatch(Files::isRegularFile), "no copy, no partial one");
        }
        return r;
    }

    @Test
    void aReadThatStallsEndsTheRoundAfterTheIdleTimeout() throws Exception {
        byte[] hundred = "A".repeat(100).getBytes(StandardCharsets.US_ASCII);
        Run.Result r = stalled("read ", "A".repeat(10).getBytes(StandardCharsets.US_ASCII), hundred);
        assertTrue(r.stderr().startsWith("loghost: error: pull web01: no data for 5 s during 'read " + ID + " 0 100 "),
                r::toString);
    }

    @Test
    void aSha256ThatNeverAnswersEndsTheRoundAfterTheIdleTimeout() throws Exception {
        Run.Result r = stalled("sha256 ", new byte[0], PWNED);
        assertTrue(r.stderr().startsWith("loghost: error: pull web01: no data for 5 s during 'sha256 " + ID + " "),
                r::toString);
    }

    @Test
    void inServeARefusedSourceIsRetriedAndTheSameRefusalAuditedOnce() throws Exception {
        lists("/var/log/../../../../../pwned-in-data", PWNED);
        Path served = tmp.resolve("served");
        PullSource source;
        Thread t;
        try (PullRig rig = new PullRig(served)) {
            source = rig.source(PullRig.source(host, "web01", host.hostKeyLine(), List.of(), List.of(logs + "/*")));
            t = new Thread(source::runForever, "test-puller-web01");
            t.start();
            try {
                // Three rounds refused: the source was retried after each (backoff 200 ms to 1 s in the rig).
                assertTrue(SourceHost.await(Duration.ofSeconds(120), () -> {
                    try {
                        return host.requests().stream().filter(q -> q.startsWith("list ")).count() >= 3;
                    } catch (java.io.IOException e) {
                        return false;
                    }
                }), () -> "retried: " + source.stateWord());
            } finally {
                source.stop();
                t.join(30_000);
            }
            assertFalse(t.isAlive());
        }
        List<String> refusals = HostRecords.read(served, "_loghost").stream().map(HostRecords.Rec::text)
                .filter(a -> a.startsWith("refused reason=pull-reply-malformed source=web01 ")).toList();
        assertEquals(1, refusals.size(), () -> "audited once, not at every retry: " + refusals);
        assertFalse(Files.exists(served.resolve("pwned-in-data")));
    }

    @Test
    void aSha256SizeAboveCollectMaxBytesIsRefusedAndTheOtherFilesAreCollected() throws Exception {
        Files.writeString(config, "loghost.pull.collect-max-bytes = 64KiB\n" + Files.readString(config));
        Path auth = logs.resolve("auth.log");
        String authId = CopyTruncateTest.id(auth);
        // big.log claims 100,000 bytes (a source may claim up to 2^63-1): more than the loghost takes.
        host.answer(new HostileAnswers()
                .reply("list ", ID + " 100000 " + logs + "/big.log\n" + authId + " " + Files.size(auth) + " " + auth
                        + "\n")
                .reply("sha256 " + ID + " ", "a".repeat(64) + " 100000\n")
                .reply("read " + ID + " ", PWNED, "", 0));
        Run.Result r = once();
        assertEquals(1, r.exit(), r::toString);
        assertTrue(r.stderr().contains("1 file(s) not collected: " + logs + "/big.log: "), r::toString);
        assertEquals(1, collectedMarks(data).size(), "auth.log is collected all the same");
        List<String> audit = audited();
        assertTrue(audit.contains("refused reason=pull-file-too-large source=web01 command=\"sha256 " + ID + " "
                + logs + "/big.log\" size=100000 limit=65536"), audit::toString);
        assertFalse(host.requests().stream().anyMatch(q -> q.startsWith("read " + ID)), "big.log is never read");
    }

    @Test
    void aFileThatCannotBeReadIsAnErrorOfTheRoundAndTheOtherFilesAreCollected() throws Exception {
        Path auth = logs.resolve("auth.log");
        String authId = CopyTruncateTest.id(auth);
        // secret.log comes first: a read that exits 74 must not end the round before auth.log is collected.
        host.answer(new HostileAnswers()
                .reply("list ", ID + " 6 " + logs + "/secret.log\n" + authId + " " + Files.size(auth) + " " + auth
                        + "\n")
                .reply("sha256 " + ID + " ", HostileAnswers.sha256Line(PWNED))
                .reply("read " + ID + " ", new byte[0], "serve-logs: cannot read " + logs + "/secret.log\n", 74));
        Run.Result r = once();
        assertEquals(1, r.exit(), r::toString);
        assertTrue(r.stderr().contains("1 file(s) not collected: " + logs + "/secret.log: read exit 74"), r::toString);
        assertEquals(1, collectedMarks(data).size(), "auth.log is collected all the same");
    }

    @Test
    void aListReplyLongerThanFourMebibytesIsRefusedAndAudited() throws Exception {
        host.answer(new HostileAnswers().endless("list ", (ID + " 6 " + logs + "/auth.log\n")
                .getBytes(StandardCharsets.US_ASCII)));
        Run.Result r = assertTimeoutPreemptively(Duration.ofMinutes(3), this::once);
        assertRefused(r, "pull-reply-malformed");
        assertTrue(r.stderr().contains(" (longer than 4 MiB)"), r::toString);
        assertTrue(collectedMarks(data).isEmpty());
    }

    @Test
    void aSha256ReplyLongerThanFourMebibytesIsRefusedAndAudited() throws Exception {
        host.answer(new HostileAnswers().endless("sha256 ", "a".repeat(64).getBytes(StandardCharsets.US_ASCII)));
        Run.Result r = assertTimeoutPreemptively(Duration.ofMinutes(3), this::once);
        assertRefused(r, "pull-reply-malformed");
        assertTrue(r.stderr().contains(" (longer than 4 MiB)"), r::toString);
        assertTrue(collectedMarks(data).isEmpty());
    }

    @Test
    void aPullKeyOpenToGroupIsRefusedWithTheChmodToRun() throws Exception {
        Files.setPosixFilePermissions(host.clientKey(), PosixFilePermissions.fromString("rw-r--r--"));
        Run.Result r = once();
        assertEquals(1, r.exit(), r::toString);
        assertEquals("loghost: error: pull web01: private key " + host.clientKey() + " is open to group or others "
                + "(mode rw-r--r--); fix with: chmod 600 " + host.clientKey() + "\n", r.stderr());
        assertTrue(host.requests().isEmpty(), "the key was never used");
    }
}
