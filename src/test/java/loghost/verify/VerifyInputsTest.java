package loghost.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import loghost.testing.Cli;
import loghost.testing.Run;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Whatever verify meets under {@code hosts/}, it prints findings and a summary: never a stack trace. */
class VerifyInputsTest {

    private static final String DAY2 = "hosts/web01/2026-11-23.log";

    @TempDir
    Path dir;

    private Path data;

    @BeforeEach
    void store() throws Exception {
        data = VerifyDocTest.fixture(dir);
    }

    private Run.Result verify(String... args) {
        return Cli.run(data, "verify", args);
    }

    private void assertOnlyFinding(String line) {
        Run.Result r = verify();
        assertEquals(1, r.exit(), r::toString);
        List<String> out = r.stdout().lines().toList();
        assertEquals(2, out.size(), r::toString);
        assertEquals(line, out.get(0), r::toString);
        assertTrue(out.get(1).startsWith("verify: FAILED: 1 problem ("), r::toString);
        assertEquals("", r.stderr(), r::toString);
    }

    @ParameterizedTest
    @ValueSource(strings = {"2099-02-30.log", "2099-13-01.log", "2026-00-10.log", "2025-02-29.log", "2026-11-31.log",
        "2099-02-30.log.tmp"})
    void aDayFileNamedAfterAnImpossibleDateIsAFindingNotACrash(String name) throws Exception {
        Files.copy(data.resolve(DAY2), data.resolve("hosts/web01/" + name));
        assertOnlyFinding("verify: FAIL: hosts/web01/" + name + ": file name is not a real date");
    }

    @Test
    void aLeapDayIsARealDate() throws Exception {
        VerifyDocTest.writePrivate(data.resolve("hosts/web01/2028-02-29.log.tmp"), "");
        Run.Result r = verify();
        assertEquals(0, r.exit(), r::toString);
    }

    @Test
    void binaryJunkAsADayFileFailsAtItsFirstLine() throws Exception {
        byte[] junk = new byte[100_000];
        new Random(7).nextBytes(junk);
        Files.write(data.resolve(DAY2), junk);
        Run.Result r = verify();
        assertEquals(1, r.exit(), r::toString);
        assertTrue(r.stdout().startsWith("verify: FAIL: " + DAY2 + ":1: "), r::toString);
    }

    @Test
    void aHeaderLongerThanAnyLineIsReportedAtLineOne() throws Exception {
        Files.write(data.resolve(DAY2), new byte[RecordViewLimits.MAX_LINE + 1]);
        assertOnlyFinding("verify: FAIL: " + DAY2 + ":1: line longer than 4198400 bytes");
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aFifoWhereADayFileShouldBeIsNotOpened() throws Exception {
        Path fifo = data.resolve("hosts/web01/2026-11-24.log");
        Process p = new ProcessBuilder("mkfifo", "-m", "600", fifo.toString()).start();
        assertEquals(0, p.waitFor());
        assertOnlyFinding("verify: FAIL: hosts/web01/2026-11-24.log: not a regular file");
    }

    @Test
    void aHostDirectoryThatIsAFileAndASymlinkedHostAreFindings() throws Exception {
        Path moved = dir.resolve("web01-elsewhere");
        Files.move(data.resolve("hosts/web01"), moved);
        Files.createSymbolicLink(data.resolve("hosts/web01"), moved);
        Files.writeString(data.resolve("hosts/zz01"), "x");
        Run.Result r = verify();
        assertEquals(1, r.exit(), r::toString);
        assertEquals("verify: FAIL: hosts/web01: symbolic link\n"
                + "verify: FAIL: hosts/zz01: not a directory\n"
                + "verify: FAILED: 2 problems (1 host, 2 files, 10 records checked)\n", r.stdout());
        r = verify("--host", "web01");
        assertEquals("verify: FAIL: hosts/web01: symbolic link\n"
                + "verify: FAILED: 1 problem (0 hosts, 0 files, 0 records checked)\n", r.stdout());
    }

    @Test
    void aSymlinkedHostsDirectoryStopsTheRun() throws Exception {
        Path moved = dir.resolve("hosts-elsewhere");
        Files.move(data.resolve("hosts"), moved);
        Files.createSymbolicLink(data.resolve("hosts"), moved);
        Run.Result r = verify();
        assertEquals("verify: FAIL: hosts: symbolic link\n"
                + "verify: FAILED: 1 problem (0 hosts, 0 files, 0 records checked)\n", r.stdout());
        assertEquals(1, r.exit());
    }

    @Test
    void aGroupWritableHostsDirectoryFailsButEveryHostIsStillChecked() throws Exception {
        Files.setPosixFilePermissions(data.resolve("hosts"),
                java.nio.file.attribute.PosixFilePermissions.fromString("rwxrwx---"));
        Run.Result r = verify();
        assertEquals("verify: FAIL: hosts: mode 0770 lets group or others write\n"
                + "verify: FAILED: 1 problem (2 hosts, 4 files, 20 records checked)\n", r.stdout());
    }

    @Test
    void aHostileFileNameIsPrintedEscapedOnOneLine() throws Exception {
        Files.writeString(data.resolve("hosts/web01/x\nverify: OK: forged\u001b[2J\u202e"), "x");
        assertOnlyFinding("verify: FAIL: hosts/web01/x\\nverify: OK: forged\\x1b[2J\\xe2\\x80\\xae: "
                + "unexpected entry in host directory");
    }

    @Test
    void aFileNameThatIsNotUtf8IsAFindingNotACrash() throws Exception {
        // Java cannot name such a file itself: the shell writes the raw bytes 0xff 0xfe into the name.
        Process p = new ProcessBuilder("sh", "-c", "touch \"$(printf 'hosts/web01/\\377\\376.log')\" "
                + "\"$(printf 'hosts/\\377host')\"").directory(data.toFile()).start();
        assertEquals(0, p.waitFor());
        Run.Result r = verify();
        assertEquals(1, r.exit(), r::toString);
        assertEquals("", r.stderr(), r::toString);
        List<String> out = r.stdout().lines().toList();
        assertEquals(3, out.size(), r::toString);
        assertTrue(out.get(0).matches("verify: FAIL: hosts/web01/[^ ]+\\.log: unexpected entry in host directory"),
                r::toString);
        assertTrue(out.get(1).matches("verify: FAIL: hosts/[^ ]+host: not a host name"), r::toString);
        assertTrue(out.get(2).startsWith("verify: FAILED: 2 problems ("), r::toString);
    }

    @Test
    void anEmptyHostDirectoryAndAHeaderOnlyFileInTheMiddleOfAChainAreValid() throws Exception {
        Path empty = data.resolve("hosts/new01");
        Files.createDirectory(empty);
        Files.setPosixFilePermissions(empty, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
        // web01: day 2 becomes header-only; its records move to a day 3 file continuing from the same point.
        List<String> l = VerifyDocTest.lines(data, DAY2);
        VerifyDocTest.writeLines(data, DAY2, l.subList(0, 1));
        l.set(0, l.get(0).replace("day=2026-11-23", "day=2026-11-24"));
        VerifyDocTest.writeLines(data, "hosts/web01/2026-11-24.log", l);
        Files.setPosixFilePermissions(data.resolve("hosts/web01/2026-11-24.log"),
                java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        Run.Result r = verify();
        assertEquals("verify: OK: 3 hosts, 5 files, 20 records\n", r.stdout(), r::toString);
        assertEquals(0, r.exit());
    }

    @ParameterizedTest
    @ValueSource(strings = {"2026-11-23T24:00:00.000Z", "2026-11-23T23:60:00.000Z", "2026-11-23T23:59:60.000Z",
        "2026-13-01T00:00:00.000Z", "2026-00-01T00:00:00.000Z", "2026-11-00T00:00:00.000Z", "2025-02-29T00:00:00.000Z",
        "2026-11-23 00:00:03.000Z", "2026-11-23T00:00:03.000+", "2026-11-23T00:00:03,000Z"})
    void aTimeThatIsNotARealInstantIsMalformed(String time) throws Exception {
        VerifyDocTest.rechainLast(DAY2, f -> f[1] = time).apply(data);
        assertOnlyFinding("verify: FAIL: " + DAY2 + ":6: malformed TIME field");
    }

    @ParameterizedTest
    @ValueSource(strings = {"2024-02-29T23:59:59.999Z", "2026-11-23T23:59:59.999Z", "0001-01-01T00:00:00.000Z"})
    void anEarlierTimeFromAClockSteppedBackIsValid(String time) throws Exception {
        VerifyDocTest.rechainLast(DAY2, f -> f[1] = time).apply(data);
        Run.Result r = verify();
        assertEquals(0, r.exit(), r::toString);
    }

    @ParameterizedTest
    @ValueSource(strings = {"s=10,s=10", "s=10,a=b=c", "s=10,,x=1", "s=10,", ",s=10", "c=syslog:1,s=10", "s=010",
        "s=0", "s=10,c=syslog:0", "s=10,c=:1", "s=10,c=-x:1", "s=10,c=syslog", "s=10,c=syslog:9223372036854775808",
        "s=10,1a=2", "s=10,a=", "=1", "--", "s=10,x=1,x=2", "s=1234567890123456789"})
    void metaOutsideTheGrammarIsMalformed(String meta) throws Exception {
        VerifyDocTest.rechainLast(DAY2, f -> f[3] = meta).apply(data);
        assertOnlyFinding("verify: FAIL: " + DAY2 + ":6: malformed META field");
    }

    @ParameterizedTest
    @ValueSource(strings = {"s=6", "s=10", "s=6,c=syslog:9223372036854775807", "s=6,x=1", "x=1,s=6", "s=6,x_y=a.b:c-d,c=s:1",
        "s=6,c=a.b_c-d:1,z9=0"})
    void metaInsideTheGrammarIsValidUnknownKeysIncluded(String meta) throws Exception {
        VerifyDocTest.rechainLast(DAY2, f -> f[3] = meta).apply(data);
        Run.Result r = verify();
        assertEquals(0, r.exit(), r::toString);
    }

    @Test
    void markAndGapRecordsNeedTheirStream() throws Exception {
        VerifyDocTest.rechainLast(DAY2, f -> f[2] = "mark").apply(data);
        assertOnlyFinding("verify: FAIL: " + DAY2 + ":6: META does not fit record type mark");
    }

    @Test
    void unknownRecordTypesPassWhateverTheirAttributes() throws Exception {
        VerifyDocTest.rechainLast(DAY2, f -> {
            f[2] = "seal";
            f[3] = "-";
        }).apply(data);
        Run.Result r = verify();
        assertEquals(0, r.exit(), r::toString);
    }

    @Test
    void seededRandomDamageAlwaysEndsInASummaryAndNeverAStackTrace() throws Exception {
        Random rnd = new Random(20261124);
        Path file = data.resolve(DAY2);
        byte[] original = Files.readAllBytes(file);
        for (int round = 0; round < 200; round++) {
            byte[] b = original.clone();
            int edits = 1 + rnd.nextInt(3);
            for (int e = 0; e < edits; e++) {
                b[rnd.nextInt(b.length)] = (byte) rnd.nextInt(256);
            }
            if (rnd.nextInt(4) == 0) {
                b = java.util.Arrays.copyOf(b, rnd.nextInt(b.length + 1));
            }
            Files.write(file, b, StandardOpenOption.TRUNCATE_EXISTING);
            Run.Result r = verify();
            String byteString = java.util.HexFormat.of().formatHex(b);
            assertEquals("", r.stderr(), byteString);
            List<String> out = r.stdout().lines().toList();
            assertTrue(out.get(out.size() - 1).startsWith(r.exit() == 0 ? "verify: OK: " : "verify: FAILED: "),
                    r + byteString);
            assertTrue(out.stream().allMatch(l -> l.startsWith("verify: ")), r::toString);
        }
    }

    @Test
    void anUnknownOptionIsAUsageErrorAndADataDirectoryWithoutHostsIsAFinding() throws Exception {
        Run.Result r = verify("--bogus");
        assertEquals(2, r.exit(), r::toString);
        assertEquals("", r.stdout(), r::toString);
        // A data directory that does not exist at all is an error (VerifyDataDirectoryTest); one without hosts/ is
        // a finding.
        Path noHosts = Files.createDirectory(dir.resolve("no-hosts"), java.nio.file.attribute.PosixFilePermissions
                .asFileAttribute(java.nio.file.attribute.PosixFilePermissions.fromString("rwx------")));
        r = Cli.run(noHosts, "verify");
        assertEquals("verify: FAIL: hosts: missing\n"
                + "verify: FAILED: 1 problem (0 hosts, 0 files, 0 records checked)\n", r.stdout(), r::toString);
        assertEquals(1, r.exit());
    }

    @Test
    void aDayFileThatCannotBeReadIsAFindingWithoutALineEvenForRoot() throws Exception {
        // Reading a directory fails with EISDIR whoever runs the test (a mode of 0000 does not stop root).
        Path unreadable = Files.createDirectory(dir.resolve("2026-11-22.log"));
        VerifyReport report = new VerifyReport();
        boolean held = new ChainCheck("web01", report).file(unreadable, "hosts/web01/2026-11-22.log",
                java.time.LocalDate.parse("2026-11-22"), false);
        assertEquals(false, held);
        assertEquals("[verify: FAIL: hosts/web01/2026-11-22.log: cannot be read]", report.findings().toString());
        org.junit.jupiter.api.Assertions.assertThrows(java.io.IOException.class,
                () -> UnfinishedDayFile.atMostAHeader(unreadable));
    }

    /** The line limit, restated here so that the test fails if the code's constant drifts from the doc's. */
    private static final class RecordViewLimits {
        static final int MAX_LINE = 4 * 1024 * 1024 + 4096;
    }
}
