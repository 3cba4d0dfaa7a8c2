package loghost.housekeeping;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import loghost.store.DigestAlgorithm;
import loghost.store.LineBatch;
import loghost.store.LogStore;
import loghost.store.RecordType;
import loghost.testing.Stores;
import loghost.testing.Cli;
import loghost.testing.ManualClock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link LastSeen} over day files of several read blocks, read back from a plain file and from its .gz alike. */
class LastSeenTest {

    @TempDir
    Path dir;

    @Test
    void findsTheSameTimesInABigPlainDayFileAndInItsCompressedForm() throws Exception {
        Path data = dir.resolve("data");
        ManualClock clock = new ManualClock("2026-11-24T10:00:00.000Z");
        try (LogStore store = Stores.open(data.resolve("hosts"), DigestAlgorithm.SHA256, clock)) {
            append(store, RecordType.MARK, "heartbeat stream=s pending=0");
            // About 3 MiB of lines after the heartbeat (within the window it is looked for in): the file is read
            // back over several 1 MiB blocks, lines crossing their edges.
            for (int batch = 0; batch < 15; batch++) {
                clock.millis += 1000;
                LineBatch b = new LineBatch();
                for (int i = 0; i < 1000; i++) {
                    byte[] line = ("<38>Nov 24 10:00:00 web01 sshd[" + (batch * 1000 + i) + "]: Accepted publickey "
                            + "for admin from 192.0.2." + (i % 250)).getBytes(StandardCharsets.US_ASCII);
                    b.add(RecordType.LOG, line, 0, line.length);
                }
                store.host("web01").append(b);
            }
            clock.millis += 1000;
            append(store, RecordType.GAP, "lines-dropped count=1");
            // The loghost's own seal record after them says nothing about the host.
            clock.millis += 1000;
            append(store, RecordType.SEAL, "epoch=1");
        }
        Path host = data.resolve("hosts/web01");
        long size = Files.size(host.resolve("2026-11-24.log"));
        assertTrue(size > 2 << 20 && size < LastSeen.HEARTBEAT_WINDOW, "size " + size);
        Instant now = Instant.parse("2026-11-24T12:00:00Z");
        LastSeen plain = LastSeen.read(host, Duration.ZERO, now);
        assertEquals(new LastSeen(Instant.parse("2026-11-24T10:00:16Z"), null,
                Instant.parse("2026-11-24T10:00:00Z"), Instant.parse("2026-11-24T10:00:15Z"), null), plain);

        try (LogStore store = Stores.open(data.resolve("hosts"), DigestAlgorithm.SHA256,
                Clock.fixed(Instant.parse("2026-11-25T00:05:00Z"), ZoneOffset.UTC))) {
            store.recoverAll();
            store.closeFinishedDays();
        }
        assertEquals(0, Cli.run(data, "compress").exit());
        assertTrue(Files.exists(host.resolve("2026-11-24.log.gz")));
        assertEquals(plain, LastSeen.read(host, Duration.ZERO, Instant.parse("2026-11-25T00:10:00Z")));
    }

    private static void append(LogStore store, RecordType type, String text) throws Exception {
        LineBatch b = new LineBatch();
        byte[] raw = text.getBytes(StandardCharsets.US_ASCII);
        b.add(type, raw, 0, raw.length);
        store.host("web01").append(b);
    }
}
