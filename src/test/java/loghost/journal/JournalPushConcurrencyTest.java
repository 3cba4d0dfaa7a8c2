package loghost.journal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import loghost.testing.HostRecords;
import loghost.testing.KeyGen;
import loghost.testing.Run;
import loghost.testing.TestServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code append-log --journal} under concurrency, as the security review found it: gap records decided under the
 * host's lock (two sessions of one host at once), two journals interleaved still appended in batches, not one append
 * per entry. Real ssh client, crafted export input.
 */
class JournalPushConcurrencyTest {

    private static final String ID = "0123456789abcdef0123456789abcdef";
    private static final String OTHER_ID = "fedcba9876543210fedcba9876543210";
    private static final Pattern LOST = Pattern.compile("journal-lost seqnum-id=([0-9a-f]{32}) from=(\\d+) to=(\\d+) "
            + "count=(\\d+) \\(not in the journal when read\\)");

    @TempDir
    Path dir;

    private Run.Result push(TestServer server, Path key, byte[] input) throws Exception {
        Path in = Files.createTempFile(dir, "in", ".export");
        Files.write(in, input);
        return server.ssh(key, in, "-T", "log@127.0.0.1", "append-log --journal");
    }

    private CompletableFuture<Run.Result> pushAsync(TestServer server, Path key, byte[] input) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return push(server, key, input);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
    }

    // Entries of id from first to last, every step-th.
    private static byte[] every(String id, long first, long last, long step) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (long i = first; i <= last; i += step) {
            out.writeBytes(JournalPushRig.entry(id, i));
        }
        return out.toByteArray();
    }

    @Test
    void aGapRecordNeverNamesSeqnumsAnotherSessionStoredAndEachSeqnumIsAccountedForOnce() throws Exception {
        try (TestServer server = new TestServer(dir, "")) {
            Path key = KeyGen.generate(dir, "web01", "ed25519");
            server.enroll("web01", key);
            for (int round = 0; round < 3; round++) {
                String id = String.format("%032x", 0xabc0 + round);
                // One session sends every entry; the other every 10th, so that each of its entries skips 9 seqnums
                // that the first session may be storing at that very moment.
                long last = 20_000;
                CompletableFuture<Run.Result> all = pushAsync(server, key, every(id, 1, last, 1));
                CompletableFuture<Run.Result> sparse = pushAsync(server, key, every(id, 1, last, 10));
                assertEquals(0, all.get().exit(), all.get()::toString);
                assertEquals(0, sparse.get().exit(), sparse.get()::toString);
                accountedOnce(JournalPushRig.pushed(server.data(), "web01"), id, last);
            }
            assertEquals(0, server.cli("verify").exit());
        }
    }

    // Every seqnum 1..last of id is either one stored entry or inside exactly one gap record, whose count is exact
    // and whose cseq is its last seqnum; no gap names a stored entry.
    private static void accountedOnce(List<HostRecords.Rec> recs, String id, long last) {
        TreeMap<Long, String> owner = new TreeMap<>();
        for (HostRecords.Rec r : recs) {
            if (!r.meta().contains(",c=j." + id + ":")) {
                continue;
            }
            long cseq = JournalPushRig.seqnum(r);
            if (r.type().equals("log")) {
                String before = owner.put(cseq, "entry");
                assertEquals(null, before, "seqnum " + cseq + " stored once, not also " + before);
                continue;
            }
            assertEquals("gap", r.type());
            Matcher m = LOST.matcher(r.text());
            assertTrue(m.matches(), r.text());
            long from = Long.parseLong(m.group(2));
            long to = Long.parseLong(m.group(3));
            assertEquals(to - from + 1, Long.parseLong(m.group(4)), r.text());
            assertEquals(to, cseq, r.text());
            for (long s = from; s <= to; s++) {
                String before = owner.put(s, r.text());
                assertEquals(null, before, "seqnum " + s + " named lost by " + r.text() + " is also " + before);
            }
        }
        assertEquals(last, owner.size(), "every seqnum accounted for");
        assertEquals(1L, owner.firstKey());
        assertEquals(last, owner.lastKey());
    }

    @Test
    void twoJournalsInterleavedAreAppendedInBatchesNotOnePerEntry() throws Exception {
        // fsync-interval 0s: every append is synced before it returns, so the fsyncs count the appends.
        try (TestServer server = new TestServer(dir, "loghost.store.fsync-interval = 0s\n"
                + "loghost.metrics.listen = \"127.0.0.1:0\"\n")) {
            Path key = KeyGen.generate(dir, "web01", "ed25519");
            server.enroll("web01", key);
            int n = 2_000;
            ByteArrayOutputStream in = new ByteArrayOutputStream();
            for (int i = 1; i <= n; i++) { // two boots' files merged by time: the ids alternate entry by entry
                in.writeBytes(JournalPushRig.entry(i % 2 == 0 ? ID : OTHER_ID, (i + 1) / 2));
            }
            double before = fsyncs(server);
            Run.Result r = push(server, key, in.toByteArray());
            assertEquals(0, r.exit(), r::toString);
            double appends = fsyncs(server) - before;

            List<String> order = new ArrayList<>();
            for (HostRecords.Rec rec : JournalPushRig.pushed(server.data(), "web01")) {
                // The c= item only: an entry's own keys (t=, pid=, ...) follow it (docs/FORMAT.md, "Journal entries").
                String c = rec.meta().substring(rec.meta().indexOf(",c=") + 3);
                order.add(c.indexOf(',') < 0 ? c : c.substring(0, c.indexOf(',')));
            }
            List<String> expected = new ArrayList<>();
            for (int i = 1; i <= n; i++) {
                expected.add("j." + (i % 2 == 0 ? ID : OTHER_ID) + ":" + (i + 1) / 2);
            }
            assertEquals(expected, order, "every entry once, in the order received");
            // The input is 2,000 entries of about 150 bytes: a few dozen reads of the channel, hence appends.
            assertTrue(appends < 200, appends + " appends (fsyncs) for " + n + " entries of two ids");
        }
    }

    private static double fsyncs(TestServer server) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create(server.metricsUrl().orElseThrow())).timeout(Duration.ofSeconds(60)).build(),
                HttpResponse.BodyHandlers.ofString());
        String series = "loghost_fsync_duration_seconds_count{trigger=\"session\"} ";
        for (String line : r.body().split("\n")) {
            if (line.startsWith(series)) {
                return Double.parseDouble(line.substring(series.length()).trim());
            }
        }
        return 0;
    }
}
