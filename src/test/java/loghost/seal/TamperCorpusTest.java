package loghost.seal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.Stream;
import loghost.store.LineBatch;
import loghost.store.LogStore;
import loghost.store.RecordType;
import loghost.testing.ManualClock;
import loghost.testing.Stores;
import loghost.verify.VerifyReport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A seeded corpus of tampering with a real sealed store, each mutation applied to a fresh copy and checked with
 * {@code loghost verify --key KEY --sealed-until END} (in this JVM; END = the last checkpoint's end).
 *
 * <p>The store is written and sealed by the real LogStore and Sealer on a hand-set clock: hosts {@code _loghost}
 * (audit records), {@code app01}, {@code db01}, {@code web01}; nine epochs, one idle, crossing two UTC midnights (day
 * files 2026-11-22, -23, -24; checkpoint files of the same three days); the last epoch closes cleanly, so every
 * host's chain ends with a listed seal record and nothing is in an unsealed tail. Untouched, it verifies with no FAIL.
 *
 * <p>A mutation that leaves every byte and name as it was (swapping two equal lines, a rename onto itself) is drawn
 * again and not counted. What is asserted, by kind ("first FAIL" = the first FAIL line verify prints, as
 * {@code PATH[:LINE]}):
 * <ul>
 * <li><b>Day-file edits</b> (byte flips, line delete/insert/swap/duplicate, truncation mid-line or at a line
 *     boundary, header edits, a record moved to another host): with L the first line (1-based, the header being 1)
 *     where the file differs from the original: the first FAIL is {@code hosts/H/F:L}. When the file became a strict
 *     prefix of the original at a line boundary (lines cut from its end): {@code hosts/H/NEXT:1} (the next day file's
 *     header no longer continues the chain), or, for the host's last file, {@code hosts/H} with exactly the
 *     documented "seq S sealed by checkpoint N (seal/F:L) is missing: the log ends at seq E (records were removed
 *     after X)". An emptied file: {@code hosts/H/F:1}. For a record moved from host A to host B, the assertion is
 *     that of whichever of the two comes first in name order (verify checks hosts in that order).</li>
 * <li><b>Day-file deletion and reordering</b> (renames to an unused day, swaps of two files with or without each
 *     header's day fixed to its new name): with i the first position where the host's files, in name order, differ in name or bytes: the first
 *     FAIL is line 1 of the file now at i, or, when the files are a strict prefix of the original list, the "is
 *     missing" finding above. A deleted host directory: exactly "hosts/H: missing: checkpoint N sealed this host up
 *     to seq S".</li>
 * <li><b>Re-chaining</b> (root's tool: a record's message rewritten, a record inserted or deleted, a seal record
 *     turned into a log record or deleted, each time every SEQ, digest and header after it recomputed): exactly
 *     "hosts/H: record S is not what checkpoint N (seal/F:L) sealed: the log was altered after X and at or before
 *     seq S", S being the first listed seal at or after the change and X the listed seal before it; for a
 *     deleted record, exactly "hosts/H/F:L: seal record at seq S-1 (epoch N) is not in its checkpoint". The same
 *     holds when the attacker, holding the key of the open epoch, then appends and signs a new checkpoint.
 *     A seal record's epoch changed and re-chained: the first FAIL is {@code hosts/H} or one of its day files
 *     with one of the step-3 seal reasons.</li>
 * <li><b>Checkpoint-file edits</b> (byte flips, line operations, truncation, entries and fields edited without the
 *     old key): with L the first line that differs, B the first line of the original block holding it and E that
 *     block's last line moved down by the number of lines the mutation added: the first FAIL is {@code seal/F:M}
 *     with B &le; M &le; E (or {@code seal/F} as a whole), so never a later block (which would let an edit pass
 *     its own block's signature). Whole blocks cut from the end of an older file: {@code seal/NEXT:1}, the next
 *     file's first block not being the epoch due. In the newest file, what a crash
 *     can leave, a cut-short last block or whole trailing blocks gone, may be accepted as such: verify then notes
 *     it ({@code seal/F:M} with M &ge; B, or the file is a prefix ending at a block boundary), and every FAIL is a
 *     documented {@code --sealed-until} failure (a host sealed, or the checkpoints ending, too early). An
 *     incomplete block appended after the last one (bytes a crashed append leaves) is a note naming its first
 *     line, never a FAIL: verify reads it as the crash it looks like and nothing sealed changes.</li>
 * <li><b>Checkpoint-file deletion and renames</b>: with i the first position where the files differ: the first
 *     FAIL is line 1 of the file now at i; when the newest files are gone, a {@code --sealed-until} failure. Every
 *     file deleted but the newest, and that one emptied or cut to its first line: exactly "seal/F: holds no block"
 *     or "seal/F:1: block without its sig line" (no block holds, not even genesis: no crash leaves that).</li>
 * </ul>
 * Not drawn, and why: {@code seal.pub} and {@code seal/epoch.key} (not evidence: verify is given the pinned key, and
 * the open epoch's key proves nothing about the past). Two edits that keep every digest and seal are asserted on
 * their own (they once passed; docs/FORMAT.md "Steps" now binds them): the header version of a host's first day
 * file changed from {@code v2} to {@code v1} (its first record is not before the genesis block), and the newest day
 * file renamed to an unused later day with its header's {@code day} edited to match (its first record is not of its
 * day). Renames are drawn with the header unchanged, and swaps with or without it fixed.
 */
class TamperCorpusTest {

    private static final long SEED = 20261124L;
    private static final int MUTATIONS = 1200;
    private static final List<String> HOSTS = List.of("_loghost", "app01", "db01", "web01");
    private static final String[][] EPOCHS = {
        {"2026-11-22T23:55:20.000Z", "2026-11-22T23:56:00.000Z"},
        {"2026-11-22T23:56:20.000Z", "2026-11-22T23:57:00.000Z"},
        {null, "2026-11-22T23:58:00.000Z"},
        {"2026-11-22T23:58:20.000Z", "2026-11-22T23:59:00.000Z"},
        {"2026-11-22T23:59:20.000Z", "2026-11-23T00:00:00.000Z"},
        {"2026-11-23T00:00:20.000Z", "2026-11-23T00:01:00.000Z"},
        {"2026-11-23T00:01:20.000Z", "2026-11-23T00:02:00.000Z"},
        {"2026-11-23T23:59:20.000Z", "2026-11-24T00:00:00.000Z"},
        {"2026-11-24T00:00:20.000Z", "2026-11-24T00:01:00.000Z"},
    };
    private static final String OTHER_KEY = "ed25519:4a4c286e02a707b781dbc9222f022dcae6c7904ba17b26097a90b9bfd9ca36fb";

    @TempDir
    Path dir;

    private Path work;
    private Map<String, byte[]> original;
    private VerificationKey key;
    private Instant until;
    private Random rnd;
    private int rechained;
    // Per host, the checkpoints' entries for it in order: {epoch, seq, "seal/F:L"}.
    private final Map<String, List<String[]>> listed = new TreeMap<>();

    /** What verify must say about one mutation: null when it did, else what went wrong. */
    @FunctionalInterface
    private interface Expect {
        String check(VerifyReport r);
    }

    /** A mutation: applies itself to {@link #work} and returns the expectation, or null to be drawn again. */
    @FunctionalInterface
    private interface Mutation {
        Expect apply() throws Exception;
    }

    @Test
    void everyMutationOfASealedStoreIsCaughtAtTheRightPlaceAndTheUntouchedStoreIsNot() throws Exception {
        Path built = dir.resolve("built");
        build(built);
        original = read(built);
        readListedEntries();
        work = dir.resolve("work");
        restore();
        VerifyReport clean = SealedStore.verify(work, key, until);
        assertEquals(List.of(), clean.problems(), SealedStore.text(clean));
        assertTrue(SealedStore.text(clean).lines().noneMatch(l -> l.contains("not sealed yet")), SealedStore.text(clean));

        Map<String, Mutation> kinds = new TreeMap<>();
        kinds.put("day byte flip", this::dayByteFlip);
        kinds.put("day line delete", () -> dayLines((l, r) -> l.remove(r.nextInt(l.size()))));
        kinds.put("day line insert", () -> dayLines((l, r) -> l.add(r.nextInt(l.size() + 1), someLine(r))));
        kinds.put("day line swap", () -> dayLines((l, r) -> swap(l, r)));
        kinds.put("day line duplicate", () -> dayLines((l, r) -> {
            int i = r.nextInt(l.size());
            l.add(i + 1, l.get(i));
        }));
        kinds.put("day truncate mid-line", () -> dayTruncate(false));
        kinds.put("day truncate at line boundary", () -> dayTruncate(true));
        kinds.put("day header edit", this::headerEdit);
        kinds.put("day file delete", () -> dayFiles(false));
        kinds.put("day file reorder", () -> dayFiles(true));
        kinds.put("host directory delete", this::hostDelete);
        kinds.put("record moved between hosts", this::moveRecord);
        kinds.put("rechain message", () -> rechain("message"));
        kinds.put("rechain insert", () -> rechain("insert"));
        kinds.put("rechain delete", () -> rechain("delete"));
        kinds.put("rechain seal to log", () -> rechain("seal-to-log"));
        kinds.put("rechain seal delete", () -> rechain("seal-delete"));
        kinds.put("rechain seal epoch", () -> rechain("seal-epoch"));
        kinds.put("rechain and reseal with the open epoch's key", () -> rechain("reseal"));
        kinds.put("checkpoint byte flip", this::ckptByteFlip);
        kinds.put("checkpoint line delete", () -> ckptLines((l, r) -> l.remove(r.nextInt(l.size()))));
        kinds.put("checkpoint line insert", () -> ckptLines((l, r) -> l.add(r.nextInt(l.size() + 1),
                someCkptLine(r))));
        kinds.put("checkpoint line swap", () -> ckptLines((l, r) -> swap(l, r)));
        kinds.put("checkpoint line duplicate", () -> ckptLines((l, r) -> {
            int i = r.nextInt(l.size());
            l.add(i + 1, l.get(i));
        }));
        kinds.put("checkpoint truncate", this::ckptTruncate);
        kinds.put("checkpoint field edit", this::ckptFieldEdit);
        kinds.put("checkpoint file delete or rename", this::ckptFiles);

        rnd = new Random(SEED);
        List<String> names = new ArrayList<>(kinds.keySet());
        Map<String, Integer> counts = new TreeMap<>();
        List<String> missed = new ArrayList<>();
        int redrawn = 0;
        long started = System.nanoTime();
        for (int done = 0; done < MUTATIONS; ) {
            restore();
            String kind = names.get(rnd.nextInt(names.size()));
            if (kind.contains("reseal") && rnd.nextInt(4) != 0) {
                continue; // the slowest kind (a new key pair, a new checkpoint): drawn a quarter as often
            }
            Expect expect = kinds.get(kind).apply();
            if (expect == null || same(read(work), original)) {
                redrawn++;
                continue;
            }
            VerifyReport r = SealedStore.verify(work, key, until);
            String problem = expect.check(r);
            if (problem != null) {
                missed.add(kind + " (mutation " + done + "): " + problem + "\n" + SealedStore.text(r));
            }
            counts.merge(kind, 1, Integer::sum);
            done++;
        }
        System.out.println("tamper corpus: " + MUTATIONS + " mutations in " + (System.nanoTime() - started) / 1_000_000
                + " ms, " + redrawn + " no-ops drawn again, " + rechained + " re-chained: " + counts);
        assertEquals(List.of(), missed.stream().map(m -> m.substring(0, m.indexOf('\n'))).toList(), missed.size()
                + " of " + MUTATIONS + " not caught as asserted; the first in full:\n"
                + (missed.isEmpty() ? "" : missed.get(0)));
        assertEquals(names.size(), counts.size(), "every kind drawn: " + counts);
    }

    @Test
    void theTwoEditsThatKeepEveryDigestAndSealAreCaught() throws Exception {
        build(dir.resolve("built"));
        original = read(dir.resolve("built"));
        work = dir.resolve("work");
        restore();
        String first = "hosts/web01/" + dayNames("web01").get(0);
        List<String> l = lines(original.get(first));
        l.set(0, l.get(0).replace("#loghost v2 ", "#loghost v1 "));
        write(first, l);
        VerifyReport r = SealedStore.verify(work, key, until);
        assertEquals(List.of("verify: FAIL: " + first + ":2: first record of a version 1 file is not before the seal"
                + " chain's genesis block (2026-11-22T23:55:00.000Z)"),
                r.problems().stream().map(Object::toString).toList(), SealedStore.text(r));

        restore();
        String newest = dayNames("web01").get(dayNames("web01").size() - 1);
        Path moved = work.resolve("hosts/web01/2026-11-26.log");
        Files.move(work.resolve("hosts/web01/" + newest), moved);
        l = lines(Files.readAllBytes(moved));
        l.set(0, l.get(0).replace("day=" + newest.substring(0, 10), "day=2026-11-26"));
        write("hosts/web01/2026-11-26.log", l);
        r = SealedStore.verify(work, key, until);
        assertEquals(List.of("verify: FAIL: hosts/web01/2026-11-26.log:2: first record is of day " + newest.substring(0,
                10) + ", not of the file's day"),
                r.problems().stream().map(Object::toString).toList(), SealedStore.text(r));
    }

    // ---------------------------------------------------------------- the store

    private void build(Path data) throws Exception {
        try (SealedStore s = new SealedStore(data, "2026-11-22T23:55:00.000Z")) {
            key = s.key;
            for (int e = 0; e < EPOCHS.length; e++) {
                if (EPOCHS[e][0] != null) {
                    s.clock.set(EPOCHS[e][0]);
                    for (int h = 0; h < HOSTS.size(); h++) {
                        if ((e + h) % 5 == 0) {
                            continue;
                        }
                        append(s.store, HOSTS.get(h), 1 + (3 * e + h) % 4, "epoch " + (e + 1));
                    }
                }
                s.closeEpochAt(EPOCHS[e][1]);
            }
        }
        until = Instant.parse(EPOCHS[EPOCHS.length - 1][1]);
    }

    private static void append(LogStore store, String host, int n, String text) throws Exception {
        boolean audit = host.equals("_loghost");
        LineBatch b = new LineBatch(!audit);
        for (int i = 0; i < n; i++) {
            byte[] raw = (audit ? "refused reason=shell-refused source=192.0.2.7:5012" + i + " host=web01"
                    : host + " " + text + " line " + i).getBytes(StandardCharsets.UTF_8);
            b.add(audit ? RecordType.AUDIT : RecordType.LOG, raw, 0, raw.length);
        }
        store.host(host).append(b);
    }

    private void readListedEntries() {
        for (String f : ckptNames()) {
            List<String> lines = lines(original.get("seal/" + f));
            long epoch = 0;
            for (int i = 0; i < lines.size(); i++) {
                String l = lines.get(i).strip();
                if (l.startsWith("checkpoint v1 epoch=")) {
                    epoch = Long.parseLong(l.replaceAll("checkpoint v1 epoch=([0-9]+) .*", "$1"));
                } else if (l.matches("[a-z0-9_][a-z0-9._-]* [0-9]+ [0-9a-f]+")) {
                    String[] p = l.split(" ");
                    listed.computeIfAbsent(p[0], h -> new ArrayList<>())
                            .add(new String[] {Long.toString(epoch), p[1], "seal/" + f + ":" + (i + 1)});
                }
            }
        }
        assertEquals(HOSTS, new ArrayList<>(listed.keySet()));
    }

    // ---------------------------------------------------------------- fresh copies

    private static Map<String, byte[]> read(Path root) throws Exception {
        Map<String, byte[]> out = new TreeMap<>();
        if (!Files.exists(root)) {
            return out;
        }
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.toList()) {
                if (p.equals(root)) {
                    continue;
                }
                String rel = root.relativize(p).toString();
                out.put(Files.isDirectory(p) ? rel + "/" : rel, Files.isDirectory(p) ? new byte[0] : Files.readAllBytes(p));
            }
        }
        return out;
    }

    private static boolean same(Map<String, byte[]> a, Map<String, byte[]> b) {
        if (!a.keySet().equals(b.keySet())) {
            return false;
        }
        return a.keySet().stream().allMatch(k -> Arrays.equals(a.get(k), b.get(k)));
    }

    // Makes work/ a fresh copy of the original store again: every path that differs is deleted or rewritten
    // (directories 0700, files 0600, as the server makes them).
    private void restore() throws Exception {
        if (!Files.exists(work)) {
            copyOriginal();
            return;
        }
        Map<String, byte[]> now = read(work);
        List<String> extra = new ArrayList<>(now.keySet());
        extra.removeAll(original.keySet());
        extra.sort(Comparator.reverseOrder()); // a directory's files before it
        for (String k : extra) {
            Files.delete(work.resolve(k));
        }
        for (var e : original.entrySet()) {
            byte[] has = now.get(e.getKey());
            Path p = work.resolve(e.getKey());
            if (e.getKey().endsWith("/")) {
                if (has == null) {
                    Files.createDirectories(p);
                    Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwx------"));
                }
            } else if (has == null || !Arrays.equals(has, e.getValue())) {
                Files.createDirectories(p.getParent());
                Files.write(p, e.getValue());
                Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rw-------"));
            }
        }
    }

    private void copyOriginal() throws Exception {
        if (Files.exists(work)) {
            try (Stream<Path> s = Files.walk(work)) {
                for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
        Files.createDirectories(work);
        Files.setPosixFilePermissions(work, PosixFilePermissions.fromString("rwx------"));
        for (var e : original.entrySet()) {
            Path p = work.resolve(e.getKey());
            if (e.getKey().endsWith("/")) {
                Files.createDirectories(p);
                Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwx------"));
            } else {
                Files.createDirectories(p.getParent());
                Files.write(p, e.getValue());
                Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rw-------"));
            }
        }
    }

    private void write(String rel, List<String> lines) throws Exception {
        Files.write(work.resolve(rel), String.join("", lines).getBytes(StandardCharsets.ISO_8859_1));
    }

    // Lines with their LF (the last one without, when the file does not end with LF).
    private static List<String> lines(byte[] bytes) {
        String s = new String(bytes, StandardCharsets.ISO_8859_1);
        List<String> out = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) == '\n') {
                out.add(s.substring(start, i + 1));
                start = i + 1;
            }
        }
        if (start < s.length()) {
            out.add(s.substring(start));
        }
        return out;
    }

    private List<String> dayNames(String host) {
        String prefix = "hosts/" + host + "/";
        return original.keySet().stream().filter(k -> k.startsWith(prefix) && k.endsWith(".log"))
                .map(k -> k.substring(prefix.length())).sorted().toList();
    }

    private List<String> ckptNames() {
        return original.keySet().stream().filter(k -> k.startsWith("seal/") && k.endsWith(".ckpt"))
                .map(k -> k.substring(5)).sorted().toList();
    }

    private String randomHost() {
        return HOSTS.get(rnd.nextInt(HOSTS.size()));
    }

    // A line from anywhere in the store (another record, a header, a checkpoint line), or garbage.
    private String someLine(Random r) {
        if (r.nextInt(5) == 0) {
            return "garbage " + r.nextInt(1000) + "\n";
        }
        List<String> keys = original.keySet().stream().filter(k -> k.endsWith(".log") || k.endsWith(".ckpt")).toList();
        List<String> l = lines(original.get(keys.get(r.nextInt(keys.size()))));
        return l.get(r.nextInt(l.size()));
    }

    private String someCkptLine(Random r) {
        List<String> names = ckptNames();
        List<String> l = lines(original.get("seal/" + names.get(r.nextInt(names.size()))));
        return r.nextInt(4) == 0 ? someLine(r) : l.get(r.nextInt(l.size()));
    }

    private static void swap(List<String> l, Random r) {
        int i = r.nextInt(l.size());
        int j = r.nextInt(l.size());
        String t = l.get(i);
        l.set(i, l.get(j));
        l.set(j, t);
    }

    // ---------------------------------------------------------------- expectations

    private static String where(VerifyReport.Finding f) {
        return f.path() + (f.line() > 0 ? ":" + f.line() : "");
    }

    private static VerifyReport.Finding firstFail(VerifyReport r) {
        return r.problems().isEmpty() ? null : r.problems().get(0);
    }

    private static Expect at(String expectedWhere) {
        return r -> {
            VerifyReport.Finding f = firstFail(r);
            if (f == null) {
                return "not detected (expected a FAIL at " + expectedWhere + ")";
            }
            return where(f).equals(expectedWhere) ? null : "first FAIL at " + where(f) + ", expected " + expectedWhere;
        };
    }

    private static Expect exactly(String expectedWhere, String reason) {
        return r -> {
            VerifyReport.Finding f = firstFail(r);
            String want = expectedWhere + ": " + reason;
            if (f == null) {
                return "not detected (expected " + want + ")";
            }
            return (where(f) + ": " + f.reason()).equals(want) ? null : "first FAIL " + where(f) + ": " + f.reason()
                    + ", expected " + want;
        };
    }

    private static int firstDiff(List<String> before, List<String> after) {
        int i = 0;
        while (i < before.size() && i < after.size() && before.get(i).equals(after.get(i))) {
            i++;
        }
        return i + 1;
    }

    private static long seqOf(String recordLine) {
        return Long.parseLong(recordLine.substring(0, recordLine.indexOf(' ')));
    }

    private static long headerSeq(String header) {
        return Long.parseLong(header.replaceAll("(?s).* seq=([0-9]+) .*", "$1"));
    }

    // A host's chain that now ends at seq `end`: the first listed seal after it is reported missing.
    private Expect endsAt(String host, long end) {
        List<String[]> entries = listed.get(host);
        String after = "the start of the log";
        for (String[] e : entries) {
            if (Long.parseLong(e[1]) > end) {
                return exactly("hosts/" + host, "seq " + e[1] + " sealed by checkpoint " + e[0] + " (" + e[2]
                        + ") is missing: the log ends at seq " + end + " (records were removed after " + after + ")");
            }
            after = "seq " + e[1] + " (sealed intact by checkpoint " + e[0] + ")";
        }
        throw new AssertionError("every host's chain ends with a listed seal record");
    }

    // One day file of a host changed from `before` to `after` (see the class Javadoc).
    private Expect dayChange(String host, String name, List<String> before, List<String> after) {
        String label = "hosts/" + host + "/" + name;
        int l = firstDiff(before, after);
        if (after.isEmpty()) {
            return at(label + ":1");
        }
        if (l <= after.size()) {
            return at(label + ":" + l);
        }
        List<String> days = dayNames(host);
        int i = days.indexOf(name);
        if (i + 1 < days.size()) {
            return at("hosts/" + host + "/" + days.get(i + 1) + ":1");
        }
        String last = after.get(after.size() - 1);
        return endsAt(host, after.size() == 1 ? headerSeq(last) - 1 : seqOf(last));
    }

    // The host's day files (name -> lines) changed from the original to `now` (see the class Javadoc).
    private Expect dayFilesChange(String host, TreeMap<String, List<String>> now) {
        List<String> names = dayNames(host);
        List<String> newNames = new ArrayList<>(now.keySet());
        for (int i = 0; i < newNames.size(); i++) {
            if (i >= names.size() || !names.get(i).equals(newNames.get(i))
                    || !lines(original.get("hosts/" + host + "/" + names.get(i))).equals(now.get(newNames.get(i)))) {
                return at("hosts/" + host + "/" + newNames.get(i) + ":1");
            }
        }
        if (newNames.isEmpty()) {
            return endsAt(host, 0);
        }
        List<String> last = now.get(newNames.get(newNames.size() - 1));
        return endsAt(host, last.size() == 1 ? headerSeq(last.get(0)) - 1 : seqOf(last.get(last.size() - 1)));
    }

    private static boolean sealedUntilFail(VerifyReport.Finding f) {
        return f.reason().contains(", before --sealed-until ");
    }

    // One checkpoint file changed from `before` to `after` (see the class Javadoc).
    private Expect ckptChange(String name, List<String> before, List<String> after) {
        String label = "seal/" + name;
        int l = firstDiff(before, after);
        int block = l;
        for (int i = Math.min(l, before.size()) - 1; i >= 0; i--) {
            if (before.get(i).startsWith("genesis ") || before.get(i).startsWith("checkpoint ")) {
                block = i + 1;
                break;
            }
        }
        int blockStart = block;
        int end = Math.min(l, before.size());
        while (end < before.size() && !before.get(end - 1).startsWith("sig ")) {
            end++;
        }
        // The block's last line, moved down by the lines the mutation added: no later block may be the one blamed.
        int blockEnd = end + Math.max(0, after.size() - before.size());
        boolean newest = name.equals(ckptNames().get(ckptNames().size() - 1));
        boolean appendedOnly = after.size() > before.size() && after.subList(0, before.size()).equals(before);
        boolean prefixAtBlockEnd = after.size() < before.size() && before.subList(0, after.size()).equals(after)
                && (after.isEmpty() || after.get(after.size() - 1).startsWith("sig "));
        if (!newest && prefixAtBlockEnd && !after.isEmpty()) {
            // Whole blocks cut from an older file: the next file's first block is not the one due.
            return at("seal/" + ckptNames().get(ckptNames().indexOf(name) + 1) + ":1");
        }
        return r -> {
            VerifyReport.Finding f = firstFail(r);
            boolean noted = r.findings().stream().anyMatch(n -> n.kind() == VerifyReport.Kind.NOTE
                    && n.path().equals(label) && n.line() >= blockStart);
            if (f == null) {
                // Bytes after the last block that a crashed append leaves: a note, and nothing sealed changes.
                return newest && appendedOnly && noted ? null : "not detected (expected a FAIL at " + label
                        + " from line " + blockStart + ")";
            }
            if (f.path().equals(label) && (f.line() == 0 || f.line() >= blockStart && f.line() <= blockEnd)) {
                return null;
            }
            if (newest && (noted || prefixAtBlockEnd) && r.problems().stream().allMatch(TamperCorpusTest::sealedUntilFail)) {
                return null;
            }
            return "first FAIL at " + where(f) + ", expected " + label + " lines " + blockStart + "-" + blockEnd;
        };
    }

    // ---------------------------------------------------------------- day files

    private String randomDayFile(String host) {
        List<String> d = dayNames(host);
        return d.get(rnd.nextInt(d.size()));
    }

    private Expect dayByteFlip() throws Exception {
        String host = randomHost();
        String name = randomDayFile(host);
        String rel = "hosts/" + host + "/" + name;
        byte[] b = original.get(rel).clone();
        int at = rnd.nextInt(b.length);
        b[at] ^= (byte) (1 + rnd.nextInt(255));
        if (name.equals(dayNames(host).get(0)) && at == 10 && b[at] == '1') {
            return null; // v2 -> v1 in a host's first file: not bound by anything (class Javadoc)
        }
        Files.write(work.resolve(rel), b);
        return dayChange(host, name, lines(original.get(rel)), lines(b));
    }

    @FunctionalInterface
    private interface LineEdit {
        void edit(List<String> lines, Random r);
    }

    private Expect dayLines(LineEdit edit) throws Exception {
        String host = randomHost();
        String name = randomDayFile(host);
        String rel = "hosts/" + host + "/" + name;
        List<String> before = lines(original.get(rel));
        List<String> after = new ArrayList<>(before);
        edit.edit(after, rnd);
        if (after.isEmpty() || after.equals(before)) {
            return null;
        }
        write(rel, after);
        return dayChange(host, name, before, lines(String.join("", after).getBytes(StandardCharsets.ISO_8859_1)));
    }

    private Expect dayTruncate(boolean atBoundary) throws Exception {
        String host = randomHost();
        String name = randomDayFile(host);
        String rel = "hosts/" + host + "/" + name;
        byte[] b = original.get(rel);
        int cut = rnd.nextInt(b.length);
        if (atBoundary) {
            while (cut > 0 && b[cut - 1] != '\n') {
                cut--;
            }
        } else if (cut == 0 || b[cut - 1] == '\n') {
            return null;
        }
        byte[] kept = Arrays.copyOf(b, cut);
        Files.write(work.resolve(rel), kept);
        return dayChange(host, name, lines(b), lines(kept));
    }

    private Expect headerEdit() throws Exception {
        String host = randomHost();
        String name = randomDayFile(host);
        String rel = "hosts/" + host + "/" + name;
        List<String> l = lines(original.get(rel));
        String h = l.get(0);
        String edited = switch (rnd.nextInt(5)) {
            case 0 -> h.replace("host=" + host + " ", "host=" + HOSTS.get((HOSTS.indexOf(host) + 1) % HOSTS.size()) + " ");
            case 1 -> h.replaceAll("day=([0-9-]+)", "day=" + LocalDate.parse(name.substring(0, 10))
                    .plusDays(rnd.nextBoolean() ? 1 : -1));
            case 2 -> h.replaceAll(" seq=([0-9]+)", " seq=" + (headerSeq(h) + (rnd.nextBoolean() ? 1 : -1)));
            case 3 -> {
                int at = h.indexOf(" prev=") + 6 + rnd.nextInt(64);
                yield h.substring(0, at) + (h.charAt(at) == 'a' ? 'b' : 'a') + h.substring(at + 1);
            }
            default -> name.equals(dayNames(host).get(0)) ? null : h.replace("#loghost v2 ", "#loghost v1 ");
        };
        if (edited == null || edited.equals(h)) {
            return null; // the version of the host's first file (class Javadoc)
        }
        l.set(0, edited);
        write(rel, l);
        return at(rel + ":1");
    }

    private Expect dayFiles(boolean reorder) throws Exception {
        String host = randomHost();
        Path hostDir = work.resolve("hosts/" + host);
        List<String> names = dayNames(host);
        String a = names.get(rnd.nextInt(names.size()));
        if (!reorder) {
            Files.delete(hostDir.resolve(a));
        } else if (rnd.nextBoolean() && names.size() > 1) {
            String b = names.get(rnd.nextInt(names.size()));
            if (a.equals(b)) {
                return null;
            }
            Files.move(hostDir.resolve(a), hostDir.resolve("swap.tmp"));
            Files.move(hostDir.resolve(b), hostDir.resolve(a));
            Files.move(hostDir.resolve("swap.tmp"), hostDir.resolve(b));
            if (rnd.nextBoolean()) {
                // The swap made to look right: each header's day fixed to the file's new name.
                for (String n : List.of(a, b)) {
                    List<String> l = lines(Files.readAllBytes(hostDir.resolve(n)));
                    l.set(0, l.get(0).replaceAll("day=[0-9-]+", "day=" + n.substring(0, 10)));
                    write("hosts/" + host + "/" + n, l);
                }
            }
        } else {
            String to = LocalDate.parse("2026-11-20").plusDays(rnd.nextInt(7)) + ".log";
            if (names.contains(to)) {
                return null;
            }
            Files.move(hostDir.resolve(a), hostDir.resolve(to));
        }
        TreeMap<String, List<String>> now = new TreeMap<>();
        try (Stream<Path> s = Files.list(hostDir)) {
            for (Path p : s.toList()) {
                now.put(p.getFileName().toString(), lines(Files.readAllBytes(p)));
            }
        }
        return dayFilesChange(host, now);
    }

    private Expect hostDelete() throws Exception {
        String host = randomHost();
        try (Stream<Path> s = Files.walk(work.resolve("hosts/" + host))) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
        String[] last = listed.get(host).get(listed.get(host).size() - 1);
        return exactly("hosts/" + host, "missing: checkpoint " + last[0] + " sealed this host up to seq " + last[1]);
    }

    private Expect moveRecord() throws Exception {
        String from = randomHost();
        String to = randomHost();
        if (from.equals(to)) {
            return null;
        }
        String fromName = randomDayFile(from);
        String toName = randomDayFile(to);
        String fromRel = "hosts/" + from + "/" + fromName;
        String toRel = "hosts/" + to + "/" + toName;
        List<String> fromBefore = lines(original.get(fromRel));
        List<String> toBefore = lines(original.get(toRel));
        if (fromBefore.size() < 2) {
            return null;
        }
        List<String> fromAfter = new ArrayList<>(fromBefore);
        String moved = fromAfter.remove(1 + rnd.nextInt(fromBefore.size() - 1));
        List<String> toAfter = new ArrayList<>(toBefore);
        toAfter.add(1 + rnd.nextInt(toBefore.size()), moved);
        write(fromRel, fromAfter);
        write(toRel, toAfter);
        return from.compareTo(to) < 0 ? dayChange(from, fromName, fromBefore, fromAfter)
                : dayChange(to, toName, toBefore, toAfter);
    }

    // ---------------------------------------------------------------- re-chaining (root's tool)

    private Expect rechain(String how) throws Exception {
        String host = randomHost();
        Path hostDir = work.resolve("hosts/" + host);
        List<long[]> seals = Rechain.seals(hostDir);
        List<String[]> entries = listed.get(host);
        long lastSeq = seals.get(seals.size() - 1)[0];
        long target;
        if (how.startsWith("seal")) {
            target = seals.get(rnd.nextInt(seals.size()))[0];
        } else {
            target = 1 + rnd.nextInt((int) lastSeq);
            long t = target;
            if (seals.stream().anyMatch(s -> s[0] == t)) {
                return null; // a seal record: the seal kinds below
            }
        }
        rechained++;
        switch (how) {
            case "message", "reseal" -> Rechain.rewriteMessage(hostDir, host, target, "nothing happened here "
                    + rnd.nextInt(1000));
            case "insert" -> {
                Rechain.edit(hostDir, target, l -> l + "\n" + l.replaceFirst(" [^ ]*$", " forged line"));
                Rechain.rechain(hostDir, host);
            }
            case "delete", "seal-delete" -> {
                deleteRecord(hostDir, target);
                sessionsAfterDelete(hostDir, target);
                Rechain.rechain(hostDir, host);
            }
            case "seal-to-log" -> {
                Rechain.edit(hostDir, target, l -> {
                    String[] p = l.split(" ", 6);
                    return p[0] + " " + p[1] + " " + (host.equals("_loghost") ? "audit -" : "log s=" + p[0]) + " "
                            + p[4] + " " + p[5];
                });
                Rechain.rechain(hostDir, host);
            }
            case "seal-epoch" -> {
                Rechain.edit(hostDir, target, l -> l.replaceFirst("epoch=([0-9]+)$", "epoch=" + (1 + rnd.nextInt(12))));
                Rechain.rechain(hostDir, host);
            }
            default -> throw new IllegalArgumentException(how);
        }
        if (how.equals("reseal")) {
            // Root holds the open epoch's key: it seals the rewritten chain with a checkpoint of its own.
            ManualClock clock = new ManualClock(until.plusSeconds(30).toString());
            try (LogStore store = Stores.open(work.resolve("hosts"), loghost.store.DigestAlgorithm.SHA256, clock)) {
                store.recoverAll();
                Sealer sealer = Sealer.open(work, store, clock);
                append(store, host, 1, "added by root");
                clock.set(until.plusSeconds(60).toString());
                sealer.closeEpoch();
            }
        }
        String after = "the start of the log";
        for (String[] e : entries) {
            long s = Long.parseLong(e[1]);
            if (s >= target) {
                if (how.equals("seal-epoch")) {
                    return r -> {
                        VerifyReport.Finding f = firstFail(r);
                        return f != null && (where(f).equals("hosts/" + host) || where(f).startsWith("hosts/" + host + "/"))
                                && f.reason().matches("(record|seal record|seq) .*") ? null
                                : "first FAIL " + (f == null ? "none" : where(f) + ": " + f.reason())
                                + ", expected a seal finding of hosts/" + host;
                    };
                }
                if (how.endsWith("delete") && s == Long.parseLong(entries.get(entries.size() - 1)[1])) {
                    // The host's chain, which ended with this seal, is one record shorter: the checkpoint's SEQ is
                    // past its end (the first difference verify looks for).
                    return exactly("hosts/" + host, "seq " + s + " sealed by checkpoint " + e[0] + " (" + e[2]
                            + ") is missing: the log ends at seq " + (s - 1) + " (records were removed after " + after
                            + ")");
                }
                if (how.equals("delete")) {
                    String reason = "seal record at seq " + (s - 1) + " (epoch " + e[0] + ") is not in its checkpoint";
                    return r -> {
                        VerifyReport.Finding f = firstFail(r);
                        return f != null && where(f).startsWith("hosts/" + host + "/") && f.reason().equals(reason)
                                ? null : "first FAIL " + (f == null ? "none" : where(f) + ": " + f.reason())
                                + ", expected hosts/" + host + "/F:L: " + reason;
                    };
                }
                return exactly("hosts/" + host, "record " + s + " is not what checkpoint " + e[0] + " (" + e[2]
                        + ") sealed: the log was altered after " + after + " and at or before seq " + s);
            }
            after = "seq " + s + " (sealed intact by checkpoint " + e[0] + ")";
        }
        throw new AssertionError("every record is followed by a listed seal");
    }

    // After record `deleted` went, every later record moves down one SEQ: so do the sessions (s=) that began after it,
    // as root would, so that only the seals can tell.
    private static void sessionsAfterDelete(Path hostDir, long deleted) throws Exception {
        for (Path f : Rechain.files(hostDir)) {
            List<String> l = new ArrayList<>(Files.readAllLines(f, StandardCharsets.UTF_8));
            for (int i = 1; i < l.size(); i++) {
                java.util.regex.Matcher m = java.util.regex.Pattern.compile("^(\\S+ \\S+ \\S+ s=)([0-9]+)(.*)$")
                        .matcher(l.get(i));
                if (m.matches() && Long.parseLong(m.group(2)) > deleted) {
                    l.set(i, m.group(1) + (Long.parseLong(m.group(2)) - 1) + m.group(3));
                }
            }
            Files.writeString(f, String.join("\n", l) + "\n", StandardCharsets.UTF_8);
        }
    }

    private static void deleteRecord(Path hostDir, long seq) throws Exception {
        for (Path f : Rechain.files(hostDir)) {
            List<String> l = new ArrayList<>(Files.readAllLines(f, StandardCharsets.UTF_8));
            if (l.removeIf(x -> x.startsWith(seq + " "))) {
                Files.writeString(f, String.join("\n", l) + "\n", StandardCharsets.UTF_8);
                return;
            }
        }
        throw new IllegalArgumentException("no record " + seq);
    }

    // ---------------------------------------------------------------- checkpoint files

    private String randomCkpt() {
        List<String> n = ckptNames();
        return n.get(rnd.nextInt(n.size()));
    }

    private Expect ckptByteFlip() throws Exception {
        String name = randomCkpt();
        byte[] b = original.get("seal/" + name).clone();
        int at = rnd.nextInt(b.length);
        b[at] ^= (byte) (1 + rnd.nextInt(255));
        Files.write(work.resolve("seal/" + name), b);
        return ckptChange(name, lines(original.get("seal/" + name)), lines(b));
    }

    private Expect ckptLines(LineEdit edit) throws Exception {
        String name = randomCkpt();
        List<String> before = lines(original.get("seal/" + name));
        List<String> after = new ArrayList<>(before);
        edit.edit(after, rnd);
        if (after.equals(before)) {
            return null;
        }
        write("seal/" + name, after);
        return ckptChange(name, before, lines(String.join("", after).getBytes(StandardCharsets.ISO_8859_1)));
    }

    private Expect ckptTruncate() throws Exception {
        String name = randomCkpt();
        byte[] b = original.get("seal/" + name);
        byte[] kept = Arrays.copyOf(b, rnd.nextInt(b.length));
        Files.write(work.resolve("seal/" + name), kept);
        return ckptChange(name, lines(b), lines(kept));
    }

    // A field of a block edited as an attacker without that epoch's key would: the signature cannot follow.
    private Expect ckptFieldEdit() throws Exception {
        String name = randomCkpt();
        List<String> before = lines(original.get("seal/" + name));
        List<String> after = new ArrayList<>(before);
        int i = rnd.nextInt(before.size());
        String l = before.get(i);
        Function<String, String> edit = switch (rnd.nextInt(8)) {
            case 0 -> s -> s.replaceFirst("epoch=([0-9]+)", "epoch=" + (1 + rnd.nextInt(12)));
            case 1 -> s -> s.replaceFirst("end=([0-9T:.-]+)Z", "end=2026-11-24T00:01:00.001Z");
            case 2 -> s -> s.replaceFirst("start=([0-9T:.-]+)Z", "start=2026-11-22T23:55:00.000Z");
            case 3 -> s -> s.replaceFirst("(next|key)=ed25519:[0-9a-f]+", "$1=" + OTHER_KEY);
            case 4 -> s -> s.replaceFirst("hosts=([0-9]+)", "hosts=" + rnd.nextInt(5));
            case 5 -> s -> s.matches("[a-z0-9_][a-z0-9._-]* [0-9]+ [0-9a-f]+\n") ? s.replaceFirst(" ([0-9]+) ",
                    " " + (1 + rnd.nextInt(60)) + " ") : s;
            case 6 -> s -> s.matches("[a-z0-9_][a-z0-9._-]* [0-9]+ [0-9a-f]+\n")
                    ? HOSTS.get(rnd.nextInt(HOSTS.size())) + s.substring(s.indexOf(' ')) : s;
            default -> s -> s.replaceFirst("prev=[0-9a-f]{8}", "prev=00000000");
        };
        after.set(i, edit.apply(l));
        if (after.equals(before)) {
            return null;
        }
        write("seal/" + name, after);
        return ckptChange(name, before, after);
    }

    private Expect ckptFiles() throws Exception {
        List<String> names = ckptNames();
        String a = names.get(rnd.nextInt(names.size()));
        Path seal = work.resolve("seal");
        if (rnd.nextInt(4) == 0) {
            // Root wipes the seal chain but for an empty newest file, as a crash starting a new day's file leaves it.
            String newest = names.get(names.size() - 1);
            for (String n : names.subList(0, names.size() - 1)) {
                Files.delete(seal.resolve(n));
            }
            if (rnd.nextBoolean()) {
                Files.write(seal.resolve(newest), new byte[0]);
                return exactly("seal/" + newest, "holds no block");
            }
            Files.write(seal.resolve(newest), lines(original.get("seal/" + newest)).get(0)
                    .getBytes(StandardCharsets.US_ASCII));
            return exactly("seal/" + newest + ":1", "block without its sig line");
        }
        if (rnd.nextBoolean()) {
            Files.delete(seal.resolve(a));
        } else {
            String to = LocalDate.parse("2026-11-21").plusDays(rnd.nextInt(5)) + ".ckpt";
            if (names.contains(to)) {
                return null;
            }
            Files.move(seal.resolve(a), seal.resolve(to));
        }
        List<String> now;
        try (Stream<Path> s = Files.list(seal)) {
            now = s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".ckpt")).sorted().toList();
        }
        for (int i = 0; i < now.size(); i++) {
            if (i >= names.size() || !names.get(i).equals(now.get(i))) {
                return at("seal/" + now.get(i) + ":1");
            }
        }
        return r -> firstFail(r) != null && r.problems().stream().allMatch(TamperCorpusTest::sealedUntilFail) ? null
                : "expected only --sealed-until failures after the newest checkpoint file went";
    }
}
