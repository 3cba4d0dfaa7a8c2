package loghost.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import loghost.housekeeping.Manifest;
import loghost.store.DigestAlgorithm;
import loghost.store.LineBatch;
import loghost.store.LogStore;
import loghost.store.RecordType;
import loghost.testing.Cli;
import loghost.testing.Run;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every REASON in the "Verifying" tables of docs/FORMAT.md, driven from a mutated store: each case asserts the
 * exact output of {@code loghost verify} (the finding with its file and line, the summary) and its exit status;
 * and the doc lists no reason without a case here, nor this test a reason the doc does not list.
 */
class VerifyDocTest {

    private static final Path DOC = Path.of("docs/FORMAT.md");
    private static final String DAY1 = "hosts/web01/2026-11-22.log";
    private static final String DAY2 = "hosts/web01/2026-11-23.log";

    @TempDir
    Path dir;

    /** A mutation of the fixture and what verify must print for it. */
    private record Case(Mutation mutate, int exit, String stdout, String... args) {
    }

    @FunctionalInterface
    interface Mutation {
        void apply(Path data) throws Exception;
    }

    // Counts for a failure of web01 at line L of day 1 or 2 (db01, checked first, holds: 2 files, 10 records).
    private static String failAt(String file, int line, String reason) {
        int files = file.equals(DAY1) ? 3 : 4;
        int records = (file.equals(DAY1) ? 10 : 15) + Math.max(0, line - 2);
        return "verify: FAIL: " + file + ":" + line + ": " + reason + "\n"
                + "verify: FAILED: 1 problem (2 hosts, " + files + " files, " + records + " records checked)\n";
    }

    // A failure about an entry of web01's directory, found before its chain: only db01's files were checked.
    private static String entryFail(String path, String reason) {
        return "verify: FAIL: " + path + ": " + reason + "\n"
                + "verify: FAILED: 1 problem (2 hosts, 2 files, 10 records checked)\n";
    }

    private static Case fails(Mutation m, String stdout) {
        return new Case(m, 1, stdout);
    }

    private static Map<String, Case> cases() {
        Map<String, Case> c = new LinkedHashMap<>();
        // Entry checks.
        c.put("not a host name", fails(d -> Files.createDirectory(d.resolve("hosts/Web01")),
                "verify: FAIL: hosts/Web01: not a host name\n"
                        + "verify: FAILED: 1 problem (2 hosts, 4 files, 20 records checked)\n"));
        c.put("unexpected entry in host directory", fails(d -> Files.writeString(d.resolve("hosts/web01/notes.txt"), "x"),
                entryFail("hosts/web01/notes.txt", "unexpected entry in host directory")));
        c.put("file name is not a real date", fails(d -> copy(d, DAY2, "hosts/web01/2099-02-30.log"),
                entryFail("hosts/web01/2099-02-30.log", "file name is not a real date")));
        c.put("missing", fails(d -> deleteTree(d.resolve("hosts")),
                "verify: FAIL: hosts: missing\nverify: FAILED: 1 problem (0 hosts, 0 files, 0 records checked)\n"));
        c.put("symbolic link", fails(d -> {
            Path elsewhere = d.resolve("elsewhere.log");
            Files.move(d.resolve(DAY2), elsewhere);
            Files.createSymbolicLink(d.resolve(DAY2), elsewhere);
        }, entryFail(DAY2, "symbolic link")));
        c.put("not a directory", fails(d -> Files.writeString(d.resolve("hosts/zz01"), "x"),
                "verify: FAIL: hosts/zz01: not a directory\n"
                        + "verify: FAILED: 1 problem (2 hosts, 4 files, 20 records checked)\n"));
        c.put("not a regular file", fails(d -> Files.createDirectory(d.resolve("hosts/web01/2026-11-24.log")),
                entryFail("hosts/web01/2026-11-24.log", "not a regular file")));
        c.put("mode MODE lets group or others write", fails(d -> chmod(d.resolve(DAY1), "rw--w----"),
                entryFail(DAY1, "mode 0620 lets group or others write")));
        c.put("mode MODE lets group or others read", new Case(d -> chmod(d.resolve(DAY1), "rw-r-----"), 0,
                "verify: warning: " + DAY1 + ": mode 0640 lets group or others read\n"
                        + "verify: OK: 2 hosts, 4 files, 20 records\n"));
        c.put("cannot be read", fails(d -> {
            assumeFalse("root".equals(System.getProperty("user.name")), "root reads a file of mode 0000");
            chmod(d.resolve(DAY2), "---------");
        }, "verify: FAIL: " + DAY2 + ": cannot be read\n"
                + "verify: FAILED: 1 problem (2 hosts, 4 files, 15 records checked)\n"));
        c.put("unfinished day file holds more than a header", fails(d -> writePrivate(
                d.resolve("hosts/web01/2026-11-24.log.tmp"), firstLines(d, DAY2, 2)),
                entryFail("hosts/web01/2026-11-24.log.tmp", "unfinished day file holds more than a header")));
        c.put("unfinished day file (at most a header), ignored", new Case(d -> writePrivate(
                d.resolve("hosts/web01/2026-11-24.log.tmp"), "#loghost v2 host=web01 day=2026-11-24 alg=sh"), 0,
                "verify: note: hosts/web01/2026-11-24.log.tmp: unfinished day file (at most a header), ignored\n"
                        + "verify: OK: 2 hosts, 4 files, 20 records\n"));
        c.put("no log directory for this host", new Case(d -> { }, 1,
                "verify: FAIL: hosts/nosuch: no log directory for this host\n"
                        + "verify: FAILED: 1 problem (0 hosts, 0 files, 0 records checked)\n", "--host", "nosuch"));
        // Header checks (line 1 of the second day file).
        c.put("no header line (empty file)", fails(d -> Files.write(d.resolve(DAY2), new byte[0]),
                failAt(DAY2, 1, "no header line (empty file)")));
        c.put("line longer than 4198400 bytes", fails(d -> Files.write(d.resolve(DAY2),
                (new String(new char[4_198_401]).replace('\0', 'a') + "\n").getBytes(StandardCharsets.US_ASCII),
                StandardOpenOption.APPEND), failAt(DAY2, 7, "line longer than 4198400 bytes")));
        c.put("header line has no LF", fails(d -> Files.writeString(d.resolve(DAY2),
                firstLines(d, DAY2, 1).strip()), failAt(DAY2, 1, "header line has no LF")));
        c.put("malformed header line", fails(header(h -> h.replace("#loghost v2", "#loghost v3")),
                failAt(DAY2, 1, "malformed header line")));
        c.put("header prev is not N hex digits", fails(header(h -> h.substring(0, h.length() - 1)),
                failAt(DAY2, 1, "header prev is not 64 hex digits")));
        c.put("header day D is not a real date", fails(header(h -> h.replace("day=2026-11-23", "day=2026-02-30")),
                failAt(DAY2, 1, "header day 2026-02-30 is not a real date")));
        c.put("header names host X, directory is Y", fails(header(h -> h.replace("host=web01", "host=db01")),
                failAt(DAY2, 1, "header names host db01, directory is web01")));
        c.put("header names day X, file name says Y", fails(header(h -> h.replace("day=2026-11-23", "day=2026-11-24")),
                failAt(DAY2, 1, "header names day 2026-11-24, file name says 2026-11-23")));
        c.put("header version vX follows a vY file", fails(header(h -> h.replace("#loghost v2", "#loghost v1")),
                failAt(DAY2, 1, "header version v1 follows a v2 file")));
        c.put("header names algorithm X, the chain uses Y", fails(header(h -> {
            String prev = h.substring(h.indexOf(" prev=") + 6);
            return h.replace("alg=sha256", "alg=sha512").replace(prev, prev + prev);
        }), failAt(DAY2, 1, "header names algorithm sha512, the chain uses sha256")));
        c.put("header continues from seq X, expected Y", fails(header(h -> h.replace("seq=6", "seq=7")),
                failAt(DAY2, 1, "header continues from seq 7, expected 6")));
        c.put("header prev does not match the chain", fails(header(h -> h.substring(0, h.length() - 1)
                + (h.endsWith("0") ? "1" : "0")), failAt(DAY2, 1, "header prev does not match the chain")));
        // Record checks.
        c.put("incomplete final line (torn write)", fails(d -> Files.writeString(d.resolve(DAY2),
                "11 2026-11-23T00:00:03.000Z log s=", StandardOpenOption.APPEND),
                failAt(DAY2, 7, "incomplete final line (torn write)")));
        c.put("malformed SEQ field", fails(line(DAY2, 2, l -> "0" + l), failAt(DAY2, 2, "malformed SEQ field")));
        c.put("malformed TIME field", fails(line(DAY2, 2, l -> l.replace("2026-11-23T00:00:03.000Z",
                "2026-02-30T24:61:61.000Z")), failAt(DAY2, 2, "malformed TIME field")));
        c.put("malformed TYPE field", fails(line(DAY2, 2, l -> l.replace(" log ", " LOG ")),
                failAt(DAY2, 2, "malformed TYPE field")));
        c.put("malformed META field", fails(line(DAY2, 2, l -> l.replace(" s=6 ", " s=6,s=6 ")),
                failAt(DAY2, 2, "malformed META field")));
        c.put("malformed DIGEST field", fails(line(DAY2, 2, l -> {
            String[] f = l.split(" ", 6);
            return l.replace(f[4], f[4].toUpperCase());
        }), failAt(DAY2, 2, "malformed DIGEST field")));
        c.put("MESSAGE is not in canonical escaped form", fails(line(DAY2, 2, l -> l + "\u001b[2J"),
                failAt(DAY2, 2, "MESSAGE is not in canonical escaped form")));
        c.put("sequence break: expected seq N, found M", fails(d -> {
            List<String> l = lines(d, DAY2);
            l.remove(2);
            writeLines(d, DAY2, l);
        }, failAt(DAY2, 3, "sequence break: expected seq 7, found 8")));
        c.put("TIME is on a later day than the file", fails(rechainLast(DAY1, f -> f[1] = "2026-11-23T00:00:00.000Z"),
                failAt(DAY1, 6, "TIME is on a later day than the file")));
        c.put("record type T does not belong in this host", fails(rechainLast(DAY2, f -> f[2] = "audit"),
                failAt(DAY2, 6, "record type audit does not belong in this host")));
        c.put("META does not fit record type T", fails(rechainLast(DAY2, f -> f[3] = "-"),
                failAt(DAY2, 6, "META does not fit record type log")));
        c.put("s= is greater than SEQ", fails(rechainLast(DAY2, f -> f[3] = "s=11"),
                failAt(DAY2, 6, "s= is greater than SEQ")));
        c.put("digest mismatch at seq N", fails(line(DAY2, 4, l -> l.replace("line 3", "line X")),
                failAt(DAY2, 4, "digest mismatch at seq 8")));
        // Compressed day files and the manifest (web01's first day compressed by loghost compress).
        c.put("unfinished file of loghost compress, ignored", new Case(d -> {
            writePrivate(d.resolve(GZ1 + ".tmp"), "\u001f half a gzip");
            writePrivate(d.resolve(MANIFEST + ".tmp"), "#loghost manifest v1 host=web01\n");
        }, 0, "verify: note: " + GZ1 + ".tmp: unfinished file of loghost compress, ignored\n"
                + "verify: note: " + MANIFEST + ".tmp: unfinished file of loghost compress, ignored\n"
                + "verify: OK: 2 hosts, 4 files, 20 records\n"));
        c.put("malformed manifest header", fails(compressed(d -> line(MANIFEST, 1, l -> l.replace("web01", "db01"))
                .apply(d)), "verify: FAIL: " + MANIFEST + ":1: malformed manifest header\n"
                        + "verify: FAILED: 1 problem (2 hosts, 2 files, 10 records checked)\n"));
        c.put("malformed manifest entry", fails(compressed(d -> line(MANIFEST, 3, l -> l.replace(" seq=1-", " seq=01-"))
                .apply(d)), "verify: FAIL: " + MANIFEST + ":2: malformed manifest entry\n"
                        + "verify: FAILED: 1 problem (2 hosts, 2 files, 10 records checked)\n"));
        c.put("manifest chain digest mismatch", fails(compressed(d -> line(MANIFEST, 3, l -> l.replace(" seq=1-5",
                " seq=1-4")).apply(d)), "verify: FAIL: " + MANIFEST + ":2: manifest chain digest mismatch\n"
                        + "verify: FAILED: 1 problem (2 hosts, 2 files, 10 records checked)\n"));
        c.put("manifest entries not in name order", fails(compressed(d -> {
            Manifest.Contents m = Manifest.read(d.resolve(MANIFEST), "web01");
            Manifest.Entry e = m.entries().get(0);
            Manifest.Entry earlier = new Manifest.Entry("2026-11-21.log.gz", e.size(), e.sha256(), e.firstSeq(),
                    e.lastSeq(), e.end(), 0);
            Files.writeString(d.resolve(MANIFEST), Manifest.entryLines(earlier, m.chain()), StandardOpenOption.APPEND);
        }), "verify: FAIL: " + MANIFEST + ":4: manifest entries not in name order\n"
                + "verify: FAILED: 1 problem (2 hosts, 2 files, 10 records checked)\n"));
        c.put("incomplete final entry (an interrupted append), ignored", new Case(compressed(d -> Files.writeString(
                d.resolve(MANIFEST), "0123abc", StandardOpenOption.APPEND)), 0,
                "verify: note: " + MANIFEST + ": incomplete final entry (an interrupted append), ignored\n"
                        + "verify: OK: 2 hosts, 4 files, 20 records\n"));
        c.put("listed in MANIFEST but missing", fails(compressed(d -> {
            try (var in = new GZIPInputStream(Files.newInputStream(d.resolve(GZ1)))) {
                writePrivate(d.resolve(DAY1), new String(in.readAllBytes(), StandardCharsets.UTF_8));
            }
            Files.delete(d.resolve(GZ1));
        }), entryFail(GZ1, "listed in MANIFEST but missing")));
        c.put("not a valid gzip file", fails(compressed(d -> Files.writeString(d.resolve(GZ1), "not gzip")),
                "verify: FAIL: " + GZ1 + ": not a valid gzip file\n"
                        + "verify: FAILED: 1 problem (2 hosts, 3 files, 10 records checked)\n"));
        c.put("compressed file not listed in MANIFEST", fails(compressed(d -> Files.delete(d.resolve(MANIFEST))),
                "verify: FAIL: " + GZ1 + ": compressed file not listed in MANIFEST\n"
                        + "verify: FAILED: 1 problem (2 hosts, 3 files, 15 records checked)\n"));
        c.put("does not match its MANIFEST entry (F)", fails(compressed(d -> {
            Manifest.Entry e = Manifest.read(d.resolve(MANIFEST), "web01").entries().get(0);
            Manifest.Entry other = new Manifest.Entry(e.name(), e.size(), e.sha256(), e.firstSeq(), e.lastSeq() + 1,
                    e.end(), 0);
            writePrivate(d.resolve(MANIFEST), Manifest.header("web01") + "\n"
                    + Manifest.entryLines(other, Manifest.genesis("web01")));
        }), "verify: FAIL: " + GZ1 + ": does not match its MANIFEST entry (seq)\n"
                + "verify: FAILED: 1 problem (2 hosts, 3 files, 15 records checked)\n"));
        c.put("compressed copy differs from its day file", fails(d -> gzipBeside(d, "x"),
                "verify: FAIL: " + GZ1 + ": compressed copy differs from its day file\n"
                        + "verify: FAILED: 1 problem (2 hosts, 3 files, 15 records checked)\n"));
        c.put("compressed copy beside its day file (loghost compress was interrupted)", new Case(d -> gzipBeside(d, ""),
                0, "verify: note: " + GZ1 + ": compressed copy beside its day file (loghost compress was interrupted)\n"
                        + "verify: OK: 2 hosts, 4 files, 20 records\n"));
        // Marks of retention (docs/FORMAT.md, "Archive and retention").
        c.put("malformed manifest mark", fails(compressed(d -> Files.writeString(d.resolve(MANIFEST),
                "# archived 2026-11-22.log.gz to=NAS chain=" + "0".repeat(64) + "\n", StandardOpenOption.APPEND)),
                "verify: FAIL: " + MANIFEST + ":4: malformed manifest mark\n"
                        + "verify: FAILED: 1 problem (2 hosts, 2 files, 10 records checked)\n"));
        c.put("manifest mark names no file listed above it, or repeats one", fails(compressed(d -> Files.writeString(
                d.resolve(MANIFEST), Manifest.markLine("2026-11-23.log.gz", "nas",
                        Manifest.read(d.resolve(MANIFEST), "web01").chain()), StandardOpenOption.APPEND)),
                "verify: FAIL: " + MANIFEST + ":4: manifest mark names no file listed above it, or repeats one\n"
                        + "verify: FAILED: 1 problem (2 hosts, 2 files, 10 records checked)\n"));
        c.put("N files archived to DEST, not online (FIRST to LAST)", new Case(compressed(d -> {
            Manifest.appendMark(d.resolve(MANIFEST), "web01", "2026-11-22.log.gz", "nas");
            Files.delete(d.resolve(GZ1));
        }), 0, "verify: note: hosts/web01: 1 file archived to nas, not online (2026-11-22.log.gz)\n"
                + "verify: OK: 2 hosts, 3 files, 15 records\n"));
        return c;
    }

    private static final String GZ1 = DAY1 + ".gz";
    private static final String MANIFEST = "hosts/web01/MANIFEST";

    // Runs the real loghost compress on web01 (its first day), then the mutation.
    private static Mutation compressed(Mutation then) {
        return d -> {
            Run.Result r = Cli.run(d, "compress", "--host", "web01");
            assertEquals(0, r.exit(), r::toString);
            then.apply(d);
        };
    }

    // A gzip of day 1 (with extra bytes appended to what it holds) written beside it, as an interrupted compress would.
    private static void gzipBeside(Path d, String extra) throws Exception {
        byte[] plain = (Files.readString(d.resolve(DAY1), StandardCharsets.UTF_8) + extra).getBytes(StandardCharsets.UTF_8);
        try (var out = new GZIPOutputStream(Files.newOutputStream(d.resolve(GZ1)))) {
            out.write(plain);
        }
        chmod(d.resolve(GZ1), "rw-------");
    }

    @Test
    void everyReasonTheDocListsHasACaseAndNoOther() throws Exception {
        assertEquals(new TreeSet<>(docReasons()), new TreeSet<>(cases().keySet()));
    }

    @TestFactory
    Stream<DynamicTest> eachReasonIsPrintedExactlyAsTheDocSays() {
        return cases().entrySet().stream().map(e -> DynamicTest.dynamicTest(e.getKey(), () -> {
            Path data = fixture(Files.createTempDirectory(dir, "case"));
            e.getValue().mutate().apply(data);
            Run.Result r = Cli.run(data, "verify", e.getValue().args());
            assertEquals(e.getValue().stdout(), r.stdout(), r::toString);
            assertEquals(e.getValue().exit(), r.exit(), r::toString);
        }));
    }

    /** The REASON column of every table in the doc's "Verifying" section, backquotes removed. */
    static List<String> docReasons() throws Exception {
        String doc = Files.readString(DOC, StandardCharsets.UTF_8);
        int start = doc.indexOf("\n## Verifying\n");
        int end = doc.indexOf("\n## ", start + 1);
        List<String> reasons = new ArrayList<>();
        boolean inReasonTable = false;
        for (String raw : doc.substring(start, end).split("\n")) {
            String line = raw.strip();
            if (!line.startsWith("|")) {
                inReasonTable = false;
                continue;
            }
            String[] cells = line.split("(?<!\\\\)\\|");
            String last = cells[cells.length - 1].strip();
            if (last.equals("REASON")) {
                inReasonTable = true;
            } else if (inReasonTable && !last.startsWith("---")) {
                Matcher m = Pattern.compile("`([^`]*)`").matcher(last);
                if (m.find()) {
                    reasons.add(m.group(1));
                }
            }
        }
        return reasons;
    }

    // Two hosts, two days, five records per host and day, written by the real store.
    static Path fixture(Path base) throws Exception {
        Path data = base.resolve("data");
        long t = Instant.parse("2026-11-22T23:59:58Z").toEpochMilli();
        for (int day = 0; day < 2; day++) {
            LogStore store = new LogStore(data.resolve("hosts"), DigestAlgorithm.SHA256,
                    Clock.fixed(Instant.ofEpochMilli(t + day * 5000L), ZoneOffset.UTC));
            for (String host : List.of("db01", "web01")) {
                LineBatch b = new LineBatch();
                for (int i = 1; i <= 5; i++) {
                    byte[] raw = (host + " day " + day + " line " + i).getBytes(StandardCharsets.US_ASCII);
                    b.add(RecordType.LOG, raw, 0, raw.length);
                }
                store.host(host).append(b);
            }
            store.close();
        }
        return data;
    }

    static List<String> lines(Path data, String file) throws Exception {
        return new ArrayList<>(Files.readAllLines(data.resolve(file), StandardCharsets.UTF_8));
    }

    static void writeLines(Path data, String file, List<String> lines) throws Exception {
        Files.writeString(data.resolve(file), String.join("\n", lines) + "\n", StandardCharsets.UTF_8);
    }

    private static String firstLines(Path data, String file, int n) throws Exception {
        return String.join("\n", lines(data, file).subList(0, n)) + "\n";
    }

    private static Mutation header(UnaryOperator<String> edit) {
        return line(DAY2, 1, edit);
    }

    /** Edits line {@code lineNo} (1-based) of a file, keeping every other byte. */
    static Mutation line(String file, int lineNo, UnaryOperator<String> edit) {
        return d -> {
            List<String> l = lines(d, file);
            l.set(lineNo - 1, edit.apply(l.get(lineNo - 1)));
            writeLines(d, file, l);
        };
    }

    /** Edits the fields of a file's last record and recomputes its digest, so only the intended check can fail. */
    static Mutation rechainLast(String file, java.util.function.Consumer<String[]> edit) {
        return d -> {
            List<String> l = lines(d, file);
            int last = l.size() - 1;
            String prevHex = l.get(last - 1).split(" ", 6)[4];
            String[] f = l.get(last).split(" ", 6);
            edit.accept(f);
            String canonical = f[0] + " " + f[1] + " " + f[2] + " " + f[3] + " " + f[5];
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(HexFormat.of().parseHex(prevHex));
            f[4] = HexFormat.of().formatHex(sha.digest(canonical.getBytes(StandardCharsets.UTF_8)));
            l.set(last, String.join(" ", f));
            writeLines(d, file, l);
        };
    }

    private static void copy(Path data, String from, String to) throws Exception {
        Files.copy(data.resolve(from), data.resolve(to));
    }

    /** Writes a new file of mode 0600, as the server does. */
    static void writePrivate(Path p, String content) throws Exception {
        Files.writeString(p, content, StandardCharsets.UTF_8);
        chmod(p, "rw-------");
    }

    private static void chmod(Path p, String mode) throws Exception {
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(mode));
    }

    static void deleteTree(Path p) throws Exception {
        try (Stream<Path> s = Files.walk(p)) {
            for (Path q : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(q);
            }
        }
    }
}
