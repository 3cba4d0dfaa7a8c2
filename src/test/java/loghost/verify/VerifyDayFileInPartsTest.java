package loghost.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.UnaryOperator;
import loghost.store.DigestAlgorithm;
import loghost.store.LogStore;
import loghost.store.RecordView;
import loghost.testing.Cli;
import loghost.testing.GrowingFiles;
import loghost.testing.ManualClock;
import loghost.testing.Run;
import loghost.testing.Stores;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A day file checked in parts on several threads reports exactly what checking it record by record on one thread
 * does: the same first failure (line, reason), the same count of records that held, whether the damage is in the
 * middle of a part, on the first record of a part, on the last one before it, or across two parts.
 */
class VerifyDayFileInPartsTest {

    // Small parts, so that a test-sized file is cut into dozens of them.
    private static final long PART = 64 * 1024;

    @TempDir
    Path dir;

    private Path hosts;
    private Path day;
    private byte[] pristine;
    private loghost.seal.VerificationKey sealKey;

    @BeforeEach
    void store() throws Exception {
        hosts = dir.resolve("data/hosts");
        ManualClock clock = new ManualClock("2026-11-22T10:00:00.000Z");
        try (LogStore store = Stores.open(hosts, DigestAlgorithm.SHA256, clock)) {
            GrowingFiles.appendNumbered(store, "web", 20_000);
            clock.set("2026-11-23T10:00:00.000Z");
            GrowingFiles.appendNumbered(store, "web", 3_000);
        }
        day = hosts.resolve("web/2026-11-22.log");
        pristine = Files.readAllBytes(day);
    }

    private List<String> report(int threads) {
        VerifyReport r = new Verifier(hosts, (f, s) -> { }, threads, PART).verifyAll();
        List<String> lines = new ArrayList<>(r.findings().stream().map(Object::toString).toList());
        lines.add(r.summary());
        return lines;
    }

    // The day file with `change` applied to its lines (index 0 is the header); both reports, one-threaded first.
    private List<String> sameReportAfter(UnaryOperator<List<byte[]>> change) throws Exception {
        List<byte[]> lines = change.apply(lines(pristine));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] l : lines) {
            out.write(l);
        }
        Files.write(day, out.toByteArray());
        List<String> one = report(1);
        assertEquals(one, report(2), "two threads, parts of " + PART + " bytes");
        assertEquals(one, report(5), "five threads, parts of " + PART + " bytes");
        return one;
    }

    // The file's lines, each with its LF.
    private static List<byte[]> lines(byte[] b) {
        List<byte[]> lines = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < b.length; i++) {
            if (b[i] == '\n') {
                lines.add(Arrays.copyOfRange(b, start, i + 1));
                start = i + 1;
            }
        }
        if (start < b.length) {
            lines.add(Arrays.copyOfRange(b, start, b.length));
        }
        return lines;
    }

    // The index of the first line of each part after the first, as the parts are cut (at least PART bytes apart).
    private List<Integer> partFirstLines() {
        List<byte[]> lines = lines(pristine);
        List<Integer> firsts = new ArrayList<>();
        long at = lines.get(0).length + PART;
        long pos = 0;
        for (int i = 0; i < lines.size(); i++) {
            if (pos >= at && pristine.length - pos >= PART / 2) {
                firsts.add(i);
                at = pos + PART;
            }
            pos += lines.get(i).length;
        }
        return firsts;
    }

    private static List<byte[]> flipLastByte(List<byte[]> lines, int i) {
        byte[] l = lines.get(i).clone();
        l[l.length - 2] = 'y';
        lines.set(i, l);
        return lines;
    }

    @Test
    void anIntactFileChecksTheSameInParts() throws Exception {
        assertTrue(partFirstLines().size() > 20, "the file makes many parts");
        assertEquals(List.of("verify: OK: 1 host, 2 files, 23000 records"), sameReportAfter(l -> l));
    }

    @Test
    void aChangedMessageOnEitherSideOfEveryPartBoundaryIsTheSameFirstFailure() throws Exception {
        List<Integer> firsts = partFirstLines();
        for (int first : List.of(firsts.get(0), firsts.get(1), firsts.get(firsts.size() / 2),
                firsts.get(firsts.size() - 1))) {
            for (int i = first - 1; i <= first + 1; i++) {
                int line = i;
                assertEquals(List.of("verify: FAIL: hosts/web/2026-11-22.log:" + (line + 1) + ": digest mismatch at seq "
                        + line, "verify: FAILED: 1 problem (1 host, 1 file, " + (line - 1) + " records checked)"),
                        sameReportAfter(l -> flipLastByte(l, line)), "line " + (line + 1));
            }
        }
    }

    @Test
    void aRecordInTheMiddleOfAMiddlePartIsReportedAsBefore() throws Exception {
        List<Integer> firsts = partFirstLines();
        int line = (firsts.get(9) + firsts.get(10)) / 2;
        assertEquals(List.of("verify: FAIL: hosts/web/2026-11-22.log:" + (line + 1) + ": digest mismatch at seq "
                + line, "verify: FAILED: 1 problem (1 host, 1 file, " + (line - 1) + " records checked)"),
                sameReportAfter(l -> flipLastByte(l, line)));
    }

    @Test
    void theEarliestOfTwoChangesIsReportedWhicheverPartFinishesFirst() throws Exception {
        List<Integer> firsts = partFirstLines();
        int early = firsts.get(2) + 5;
        List<String> r = sameReportAfter(l -> flipLastByte(flipLastByte(l, firsts.get(12) + 3), early));
        assertEquals("verify: FAIL: hosts/web/2026-11-22.log:" + (early + 1) + ": digest mismatch at seq " + early,
                r.get(0));
    }

    @Test
    void aDeletedRecordAtAPartBoundaryIsTheSameSequenceBreak() throws Exception {
        int first = partFirstLines().get(3);
        for (int i : new int[] {first - 1, first}) {
            assertEquals(List.of("verify: FAIL: hosts/web/2026-11-22.log:" + (i + 1) + ": sequence break: expected seq "
                    + i + ", found " + (i + 1), "verify: FAILED: 1 problem (1 host, 1 file, " + (i - 1)
                    + " records checked)"), sameReportAfter(l -> {
                        l.remove(i);
                        return l;
                    }));
        }
    }

    @Test
    void twoRecordsSwappedAcrossAPartBoundaryAreTheSameFailure() throws Exception {
        int first = partFirstLines().get(4);
        List<String> r = sameReportAfter(l -> {
            byte[] a = l.get(first - 1);
            l.set(first - 1, l.get(first));
            l.set(first, a);
            return l;
        });
        assertEquals("verify: FAIL: hosts/web/2026-11-22.log:" + first + ": sequence break: expected seq "
                + (first - 1) + ", found " + first, r.get(0));
    }

    @Test
    void aMalformedFirstRecordOfAPartIsTheSameFailure() throws Exception {
        int first = partFirstLines().get(5);
        List<String> r = sameReportAfter(l -> {
            l.set(first, "not a record\n".getBytes(StandardCharsets.US_ASCII));
            return l;
        });
        assertEquals("verify: FAIL: hosts/web/2026-11-22.log:" + (first + 1) + ": malformed SEQ field", r.get(0));
    }

    @Test
    void aTornFinalLineIsTheSameFailure() throws Exception {
        List<String> r = sameReportAfter(l -> {
            byte[] last = l.get(l.size() - 1);
            l.set(l.size() - 1, Arrays.copyOf(last, last.length / 2));
            return l;
        });
        assertEquals("verify: FAIL: hosts/web/2026-11-22.log:20001: incomplete final line (torn write)", r.get(0));
    }

    @Test
    void aLineOverTheBoundAtAPartsStartOrInsideOneIsTheSameFailure() throws Exception {
        byte[] huge = new byte[RecordView.MAX_LINE_BYTES + 2];
        Arrays.fill(huge, (byte) 'a');
        huge[huge.length - 1] = '\n';
        int first = partFirstLines().get(1);
        for (int i : new int[] {first, first + 7}) {
            List<String> r = sameReportAfter(l -> {
                l.set(i, huge);
                return l;
            });
            assertEquals("verify: FAIL: hosts/web/2026-11-22.log:" + (i + 1) + ": line longer than "
                    + RecordView.MAX_LINE_BYTES + " bytes", r.get(0));
        }
    }

    // A sealed store: one host, 60 epochs of 300 lines in one day file (a seal record every few parts), the first
    // epochs sealed by checkpoints and the last records in an open epoch; then the day file changed by `change`.
    private List<String> sealedReportAfter(UnaryOperator<List<byte[]>> change) throws Exception {
        return sealedReportAfter(60, 300, change);
    }

    // As above, with `epochs` epochs of `lines` lines each.
    private List<String> sealedReportAfter(int epochs, int linesPerEpoch, UnaryOperator<List<byte[]>> change)
            throws Exception {
        Path data = dir.resolve("sealed-" + epochs + "x" + linesPerEpoch);
        Path pristine = dir.resolve("sealed-" + epochs + "x" + linesPerEpoch + ".log");
        if (!Files.exists(data)) {
            ManualClock clock = new ManualClock("2026-11-22T10:00:00.000Z");
            sealKey = loghost.seal.Sealer.init(data, clock);
            try (LogStore store = Stores.open(data.resolve("hosts"), DigestAlgorithm.SHA256, clock)) {
                loghost.seal.Sealer sealer = loghost.seal.Sealer.open(data, store, clock);
                for (int epoch = 0; epoch < epochs; epoch++) {
                    GrowingFiles.appendNumbered(store, "web", linesPerEpoch);
                    clock.set(java.time.Instant.parse("2026-11-22T10:00:00.000Z").plusSeconds(60L * (epoch + 1))
                            .toString());
                    sealer.closeEpoch();
                }
                GrowingFiles.appendNumbered(store, "web", 50);
            }
            Files.copy(data.resolve("hosts/web/2026-11-22.log"), pristine);
        }
        Path file = data.resolve("hosts/web/2026-11-22.log");
        List<byte[]> lines = change.apply(lines(Files.readAllBytes(pristine)));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] l : lines) {
            out.write(l);
        }
        Files.write(file, out.toByteArray());
        List<List<String>> reports = new ArrayList<>();
        for (int threads : new int[] {1, 2, 5}) {
            VerifyReport r = new VerifyReport();
            SealCheck seals = new SealCheck(data, sealKey, null, r);
            new Verifier(data.resolve("hosts"), (f, x) -> { }, threads, PART).sealedBy(seals).verifyAll(r);
            List<String> text = new ArrayList<>(r.findings().stream().map(Object::toString).toList());
            text.add(r.summary());
            reports.add(text);
        }
        assertEquals(reports.get(0), reports.get(1), "two threads, parts of " + PART + " bytes");
        assertEquals(reports.get(0), reports.get(2), "five threads, parts of " + PART + " bytes");
        return reports.get(0);
    }

    private static int lineOfType(List<byte[]> lines, String type, int nth) {
        int seen = 0;
        for (int i = 1; i < lines.size(); i++) {
            if (new String(lines.get(i), StandardCharsets.US_ASCII).split(" ")[2].equals(type) && seen++ == nth) {
                return i;
            }
        }
        throw new IllegalArgumentException("no " + type + " record number " + nth);
    }

    @Test
    void aPartWithMoreSealRecordsThanItKeepsReportsTheSameAsOneThread() throws Exception {
        // A seal record every other record: each 64 KiB part meets far more than the 16 it keeps for the join,
        // so the join reads the parts' seal records again.
        List<String> intact = sealedReportAfter(800, 1, l -> l);
        assertTrue(intact.get(intact.size() - 1).startsWith("verify: OK: "), intact::toString);
        List<byte[]> pristine = lines(Files.readAllBytes(dir.resolve("sealed-800x1.log")));
        for (int nth : new int[] {1, 150, 300}) {
            int seal = lineOfType(pristine, "seal", nth);
            for (int i = seal; i <= seal + 1; i++) {
                int line = i;
                List<String> r = sealedReportAfter(800, 1, l -> flipLastByte(l, line));
                assertTrue(r.get(r.size() - 1).startsWith("verify: FAILED: "), r::toString);
            }
        }
    }

    @Test
    void aSealedChainReportsTheSameInPartsAsOnOneThread() throws Exception {
        List<String> intact = sealedReportAfter(l -> l);
        assertTrue(intact.get(intact.size() - 1).startsWith("verify: OK: 1 host"), intact::toString);
        assertTrue(intact.stream().anyMatch(f -> f.startsWith("verify: sealed: hosts/web")), intact::toString);
        List<byte[]> pristineLines = lines(Files.readAllBytes(dir.resolve("sealed-60x300.log")));
        for (int nth : new int[] {3, 20, 41}) {
            int seal = lineOfType(pristineLines, "seal", nth);
            // A record before a seal, the seal record itself, and the record after it.
            for (int i = seal - 1; i <= seal + 1; i++) {
                int line = i;
                List<String> r = sealedReportAfter(l -> flipLastByte(l, line));
                assertTrue(r.get(0).startsWith("verify: FAIL: hosts/web/2026-11-22.log:" + (line + 1) + ": "),
                        r::toString);
            }
        }
        // Two seal records swapped, each with its own digest: the chain breaks at the first, in whichever part.
        int a = lineOfType(pristineLines, "seal", 10);
        int b = lineOfType(pristineLines, "seal", 30);
        List<String> r = sealedReportAfter(l -> {
            byte[] x = l.get(a);
            l.set(a, l.get(b));
            l.set(b, x);
            return l;
        });
        assertTrue(r.get(0).startsWith("verify: FAIL: hosts/web/2026-11-22.log:" + (a + 1) + ": "), r::toString);
    }

    @Test
    void loghostVerifyChecksALargeDayFileInItsDefaultPartsWithTheSameReport() throws Exception {
        // 400,000 records, about 50 MB: three parts of the default 16 MiB when there is more than one core.
        Path data = dir.resolve("large");
        ManualClock clock = new ManualClock("2026-11-22T10:00:00.000Z");
        try (LogStore store = Stores.open(data.resolve("hosts"), DigestAlgorithm.SHA256, clock)) {
            GrowingFiles.appendNumbered(store, "big", 400_000);
        }
        Path file = data.resolve("hosts/big/2026-11-22.log");
        assertTrue(Files.size(file) > 48L << 20, "at least three parts");
        Run.Result intact = Cli.run(data, "verify");
        assertEquals(0, intact.exit(), intact::toString);
        assertEquals("verify: OK: 1 host, 1 file, 400000 records\n", intact.stdout());
        // One changed byte in the last record before the second part's start, and in the record after it.
        byte[] b = Files.readAllBytes(file);
        int line = 0;
        int at = -1;
        for (int i = 0; i < b.length && at < 0; i++) {
            if (b[i] == '\n' && ++line > 1 && i + 1 >= (32 << 20)) {
                at = line; // the index of the line starting after this LF
            }
        }
        for (int i : new int[] {at - 1, at + 1}) {
            Files.write(file, b);
            List<byte[]> lines = flipLastByte(lines(b), i);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            for (byte[] l : lines) {
                out.write(l);
            }
            Files.write(file, out.toByteArray());
            Run.Result r = Cli.run(data, "verify");
            assertEquals(1, r.exit(), r::toString);
            assertEquals("verify: FAIL: hosts/big/2026-11-22.log:" + (i + 1) + ": digest mismatch at seq " + i + "\n"
                    + "verify: FAILED: 1 problem (1 host, 1 file, " + (i - 1) + " records checked)\n", r.stdout());
            assertEquals(List.of("verify: FAIL: hosts/big/2026-11-22.log:" + (i + 1) + ": digest mismatch at seq " + i,
                    "verify: FAILED: 1 problem (1 host, 1 file, " + (i - 1) + " records checked)"),
                    textOf(new Verifier(data.resolve("hosts"), (f, x) -> { }, 1).verifyAll()), "one thread");
        }
    }

    private static List<String> textOf(VerifyReport r) {
        List<String> text = new ArrayList<>(r.findings().stream().map(Object::toString).toList());
        text.add(r.summary());
        return text;
    }
}
