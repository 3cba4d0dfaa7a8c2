package loghost.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.util.Arrays;
import loghost.store.DigestAlgorithm;
import loghost.store.HostName;
import loghost.store.LineBatch;
import loghost.store.LogStore;
import loghost.store.RecordType;
import loghost.testing.HostRecords;
import loghost.testing.Run;
import loghost.testing.Stores;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A line of 100 MiB where verify reads lines (the audit trail, a manifest) is reported, in a 64 MiB heap. */
class VerifyHugeLinesTest {

    private static final int HUGE = 100 << 20;

    @TempDir
    Path dir;

    private Path store() throws Exception {
        Path data = dir.resolve("data");
        LogStore store = Stores.open(data.resolve("hosts"), DigestAlgorithm.SHA256, Clock.systemUTC());
        for (String host : new String[] {"web01", HostName.AUDIT}) {
            LineBatch b = new LineBatch(false);
            byte[] raw = "one line".getBytes(StandardCharsets.US_ASCII);
            b.add(host.equals(HostName.AUDIT) ? RecordType.AUDIT : RecordType.LOG, raw, 0, raw.length);
            store.host(host).append(b);
        }
        store.close();
        return data;
    }

    private static void appendHugeLine(Path file) throws Exception {
        byte[] chunk = new byte[1 << 20];
        Arrays.fill(chunk, (byte) 'a');
        try (OutputStream out = Files.newOutputStream(file, StandardOpenOption.APPEND)) {
            for (int i = 0; i < HUGE / chunk.length; i++) {
                out.write(chunk);
            }
        }
    }

    private static Run.Result verifyIn64MiB(Path data) throws Exception {
        return Run.run(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx64m", "-cp",
                System.getProperty("java.class.path"), "loghost.cli.Main", "verify", "--data", data.toString());
    }

    @Test
    void anEndlessLineInTheAuditTrailIsAFailureNotAnOutOfMemoryError() throws Exception {
        Path data = store();
        appendHugeLine(HostRecords.files(data, HostName.AUDIT).get(0));
        Run.Result r = verifyIn64MiB(data);
        assertEquals(1, r.exit(), r::toString);
        assertTrue(r.stdout().contains(": line longer than "), r::toString);
        assertTrue(r.stdout().contains("verify: FAILED: "), r::toString);
        assertFalse(r.stderr().contains("OutOfMemoryError"), r::toString);
    }

    @Test
    void anEndlessLineInACollectedFilesManifestIsAMalformedEntry() throws Exception {
        Path data = store();
        Path files = Files.createDirectories(data.resolve("files/web01"),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Path manifest = files.resolve("MANIFEST");
        Files.writeString(manifest, "#loghost files manifest v1 host=web01\n");
        appendHugeLine(manifest);
        Run.Result r = verifyIn64MiB(data);
        assertEquals(1, r.exit(), r::toString);
        assertTrue(r.stdout().contains("verify: FAIL: files/web01/MANIFEST:2: malformed manifest entry\n"),
                r::toString);
        assertFalse(r.stderr().contains("OutOfMemoryError"), r::toString);
    }
}
