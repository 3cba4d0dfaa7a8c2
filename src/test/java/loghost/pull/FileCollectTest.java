package loghost.pull;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import loghost.testing.Cli;
import loghost.testing.HostRecords;
import loghost.testing.Run;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** File collection through serve-logs on a real sshd: byte for byte, checksummed on both ends, each copy once. */
class FileCollectTest {

    @TempDir
    Path tmp;
    private final List<AutoCloseable> toClose = new ArrayList<>();
    private Path logs;
    private SourceHost host;
    private byte[] wtmp;

    @BeforeEach
    void setUp() throws Exception {
        logs = Files.createDirectories(tmp.resolve("var-log"));
        // wtmp-like: fixed 384-byte binary records, NULs and high bytes, no line structure at all.
        wtmp = new byte[384 * 5];
        for (int i = 0; i < wtmp.length; i++) {
            wtmp[i] = (byte) ((i * 131) ^ (i >> 3));
        }
        Files.write(logs.resolve("wtmp"), wtmp);
        Files.writeString(logs.resolve("auth.log"), "Nov 24 10:00:00 web01 today\n");
        Files.writeString(logs.resolve("auth.log.1"), "Nov 23 10:00:00 web01 yesterday\n");
        host = SourceHost.start(tmp.resolve("source"), List.of(logs + "/auth.log*", logs + "/wtmp"));
        toClose.add(host);
    }

    @AfterEach
    void closeAll() throws Exception {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
    }

    private void once(Path data) throws Exception {
        try (PullRig rig = new PullRig(data)) {
            rig.source(PullRig.source(host, "web01", host.hostKeyLine(), List.of(),
                    List.of(logs + "/auth.log*", logs + "/wtmp"))).runOnce();
        }
    }

    private static Path day(Path data) {
        return data.resolve("files/web01/" + LocalDate.now(ZoneOffset.UTC));
    }

    // A copy's name is the loghost's own (FORMAT.md, "Collected files"): the start of its SHA-256, then its base name.
    private static Path copy(Path data, String base, byte[] content) throws Exception {
        return day(data).resolve(sha256(content).substring(0, 16) + "-" + base);
    }

    private static Path copy(Path data, String base, String content) throws Exception {
        return copy(data, base, content.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    private static String sha256(byte[] b) throws Exception {
        return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(b));
    }

    private static boolean anyCopyOf(Path data, String base) throws Exception {
        if (!Files.isDirectory(day(data))) {
            return false;
        }
        try (var s = Files.list(day(data))) {
            return s.anyMatch(p -> p.getFileName().toString().endsWith("-" + base));
        }
    }

    private static List<String> collectedMarks(Path data) throws Exception {
        return HostRecords.read(data, "web01").stream().filter(r -> r.type().equals("mark")
                && r.text().startsWith("pull-collected ")).map(HostRecords.Rec::text).toList();
    }

    @Test
    void collectsBinaryAndRotatedFilesByteForByteWithTheirChecksumsRecorded() throws Exception {
        Path data = tmp.resolve("data");
        once(data);
        assertArrayEquals(wtmp, Files.readAllBytes(copy(data, "wtmp", wtmp)));
        assertEquals("Nov 24 10:00:00 web01 today\n", Files.readString(copy(data, "auth.log",
                "Nov 24 10:00:00 web01 today\n")));
        assertEquals("Nov 23 10:00:00 web01 yesterday\n", Files.readString(copy(data, "auth.log.1",
                "Nov 23 10:00:00 web01 yesterday\n")));
        // The manifest is checked by coreutils alone, like the day files' one.
        Run.Result sums = Run.run(List.of("sh", "-c", "cd " + data.resolve("files/web01") + " && sha256sum -c --strict "
                + "MANIFEST"), null, null, 60);
        assertEquals(0, sums.exit(), sums::toString);
        assertEquals(3, sums.stdout().lines().filter(l -> l.endsWith(": OK")).count(), sums::toString);
        List<String> marks = collectedMarks(data);
        assertEquals(3, marks.size(), marks::toString);
        String sha = java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                .digest(wtmp));
        assertTrue(marks.stream().anyMatch(m -> m.startsWith("pull-collected path=\"" + logs + "/wtmp\" file=files/"
                + "web01/") && m.contains(" sha256=" + sha + " size=1920 ")), marks::toString);
        assertEquals(0, Cli.run(data, "verify").exit());
    }

    @Test
    void anUnchangedOrRotatedFileIsNotCopiedAgain() throws Exception {
        Path data = tmp.resolve("data");
        once(data);
        // logrotate: auth.log.1 -> auth.log.2, auth.log -> auth.log.1, a new auth.log.
        Files.move(logs.resolve("auth.log.1"), logs.resolve("auth.log.2"));
        Files.move(logs.resolve("auth.log"), logs.resolve("auth.log.1"));
        Files.writeString(logs.resolve("auth.log"), "Nov 25 10:00:00 web01 tomorrow\n");
        once(data);
        List<String> marks = collectedMarks(data);
        assertEquals(4, marks.size(), () -> "only the new auth.log is copied: " + marks);
        assertTrue(marks.get(3).startsWith("pull-collected path=\"" + logs + "/auth.log\" "), marks::toString);
        assertEquals("Nov 25 10:00:00 web01 tomorrow\n", Files.readString(copy(data, "auth.log",
                "Nov 25 10:00:00 web01 tomorrow\n")));
    }

    @Test
    void aFileChangedDuringTransferLeavesNoCopyAndIsCollectedNextRound() throws Exception {
        Path data = tmp.resolve("data");
        Path busy = Files.writeString(logs.resolve("auth.log"), "Nov 24 10:00:00 web01 today\nsecond line\n");
        // Rewritten in place between the host's sha256 and the read: same first line (same identity), other bytes.
        Thread writer = new Thread(() -> {
            try {
                SourceHost.await(Duration.ofSeconds(120), () -> {
                    try {
                        return host.requests().stream().anyMatch(r -> r.startsWith("read ") && r.endsWith(" " + busy));
                    } catch (java.io.IOException e) {
                        return false;
                    }
                });
                Files.writeString(busy, "Nov 24 10:00:00 web01 today\nSECOND LINE\n");
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        writer.start();
        PullFailure f = assertThrows(PullFailure.class, () -> once(data));
        writer.join();
        assertTrue(f.getMessage().contains(busy + ": changed during transfer: the host said sha256 "), f::getMessage);
        try (var s = Files.list(data.resolve("files/web01/.partial"))) {
            assertEquals(0, s.count(), "no partial copy is left");
        }
        assertTrue(!anyCopyOf(data, "auth.log"), "no copy that looks complete");
        once(data);
        assertEquals(Files.readString(busy), Files.readString(copy(data, "auth.log", Files.readString(busy))));
        assertEquals(0, Cli.run(data, "verify").exit());
    }

    @Test
    void verifyChecksEveryCopyAgainstTheManifest() throws Exception {
        Path data = tmp.resolve("data");
        once(data);
        Path copy = copy(data, "wtmp", wtmp);
        String label = "files/web01/" + LocalDate.now(ZoneOffset.UTC) + "/" + copy.getFileName();
        byte[] tampered = wtmp.clone();
        tampered[100] ^= 1;
        Files.write(copy, tampered);
        Run.Result r = Cli.run(data, "verify");
        assertEquals(1, r.exit(), r::toString);
        assertTrue(r.stdout().contains("verify: FAIL: " + label + ": does not match its MANIFEST entry (sha256)\n"),
                r::toString);
        Files.delete(copy);
        r = Cli.run(data, "verify");
        assertTrue(r.stdout().contains("verify: FAIL: " + label + ": listed in MANIFEST but missing\n"), r::toString);
        Files.write(copy, wtmp);
        Files.writeString(day(data).resolve("extra"), "not collected\n");
        r = Cli.run(data, "verify");
        assertEquals(0, r.exit(), r::toString);
        assertTrue(r.stdout().contains("verify: warning: files/web01/" + LocalDate.now(ZoneOffset.UTC)
                + "/extra: not listed in MANIFEST"), r::toString);
    }

    @Test
    void verifyRefusesAManifestWhosePathsHoldControlCharactersOrDotComponents() throws Exception {
        Path data = tmp.resolve("data");
        once(data);
        Path manifest = data.resolve("files/web01/MANIFEST");
        String good = Files.readString(manifest);
        // A manifest made to show an escape sequence to whoever reads it, the copies untouched.
        Files.writeString(manifest, good.replace(" path=" + logs + "/wtmp ", " path=" + logs + "/w\u001b[2Jtmp "));
        Run.Result r = Cli.run(data, "verify");
        assertEquals(1, r.exit(), r::toString);
        assertTrue(r.stdout().contains("verify: FAIL: files/web01/MANIFEST:"), r::toString);
        assertTrue(r.stdout().contains(": malformed manifest entry\n"), r::toString);
        Files.writeString(manifest, good.replace(" path=" + logs + "/wtmp ", " path=" + logs + "/../wtmp "));
        r = Cli.run(data, "verify");
        assertEquals(1, r.exit(), r::toString);
        assertTrue(r.stdout().contains(": malformed manifest entry\n"), r::toString);
        Files.writeString(manifest, good);
        assertEquals(0, Cli.run(data, "verify").exit());
    }

    @Test
    void theManifestExampleInFormatMdIsWhatVerifyAndSha256sumAccept() throws Exception {
        var m = java.util.regex.Pattern.compile("<!-- example-file: files/web01/MANIFEST -->\n```\n(.*?)```\n"
                + "<!-- end-example-file -->", java.util.regex.Pattern.DOTALL)
                .matcher(Files.readString(Path.of("docs/FORMAT.md")));
        assertTrue(m.find(), "example block missing from docs/FORMAT.md");
        Path data = tmp.resolve("data");
        once(data); // a real data directory, whose collected files are then replaced by the example's
        Path files = data.resolve("files/web01");
        try (var s = Files.walk(files)) {
            for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                if (!p.equals(files) && !p.startsWith(files.resolve(".partial"))) {
                    Files.delete(p);
                }
            }
        }
        Path day = Files.createDirectory(files.resolve("2026-11-24"));
        Files.write(day.resolve("155e437b946ac82a-wtmp"), new byte[1920]); // the example's 1,920 NUL bytes
        Files.writeString(files.resolve("MANIFEST"), m.group(1));
        Run.Result sums = Run.run(List.of("sh", "-c", "cd " + files + " && sha256sum -c --strict MANIFEST"), null, null,
                60);
        assertEquals("2026-11-24/155e437b946ac82a-wtmp: OK\n", sums.stdout(), sums::toString);
        Run.Result r = Cli.run(data, "verify");
        assertEquals(0, r.exit(), r::toString);
        assertTrue(r.stdout().startsWith("verify: OK: "), r::toString);
        assertTrue(!r.stdout().contains("files/"), r::toString);
    }

    @Test
    void aFileThatVanishesAfterBeingListedIsAnErrorWithNoCopyAndIsCollectedWhenBack() throws Exception {
        Path data = tmp.resolve("data");
        Path wtmpFile = logs.resolve("wtmp");
        // wtmp goes as soon as the loghost asks for its sha256: the request is noted before serve-logs' JVM starts.
        Thread remover = new Thread(() -> {
            try {
                SourceHost.await(Duration.ofSeconds(120), () -> {
                    try {
                        return host.requests().stream().anyMatch(r -> r.startsWith("sha256 ")
                                && r.endsWith(" " + logs + "/wtmp"));
                    } catch (java.io.IOException e) {
                        return false;
                    }
                });
                Files.delete(wtmpFile);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        remover.start();
        PullFailure f = assertThrows(PullFailure.class, () -> once(data));
        remover.join();
        // Gone before serve-logs hashed it, or (on a loaded machine the hash may win the race with the delete)
        // before it was read: either way the round says so for that file and keeps no copy.
        String gone = wtmpFile + ": sha256 exit 66 \"serve-logs: no such file: " + wtmpFile + "\"";
        String goneWhileRead = wtmpFile + ": read exit 66 (the file was replaced or shrank during transfer)";
        assertTrue(f.getMessage().contains(gone) || f.getMessage().contains(goneWhileRead), f::getMessage);
        assertTrue(!anyCopyOf(data, "wtmp"), "no copy");
        try (var s = Files.list(data.resolve("files/web01/.partial"))) {
            assertEquals(0, s.count(), "no partial copy is left");
        }
        assertEquals(2, collectedMarks(data).size(), "the other files were collected in the same round");
        Files.write(wtmpFile, wtmp);
        once(data);
        assertArrayEquals(wtmp, Files.readAllBytes(copy(data, "wtmp", wtmp)));
    }
}
