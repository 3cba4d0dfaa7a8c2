package loghost.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import loghost.testing.Run;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** compare-streams over two saved {@code cat -o records} outputs: same stream entries, other SEQ and TIME. */
class CompareStreamsTest {

    @TempDir
    Path dir;

    private static final String S = "fifo.0123456789abcdef";

    private static Run.Result compare(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        List<String> a = new java.util.ArrayList<>(List.of("compare-streams"));
        a.addAll(List.of(args));
        int code = Main.run(new PrintWriter(out), new PrintWriter(err), a.toArray(String[]::new));
        return new Run.Result(code, out.toString(), err.toString());
    }

    private Path records(String name, String... lines) throws Exception {
        Path p = dir.resolve(name);
        Files.writeString(p, String.join("\n", lines) + "\n");
        return p;
    }

    @Test
    void sameEntriesUnderOtherSeqTimeAndInterleavingAreIdentical() throws Exception {
        Path a = records("a", "1 2026-11-24T10:00:00.000Z log s=1,c=" + S + ":1 first",
                "2 2026-11-24T10:00:00.001Z log s=2 a plain append-log line, in no stream",
                "3 2026-11-24T10:00:00.002Z log s=1,c=other.0000000000000001:1 other stream",
                "4 2026-11-24T10:00:00.003Z mark s=1,c=" + S + ":2 heartbeat stream=" + S + " pending=0");
        Path b = records("b", "7 2026-11-24T11:00:00.000Z log s=5,c=other.0000000000000001:1 other stream",
                "8 2026-11-24T11:00:00.000Z log s=4,c=" + S + ":1 first",
                "9 2026-11-24T11:00:00.001Z mark s=4,c=" + S + ":2 heartbeat stream=" + S + " pending=0");
        Run.Result r = compare(a.toString(), b.toString());
        assertEquals(0, r.exit(), r::toString);
        assertTrue(r.stdout().contains("stream " + S + ": 2 entries match, c=1..2\n"), r::toString);
        assertTrue(r.stdout().endsWith("identical: 2 streams\n"), r::toString);
    }

    @Test
    void aGapWhereTheOtherHasLinesIsTheFirstDifferenceNamed() throws Exception {
        Path a = records("a", "1 2026-11-24T10:00:00.000Z log s=1,c=" + S + ":1 one",
                "2 2026-11-24T10:00:00.000Z log s=1,c=" + S + ":2 two",
                "3 2026-11-24T10:00:00.000Z log s=1,c=" + S + ":3 three");
        Path b = records("b", "1 2026-11-24T10:00:01.000Z log s=1,c=" + S + ":1 one",
                "2 2026-11-24T10:00:01.000Z gap s=2,c=" + S + ":2 cseqs-dropped from=2 to=2 count=1 (...)",
                "3 2026-11-24T10:00:01.000Z log s=2,c=" + S + ":3 three");
        Run.Result r = compare(a.toString(), b.toString());
        assertEquals(1, r.exit(), r::toString);
        assertTrue(r.stdout().contains("differ: stream " + S + ": " + a + " has c=" + S + ":2 log \"two\"; " + b
                + " has c=" + S + ":2 gap \"cseqs-dropped from=2 to=2 count=1 (...)\""), r::toString);
    }

    @Test
    void aSideThatEndsEarlyIsNamed() throws Exception {
        Path a = records("a", "1 2026-11-24T10:00:00.000Z log s=1,c=" + S + ":1 one",
                "2 2026-11-24T10:00:00.000Z log s=1,c=" + S + ":2 two");
        Path b = records("b", "1 2026-11-24T10:00:01.000Z log s=1,c=" + S + ":1 one");
        Run.Result r = compare(a.toString(), b.toString());
        assertEquals(1, r.exit(), r::toString);
        assertTrue(r.stdout().contains("differ: stream " + S + ": " + a + " has c=" + S + ":2 log \"two\"; " + b
                + " has nothing more of this stream"), r::toString);
    }

    @Test
    void unreadableSideIsExitTwoWithOneLine() throws Exception {
        Path a = records("a", "1 2026-11-24T10:00:00.000Z log s=1,c=" + S + ":1 one");
        Run.Result r = compare(a.toString(), dir.resolve("missing").toString());
        assertEquals(2, r.exit(), r::toString);
        assertEquals("loghost: error: no such file: " + dir.resolve("missing") + "\n", r.stderr());
        Run.Result d = compare(dir.toString(), a.toString());
        assertEquals(2, d.exit(), d::toString);
        assertTrue(d.stderr().contains(dir + " is a data directory: give --host HOST"), d::toString);
    }
}
