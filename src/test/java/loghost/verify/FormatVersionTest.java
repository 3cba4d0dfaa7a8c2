package loghost.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import loghost.store.DigestAlgorithm;
import loghost.store.LineBatch;
import loghost.store.LogStore;
import loghost.store.RecordType;
import loghost.testing.Cli;
import loghost.testing.Run;
import loghost.testing.Stores;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Version 1 files keep their escaping rule and still verify; a chain goes on from version 1 into version 2. */
class FormatVersionTest {

    /** Raw bytes of the four characters version 2 escapes and version 1 copies: ALM, LRM, RLM, BOM. */
    private static final String MARKS = "\u061c \u200e \u200f \ufeff";
    private static final String MARKS_ESCAPED = "\\xd8\\x9c \\xe2\\x80\\x8e \\xe2\\x80\\x8f \\xef\\xbb\\xbf";

    @TempDir
    Path dir;

    private Path data;

    // web01 with one v1 day file (as an older server left it) of five ASCII records.
    private Path oldStore() throws Exception {
        data = VerifyDocTest.fixture(dir);
        Files.delete(data.resolve("hosts/web01/2026-11-23.log"));
        Path day1 = data.resolve("hosts/web01/2026-11-22.log");
        List<String> l = VerifyDocTest.lines(data, "hosts/web01/2026-11-22.log");
        l.set(0, l.get(0).replace("#loghost v2 ", "#loghost v1 "));
        VerifyDocTest.writeLines(data, "hosts/web01/2026-11-22.log", l);
        return day1;
    }

    private void append(Instant at, String line) throws Exception {
        LogStore store = Stores.open(data.resolve("hosts"), DigestAlgorithm.SHA256, Clock.fixed(at, ZoneOffset.UTC));
        LineBatch b = new LineBatch();
        byte[] raw = line.getBytes(StandardCharsets.UTF_8);
        b.add(RecordType.LOG, raw, 0, raw.length);
        store.host("web01").append(b);
        store.close();
    }

    private Run.Result verify() {
        return Cli.run(data, "verify");
    }

    @Test
    void anUpgradedServerKeepsTheVersion1RuleForTheRestOfThatDayAndWritesVersion2Next() throws Exception {
        Path day1 = oldStore();
        append(Instant.parse("2026-11-22T23:59:59Z"), "marks " + MARKS);
        append(Instant.parse("2026-11-23T00:00:01Z"), "marks " + MARKS);

        String v1 = Files.readString(day1, StandardCharsets.UTF_8);
        assertTrue(v1.startsWith("#loghost v1 "), v1);
        assertTrue(v1.endsWith(" marks " + MARKS + "\n"), v1);
        String v2 = Files.readString(data.resolve("hosts/web01/2026-11-23.log"), StandardCharsets.UTF_8);
        assertTrue(v2.startsWith("#loghost v2 host=web01 day=2026-11-23 alg=sha256 seq=7 "), v2);
        assertTrue(v2.endsWith(" marks " + MARKS_ESCAPED + "\n"), v2);

        Run.Result r = verify();
        assertEquals("verify: OK: 2 hosts, 4 files, 17 records\n", r.stdout(), r::toString);
        assertEquals(0, r.exit());
    }

    @Test
    void eachVersionRejectsTheOtherVersionsFormOfTheMarks() throws Exception {
        Path day1 = oldStore();
        // v1: escaping a mark is not canonical.
        VerifyDocTest.rechainLast("hosts/web01/2026-11-22.log", f -> f[5] = MARKS_ESCAPED).apply(data);
        Run.Result r = verify();
        assertTrue(r.stdout().startsWith("verify: FAIL: hosts/web01/2026-11-22.log:6: MESSAGE is not in canonical "
                + "escaped form\n"), r::toString);
        VerifyDocTest.rechainLast("hosts/web01/2026-11-22.log", f -> f[5] = MARKS).apply(data);
        assertEquals(0, verify().exit(), verify()::toString);
        // v2: a raw mark is not canonical.
        List<String> l = VerifyDocTest.lines(data, "hosts/web01/2026-11-22.log");
        l.set(0, l.get(0).replace("#loghost v1 ", "#loghost v2 "));
        VerifyDocTest.writeLines(data, "hosts/web01/2026-11-22.log", l);
        r = verify();
        assertTrue(r.stdout().startsWith("verify: FAIL: hosts/web01/2026-11-22.log:6: MESSAGE is not in canonical "
                + "escaped form\n"), r::toString);
        assertTrue(Files.exists(day1));
    }
}
