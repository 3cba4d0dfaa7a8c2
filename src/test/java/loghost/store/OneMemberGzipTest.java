package loghost.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.zip.GZIPOutputStream;
import java.util.zip.ZipException;
import loghost.testing.Run;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One gzip member and nothing after it: what it holds, or an exception, never the bytes of a part of it. */
class OneMemberGzipTest {

    @TempDir
    Path dir;

    private static byte[] gzip(byte[] plain) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(plain);
        }
        return out.toByteArray();
    }

    private static byte[] read(byte[] gz) throws IOException {
        try (OneMemberGzip in = new OneMemberGzip(new ByteArrayInputStream(gz), 512)) {
            return in.readAllBytes();
        }
    }

    private static byte[] plain() {
        byte[] plain = new byte[100_000];
        new Random(3).nextBytes(plain);
        return plain;
    }

    @Test
    void whatTheJdkAndGzipWriteReadsBack() throws Exception {
        byte[] plain = plain();
        assertArrayEquals(plain, read(gzip(plain)));
        // gzip(1) sets FNAME and stores the name: an optional header field, read past.
        Path f = dir.resolve("day.log");
        Files.write(f, plain);
        Run.Result r = Run.run("gzip", "-k", f.toString());
        assertEquals(0, r.exit(), r::toString);
        assertArrayEquals(plain, read(Files.readAllBytes(dir.resolve("day.log.gz"))));
    }

    @Test
    void aFileCutShortAnywhereIsAnError() throws Exception {
        byte[] gz = gzip("a short day file\n".repeat(20).getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        for (int n = 0; n < gz.length; n++) {
            byte[] cut = Arrays.copyOf(gz, n);
            assertThrows(EOFException.class, () -> read(cut), "cut to " + n + " bytes");
        }
    }

    @Test
    void aByteAfterTheMemberASecondMemberOrAWrongCrcOrLengthIsAnError() throws Exception {
        byte[] plain = plain();
        byte[] gz = gzip(plain);
        byte[] extra = Arrays.copyOf(gz, gz.length + 1);
        assertThrows(ZipException.class, () -> read(extra));
        ByteArrayOutputStream two = new ByteArrayOutputStream();
        two.write(gz);
        two.write(gzip(new byte[] {'x'}));
        assertThrows(ZipException.class, () -> read(two.toByteArray()));
        for (int at : new int[] {gz.length - 8, gz.length - 4}) { // the CRC-32, then the length
            byte[] bad = gz.clone();
            bad[at] ^= 1;
            assertThrows(ZipException.class, () -> read(bad), "byte " + at);
        }
        byte[] notGzip = gz.clone();
        notGzip[1] = 0;
        assertThrows(ZipException.class, () -> read(notGzip));
    }
}
