package loghost.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import loghost.store.DigestAlgorithm;
import loghost.store.HostName;
import loghost.store.LogStore;
import loghost.testing.Await;
import loghost.testing.CapturedLog;
import loghost.testing.HostRecords;
import loghost.testing.Stores;
import loghost.testing.Tmpfs;
import loghost.verify.Verifier;
import loghost.verify.VerifyReport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Audit events lost to a full disk are accounted for by an audit-dropped record once the disk has space again. */
class AuditTrailDiskFullTest {

    private static final Pattern FAILED = Pattern.compile("audit-write-failed events=(\\d+)");
    private static final Pattern DROPPED = Pattern.compile("audit-dropped count=(\\d+) .*");

    @TempDir
    Path dir;

    private static int failedEvents(CapturedLog log) {
        int n = 0;
        for (String l : log.lines()) {
            Matcher m = FAILED.matcher(l);
            if (m.find()) {
                n += Integer.parseInt(m.group(1));
            }
        }
        return n;
    }

    private static void await(String what, java.util.function.BooleanSupplier condition) throws Exception {
        Await.until(() -> what, condition::getAsBoolean);
    }

    @Test
    void eventsLostToAFullDiskAreCountedInAnAuditDroppedRecordWrittenFirstWhenSpaceReturns() throws Exception {
        Path data = dir.resolve("data");
        LogStore store = Stores.open(data.resolve("hosts"), DigestAlgorithm.SHA256, Clock.systemUTC());
        try (Tmpfs disk = Tmpfs.mount(data.resolve("hosts").resolve(HostName.AUDIT), "1m");
             CapturedLog log = new CapturedLog()) {
            AuditTrail audit = new AuditTrail(store.host(HostName.AUDIT), 100);
            audit.event("before the disk filled");
            await("the first event on disk", () -> records(data).contains("before the disk filled"));
            Path filler = disk.fill("filler");

            // Two rounds of lost events, so that a write carrying the first count fails too. Each event is larger
            // than a page, so none fits in the slack of the day file's last page.
            String pad = " " + "x".repeat(5000);
            for (int i = 1; i <= 20; i++) {
                audit.event("lost-" + i + pad);
            }
            await("20 events refused by the full disk", () -> failedEvents(log) == 20);
            for (int i = 21; i <= 40; i++) {
                audit.event("lost-" + i + pad);
            }
            await("40 events refused by the full disk", () -> failedEvents(log) == 40);

            Files.delete(filler);
            audit.event("after space returned");
            await("the event after space returned", () -> records(data).contains("after space returned"));
            audit.close();
            store.close();

            List<String> texts = records(data);
            int dropped = 0;
            int firstDropped = -1;
            for (int i = 0; i < texts.size(); i++) {
                Matcher m = DROPPED.matcher(texts.get(i));
                if (m.matches()) {
                    dropped += Integer.parseInt(m.group(1));
                    firstDropped = firstDropped < 0 ? i : firstDropped;
                }
            }
            assertEquals(40, dropped, texts::toString);
            assertTrue(texts.stream().noneMatch(t -> t.startsWith("lost-")), texts::toString);
            assertTrue(firstDropped >= 0 && firstDropped < texts.indexOf("after space returned"), texts::toString);
            VerifyReport r = new Verifier(data.resolve("hosts")).verifyAll();
            assertTrue(r.ok(), r.problems()::toString);
        }
    }

    private static List<String> records(Path data) {
        try {
            return HostRecords.read(data, HostName.AUDIT).stream().map(HostRecords.Rec::text).toList();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
