package loghost.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import loghost.testing.HostRecords;
import loghost.testing.Run;
import loghost.verify.Verifier;
import loghost.verify.VerifyReport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** An error that stops an append between two records (a JVM out of heap) leaves nothing of the batch behind. */
class HostLogErrorTest {

    @TempDir
    Path dir;

    @Test
    void aBatchStoppedByAnErrorPartWayIsTakenBackSoTheResentLinesAreStoredOnce() throws Exception {
        Path data = dir.resolve("data");
        Files.createDirectories(data.resolve("hosts"),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Run.Result r = Run.run(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx80m",
                "-cp", System.getProperty("java.class.path"), ErrorMidBatch.class.getName(), data.toString());
        assertEquals(0, r.exit(), r::toString);
        assertTrue(r.stdout().startsWith("append failed: java.lang.OutOfMemoryError"), r::toString);

        List<HostRecords.Rec> recs = HostRecords.read(data, "web01");
        String first = "first " + "x".repeat(70 * 1024);
        assertEquals(List.of("the first line", "second"), recs.stream().map(HostRecords.Rec::text)
                .map(t -> t.equals(first) ? "the first line" : t.substring(0, Math.min(80, t.length()))).toList());
        assertEquals(List.of("s=1,c=s1:1", "s=1,c=s1:2"), recs.stream().map(HostRecords.Rec::meta).toList());
        VerifyReport v = new Verifier(data.resolve("hosts")).verifyAll();
        assertTrue(v.ok(), v.problems()::toString);
        assertEquals(2, v.records());
    }
}
