package loghost.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import loghost.store.DigestAlgorithm;
import loghost.store.LogStore;
import loghost.testing.Cli;
import loghost.testing.GrowingFiles;
import loghost.testing.ManualClock;
import loghost.testing.Run;
import loghost.testing.Stores;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A store of several hosts, checked on several threads, reports exactly what checking them one after another does:
 * the findings in host name order, then the summary. The first host is by far the largest, so it finishes last.
 */
class VerifyManyHostsTest {

    @TempDir
    Path dir;

    private Path data;

    @BeforeEach
    void store() throws Exception {
        data = dir.resolve("data");
        ManualClock clock = new ManualClock("2026-11-22T10:00:00.000Z");
        try (LogStore store = Stores.open(data.resolve("hosts"), DigestAlgorithm.SHA256, clock)) {
            GrowingFiles.appendNumbered(store, "a-big", 60_000);
            clock.set("2026-11-23T10:00:00.000Z");
            GrowingFiles.appendNumbered(store, "a-big", 20_000);
            for (String h : List.of("b-tampered", "c-readable", "d-fine", "e-fine", "f-fine")) {
                clock.set("2026-11-22T11:00:00.000Z");
                GrowingFiles.appendNumbered(store, h, 30);
                clock.set("2026-11-23T11:00:00.000Z");
                GrowingFiles.appendNumbered(store, h, 20);
            }
        }
        // A digest mismatch in the big host's last day, a broken one, a readable one, and a name that is no host.
        flipLastByteOfLine(data.resolve("hosts/a-big/2026-11-23.log"), 19_999);
        flipLastByteOfLine(data.resolve("hosts/b-tampered/2026-11-22.log"), 7);
        Files.setPosixFilePermissions(data.resolve("hosts/c-readable/2026-11-23.log"),
                PosixFilePermissions.fromString("rw-r--r--"));
        Files.createDirectory(data.resolve("hosts/Not_A_Host"), PosixFilePermissions.asFileAttribute(
                PosixFilePermissions.fromString("rwx------")));
    }

    // Changes the last message byte of the n-th record line (1-based, after the header) from x to y.
    private static void flipLastByteOfLine(Path file, int n) throws Exception {
        byte[] b = Files.readAllBytes(file);
        int line = 0;
        for (int i = 0; i < b.length; i++) {
            if (b[i] == '\n' && line++ == n) {
                try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
                    f.seek(i - 1);
                    f.write('y');
                }
                return;
            }
        }
        throw new IllegalArgumentException("no line " + n);
    }

    private static final List<String> EXPECTED = List.of(
            "verify: FAIL: hosts/Not_A_Host: not a host name",
            "verify: FAIL: hosts/a-big/2026-11-23.log:20000: digest mismatch at seq 79999",
            "verify: FAIL: hosts/b-tampered/2026-11-22.log:8: digest mismatch at seq 7",
            "verify: warning: hosts/c-readable/2026-11-23.log: mode 0644 lets group or others read",
            "verify: FAILED: 3 problems (6 hosts, 11 files, 80204 records checked)");

    @Test
    void manyHostsPrintTheirFindingsInNameOrderWhateverFinishesFirst() {
        Run.Result r = Cli.run(data, "verify");
        assertEquals(1, r.exit(), r::toString);
        assertEquals(EXPECTED, r.stdout().lines().toList(), r::toString);
        assertEquals("", r.stderr(), r::toString);
    }

    @Test
    void oneThreadAndSeveralGiveTheSameReport() {
        List<List<String>> reports = new ArrayList<>();
        for (int threads : new int[] {1, 2, 5}) {
            VerifyReport r = new Verifier(data.resolve("hosts"), (f, s) -> { }, threads).verifyAll();
            List<String> lines = new ArrayList<>(r.findings().stream().map(Object::toString).toList());
            lines.add(r.summary());
            reports.add(lines);
        }
        assertEquals(EXPECTED, reports.get(0));
        assertEquals(reports.get(0), reports.get(1));
        assertEquals(reports.get(0), reports.get(2));
    }
}
