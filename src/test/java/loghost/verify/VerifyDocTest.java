package loghost.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
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
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import loghost.seal.Sealer;
import loghost.store.DigestAlgorithm;
import loghost.store.LineBatch;
import loghost.store.LogStore;
import loghost.store.Manifest;
import loghost.store.RecordType;
import loghost.testing.Cli;
import loghost.testing.ManualClock;
import loghost.testing.Run;
import loghost.testing.Stores;
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

    /**
     * A mutation of the fixture (the sealed one when {@code sealed}) and what verify must print for it. In
     * {@code args}, {@code KEY} stands for the fixture's verification key and {@code WITNESS} for a witness file
     * beside the data directory; in {@code stdout}, {@code WITNESS} for that file's path.
     */
    private record Case(boolean sealed, Mutation mutate, int exit, String stdout, String... args) {
        Case(Mutation mutate, int exit, String stdout, String... args) {
            this(false, mutate, exit, stdout, args);
        }
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
        c.put("first record is of day X, not of the file's day", fails(d -> {
            Files.move(d.resolve(DAY2), d.resolve("hosts/web01/2026-11-24.log"));
            line("hosts/web01/2026-11-24.log", 1, h -> h.replace("day=2026-11-23", "day=2026-11-24")).apply(d);
        }, failAt("hosts/web01/2026-11-24.log", 2, "first record is of day 2026-11-23, not of the file's day")));
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
        c.put("N files deleted by retention, not online (...)", new Case(compressed(d -> {
            Manifest.appendMark(d.resolve(MANIFEST), "web01", "2026-11-22.log.gz", null);
            Files.delete(d.resolve(GZ1));
        }), 0, "verify: note: hosts/web01: 1 file deleted by retention, not online (2026-11-22.log.gz)\n"
                + "verify: OK: 2 hosts, 3 files, 15 records\n"));
        sealedCases(c);
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

    // The sealed fixture's files (see sealedFixture) and what verify --key prints about the untouched store.
    private static final String C1 = "seal/2026-11-22.ckpt";
    private static final String C2 = "seal/2026-11-23.ckpt";
    private static final String DB2 = "hosts/db01/2026-11-23.log";
    private static final String WEB2 = "hosts/web01/2026-11-23.log";
    private static final String SEALED_DB = "verify: sealed: hosts/db01: until 2026-11-23T00:01:00.000Z"
            + " (last sealed seq 6, checkpoint 2)\n";
    private static final String SEALED_WEB = "verify: sealed: hosts/web01: until 2026-11-23T00:01:00.000Z"
            + " (last sealed seq 9, checkpoint 3)\n";
    private static final String SEALED_ALL = "verify: sealed: seal: checkpoints of epochs 1-3 hold, the last ending"
            + " 2026-11-23T00:01:00.000Z (" + C2 + ")\n" + unproven("2026-11-23T00:01:00.000Z");
    private static final String HELD = SEALED_DB + SEALED_WEB + SEALED_ALL;
    private static final String OK = "verify: OK: 2 hosts, 4 files, 15 records\n";

    // The warning every run over a seal chain that holds ends its seal lines with.
    private static String unproven(String since) {
        return "verify: warning: seal: unproven since " + since + ": no checkpoint that holds seals what was written"
                + " after it, and a cut of the newest checkpoints looks the same (--sealed-until or --witness tell them"
                + " apart)\n";
    }

    private static Case sealed(Mutation m, int exit, String stdout, String... args) {
        return new Case(true, m, exit, stdout, args.length == 0 ? new String[] {"--key", "KEY"} : args);
    }

    // What verify prints when the checkpoints fail at FILE:LINE and only epochs 1..held hold: the hosts' seal
    // records of later epochs then count as records not sealed yet.
    private static String heldUpTo(int held, String finding) {
        String note = held == 1 ? "note: hosts/db01: records 4-6 are not sealed yet (written after checkpoint 1)\n"
                + "verify: sealed: hosts/db01: until 2026-11-22T23:59:00.000Z (last sealed seq 3, checkpoint 1)\n"
                + "verify: note: hosts/web01: records 4-9 are not sealed yet (written after checkpoint 1)\n"
                + "verify: sealed: hosts/web01: until 2026-11-22T23:59:00.000Z (last sealed seq 3, checkpoint 1)\n"
                + "verify: sealed: seal: checkpoints of epochs 1-1 hold, the last ending 2026-11-22T23:59:00.000Z ("
                + C1 + ")\n" + unproven("2026-11-22T23:59:00.000Z")
                : "sealed: hosts/db01: until 2026-11-23T00:00:00.000Z (last sealed seq 6, checkpoint 2)\n"
                + "verify: note: hosts/web01: records 7-9 are not sealed yet (written after checkpoint 2)\n"
                + "verify: sealed: hosts/web01: until 2026-11-23T00:00:00.000Z (last sealed seq 6, checkpoint 2)\n"
                + "verify: sealed: seal: checkpoints of epochs 1-2 hold, the last ending 2026-11-23T00:00:00.000Z ("
                + C2 + ")\n" + unproven("2026-11-23T00:00:00.000Z");
        return "verify: FAIL: " + finding + "\nverify: " + note
                + "verify: FAILED: 1 problem (2 hosts, 4 files, 15 records checked)\n";
    }

    // A failure of the seal directory before any block holds: the hosts are checked as chains only.
    private static String nothingHolds(String finding) {
        return "verify: FAIL: " + finding + "\nverify: FAILED: 1 problem (2 hosts, 4 files, 15 records checked)\n";
    }

    // A broken first checkpoint file: every host is unsealed and only the genesis block holds.
    private static String onlyGenesisHolds(String finding) {
        return "verify: FAIL: " + finding + "\n"
                + "verify: note: hosts/db01: records 1-6 are not sealed yet (no checkpoint yet)\n"
                + "verify: sealed: hosts/db01: until 2026-11-22T23:58:00.000Z\n"
                + "verify: note: hosts/web01: records 1-9 are not sealed yet (no checkpoint yet)\n"
                + "verify: sealed: hosts/web01: until 2026-11-22T23:58:00.000Z\n"
                + "verify: sealed: seal: no checkpoint yet: the genesis block holds, made 2026-11-22T23:58:00.000Z ("
                + C1 + ")\n" + unproven("2026-11-22T23:58:00.000Z")
                + "verify: FAILED: 1 problem (2 hosts, 4 files, 15 records checked)\n";
    }

    /** One case per REASON of "Verifying seals" (and of --witness), on the sealed fixture. */
    private static void sealedCases(Map<String, Case> c) {
        c.put("N seals of records in files not online (archived or deleted by retention, as the MANIFEST says): those"
                + " records are not proven here; compare with your retention policy, and run loghost archive verify",
                sealed(d -> {
                    Run.Result r = Cli.run(d, "compress", "--host", "db01");
                    assertEquals(0, r.exit(), r::toString);
                    Manifest.appendMark(d.resolve("hosts/db01/MANIFEST"), "db01", "2026-11-22.log.gz", null);
                    Files.delete(d.resolve("hosts/db01/2026-11-22.log.gz"));
                }, 0, "verify: note: hosts/db01: 1 file deleted by retention, not online (2026-11-22.log.gz)\n"
                        + "verify: warning: hosts/db01: 1 seal of records in files not online (archived or deleted by"
                        + " retention, as the MANIFEST says): those records are not proven here; compare with your"
                        + " retention policy, and run loghost archive verify\n"
                        + SEALED_DB + SEALED_WEB + SEALED_ALL + "verify: OK: 2 hosts, 3 files, 10 records\n"));
        // Step 1: the seal directory.
        c.put("unexpected entry in seal directory", sealed(d -> writePrivate(d.resolve("seal/notes.txt"), "x"), 1,
                nothingHolds("seal/notes.txt: unexpected entry in seal directory")));
        c.put("no checkpoint file (the genesis block is missing)", sealed(d -> {
            Files.delete(d.resolve(C1));
            Files.delete(d.resolve(C2));
        }, 1, nothingHolds("seal: no checkpoint file (the genesis block is missing)")));
        // Step 2: the blocks.
        c.put("not the first line of a genesis or checkpoint block", sealed(line(C1, 1, l -> "x" + l), 1,
                nothingHolds(C1 + ":1: not the first line of a genesis or checkpoint block")));
        c.put("not a checkpoint entry (HOST SEQ DIGEST)", sealed(line(C2, 2, String::toUpperCase), 1,
                heldUpTo(1, C2 + ":2: not a checkpoint entry (HOST SEQ DIGEST)")));
        c.put("expected the sig line", sealed(line(C1, 2, l -> "sig" + l), 1,
                nothingHolds(C1 + ":2: expected the sig line")));
        c.put("checkpoint entries out of order", sealed(d -> {
            List<String> l = lines(d, C2);
            l.add(1, l.remove(2));
            writeLines(d, C2, l);
        }, 1, heldUpTo(1, C2 + ":3: checkpoint entries out of order")));
        c.put("TIME is not a real instant: T", sealed(line(C2, 5, l -> l.replace("end=2026-11-23T00:01:00.000Z",
                "end=2026-11-23T00:01:60.000Z")), 1,
                heldUpTo(2, C2 + ":5: TIME is not a real instant: 2026-11-23T00:01:60.000Z")));
        c.put("not a valid Ed25519 public key", sealed(line(C2, 5, l -> l.replaceAll("next=ed25519:[0-9a-f]{64}",
                "next=ed25519:" + "ff".repeat(32))), 1, heldUpTo(2, C2 + ":5: not a valid Ed25519 public key")));
        c.put("line too long for a checkpoint file", sealed(d -> Files.writeString(d.resolve(C2), "x".repeat(4097)
                + "\n", StandardOpenOption.APPEND), 1, "verify: FAIL: " + C2 + ":8: line too long for a checkpoint file\n"
                + HELD + "verify: FAILED: 1 problem (2 hosts, 4 files, 15 records checked)\n"));
        c.put("the file's first block is of day D, the file name says F", sealed(d -> Files.move(d.resolve(C2),
                d.resolve("seal/2026-11-24.ckpt")), 1, heldUpTo(1,
                "seal/2026-11-24.ckpt:1: the file's first block is of day 2026-11-23, the file name says 2026-11-24")));
        c.put("the first block is not the genesis block", sealed(d -> {
            List<String> l = lines(d, C1);
            writeLines(d, C1, l.subList(2, l.size()));
        }, 1, nothingHolds(C1 + ":1: the first block is not the genesis block")));
        c.put("genesis block not signed by the verification key", sealed(d -> { }, 1,
                nothingHolds(C1 + ":1: genesis block not signed by the verification key"), "--key", OTHER_KEY));
        c.put("a second genesis block", sealed(d -> {
            List<String> l = lines(d, C1);
            l.addAll(2, l.subList(0, 2));
            writeLines(d, C1, l);
        }, 1, onlyGenesisHolds(C1 + ":3: a second genesis block")));
        c.put("checkpoint of epoch N where epoch M was due", sealed(d -> {
            List<String> l = lines(d, C2);
            writeLines(d, C2, l.subList(4, l.size()));
        }, 1, heldUpTo(1, C2 + ":1: checkpoint of epoch 3 where epoch 2 was due")));
        c.put("checkpoint N: prev does not match the block before it", sealed(line(C2, 5, l -> flipHex(l,
                l.indexOf(" prev=") + 6)), 1, heldUpTo(2, C2 + ":5: checkpoint 3: prev does not match the block before it")));
        c.put("checkpoint N: start is not the end of the epoch before it", sealed(line(C2, 5, l -> l.replace(
                "start=2026-11-23T00:00:00.000Z", "start=2026-11-23T00:00:00.001Z")), 1,
                heldUpTo(2, C2 + ":5: checkpoint 3: start is not the end of the epoch before it")));
        c.put("checkpoint N: end T is before its start (a clock stepped back under an older loghost; its times are no"
                + " order of events)", sealed(d -> loghost.seal.BackwardCheckpoint.append(d,
                "2026-11-23T00:00:59.000Z"), 0, "verify: note: " + C2 + ":8: checkpoint 4: end 2026-11-23T00:00:59.000Z"
                + " is before its start (a clock stepped back under an older loghost; its times are no order of events)\n"
                + "verify: sealed: hosts/db01: until 2026-11-23T00:00:59.000Z (last sealed seq 6, checkpoint 2)\n"
                + "verify: sealed: hosts/web01: until 2026-11-23T00:00:59.000Z (last sealed seq 9, checkpoint 3)\n"
                + "verify: sealed: seal: checkpoints of epochs 1-4 hold, the last ending 2026-11-23T00:00:59.000Z ("
                + C2 + ")\n" + unproven("2026-11-23T00:00:59.000Z") + OK));
        c.put("checkpoint N: signature does not verify with epoch N's key", sealed(line(C2, 7, l -> flipHex(l,
                l.length() - 1)), 1, heldUpTo(2, C2 + ":5: checkpoint 3: signature does not verify with epoch 3's key")));
        c.put("incomplete final line (a block a crash cut short), ignored", sealed(d -> Files.writeString(
                d.resolve(C2), "checkpoint v1 epoch=4 sta", StandardOpenOption.APPEND), 0,
                "verify: note: " + C2 + ":8: incomplete final line (a block a crash cut short), ignored\n" + HELD + OK));
        c.put("block without its sig line (a block a crash cut short), ignored", sealed(d -> {
            List<String> l = lines(d, C2);
            writeLines(d, C2, l.subList(0, 6));
        }, 0, "verify: note: " + C2 + ":5: block without its sig line (a block a crash cut short), ignored\n"
                + heldUpTo(2, "").substring(15).replace("verify: FAILED: 1 problem (2 hosts, 4 files, 15 records checked)\n",
                "verify: OK: 2 hosts, 4 files, 15 records\n")));
        c.put("incomplete final line", sealed(d -> Files.writeString(d.resolve(C1), "x", StandardOpenOption.APPEND), 1,
                heldUpTo(1, C1 + ":7: incomplete final line")));
        c.put("block without its sig line", sealed(d -> {
            List<String> l = lines(d, C1);
            writeLines(d, C1, l.subList(0, 5));
        }, 1, onlyGenesisHolds(C1 + ":3: block without its sig line")));
        c.put("holds no block", sealed(d -> writePrivate(d.resolve("seal/2026-11-21.ckpt"), ""), 1,
                nothingHolds("seal/2026-11-21.ckpt: holds no block")));
        c.put("holds no block (a file a crash left empty), ignored", sealed(d -> writePrivate(
                d.resolve("seal/2026-11-24.ckpt"), ""), 0,
                "verify: note: seal/2026-11-24.ckpt: holds no block (a file a crash left empty), ignored\n" + HELD + OK));
        // Step 3: each host's seal records against the checkpoints.
        c.put("header version v1 on a day after the seal chain's genesis day D", sealed(line(WEB2, 1,
                h -> h.replace("#loghost v2", "#loghost v1")), 1,
                sealedHost(WEB2 + ":1: header version v1 on a day after the seal chain's genesis day 2026-11-22", 11)));
        c.put("first record of a version 1 file is not before the seal chain's genesis block (T)", sealed(line(DAY1, 1,
                h -> h.replace("#loghost v2", "#loghost v1")), 1, SEALED_DB + "verify: FAIL: " + DAY1 + ":2: first"
                + " record of a version 1 file is not before the seal chain's genesis block"
                + " (2026-11-22T23:58:00.000Z)\n"
                + SEALED_ALL + "verify: FAILED: 1 problem (2 hosts, 3 files, 6 records checked)\n"));
        c.put("seal record message is not epoch=N", sealed(rechainLast(WEB2, f -> f[5] = "epoch=03"), 1,
                sealedHost(WEB2 + ":5: seal record message is not epoch=N", 14)));
        c.put("seal record of epoch N after one of epoch M", sealed(rechainLast(WEB2, f -> f[5] = "epoch=1"), 1,
                sealedHost(WEB2 + ":5: seal record of epoch 1 after one of epoch 2", 14)));
        c.put("seq S sealed by checkpoint N (seal/F:L) is missing: the log ends at seq E (records were removed after X)",
                sealed(d -> writeLines(d, WEB2, lines(d, WEB2).subList(0, 3)), 1, sealedHost("hosts/web01: seq 9"
                        + " sealed by checkpoint 3 (" + C2 + ":6) is missing: the log ends at seq 7 (records were"
                        + " removed after seq 6 (sealed intact by checkpoint 2))", 13)));
        c.put("seal record at seq S (epoch N) is not in its checkpoint", sealed(rechainFrom(WEB2, 3, f -> {
            f[2] = "seal";
            f[3] = "-";
            f[5] = "epoch=3";
        }), 1, sealedHost(WEB2 + ":3: seal record at seq 7 (epoch 3) is not in its checkpoint", 15)));
        c.put("record S is not what checkpoint N (seal/F:L) sealed: the log was altered after X and at or before seq S",
                sealed(rechainFrom(WEB2, 3, f -> f[5] = "nothing happened"), 1, sealedHost("hosts/web01: record 9 is"
                        + " not what checkpoint 3 (" + C2 + ":6) sealed: the log was altered after seq 6 (sealed intact"
                        + " by checkpoint 2) and at or before seq 9", 15)));
        // Steps 4 to 6.
        c.put("records A-B are not sealed yet (written after checkpoint N)", sealed(append("web01",
                "2026-11-23T00:01:30.000Z", 2), 0, SEALED_DB
                + "verify: note: hosts/web01: records 10-11 are not sealed yet (written after checkpoint 3)\n"
                + SEALED_WEB + SEALED_ALL + "verify: OK: 2 hosts, 4 files, 17 records\n"));
        c.put("unproven since T: no checkpoint that holds seals what was written after it, and a cut of the newest"
                + " checkpoints looks the same (--sealed-until or --witness tell them apart)", sealed(d -> {
                    // Root cuts the last checkpoint block whole: what is left reads like a server that has not
                    // sealed epoch 3 yet, and still holds.
                    writeLines(d, C2, lines(d, C2).subList(0, 4));
                }, 0, heldUpTo(2, "").substring(15).replace(
                        "verify: FAILED: 1 problem (2 hosts, 4 files, 15 records checked)\n",
                        "verify: OK: 2 hosts, 4 files, 15 records\n")));
        c.put("record S is stamped T, more than 5 minutes after the clock of this verify (the first record stamped in"
                + " the future)", sealed(append("web01", "2099-01-01T00:00:00.000Z", 2), 0, SEALED_DB
                + "verify: note: hosts/web01: record 10 is stamped 2099-01-01T00:00:00.000Z, more than 5 minutes after"
                + " the clock of this verify (the first record stamped in the future)\n"
                + "verify: note: hosts/web01: records 10-11 are not sealed yet (written after checkpoint 3)\n"
                + SEALED_WEB + SEALED_ALL + "verify: OK: 2 hosts, 5 files, 17 records\n"));
        c.put("missing: checkpoint N sealed this host up to seq S", sealed(d -> deleteTree(d.resolve("hosts/db01")), 1,
                SEALED_WEB + "verify: FAIL: hosts/db01: missing: checkpoint 2 sealed this host up to seq 6\n"
                        + SEALED_ALL + "verify: FAILED: 1 problem (1 host, 2 files, 9 records checked)\n"));
        c.put("sealed only until T, before --sealed-until TIME", sealed(append("db01", "2026-11-23T00:00:30.000Z", 1),
                1, "verify: note: hosts/db01: record 7 is not sealed yet (written after checkpoint 3)\n"
                        + "verify: sealed: hosts/db01: until 2026-11-23T00:00:30.000Z (last sealed seq 6, checkpoint 2)\n"
                        + "verify: FAIL: hosts/db01: sealed only until 2026-11-23T00:00:30.000Z, before --sealed-until"
                        + " 2026-11-23T00:01:00Z\n" + SEALED_WEB + SEALED_ALL.replace(
                        "unproven since 2026-11-23T00:01:00", "unproven since 2026-11-23T00:00:30")
                        + "verify: FAILED: 1 problem (2 hosts, 4 files, 16 records checked)\n",
                "--key", "KEY", "--sealed-until", "2026-11-23T00:01:00Z"));
        c.put("the checkpoints end at T, before --sealed-until TIME", sealed(d -> { }, 1, SEALED_DB
                + "verify: FAIL: hosts/db01: sealed only until 2026-11-23T00:01:00.000Z, before --sealed-until"
                + " 2026-11-23T00:02:00Z\n" + SEALED_WEB
                + "verify: FAIL: hosts/web01: sealed only until 2026-11-23T00:01:00.000Z, before --sealed-until"
                + " 2026-11-23T00:02:00Z\n" + SEALED_ALL
                + "verify: FAIL: seal: the checkpoints end at 2026-11-23T00:01:00.000Z, before --sealed-until"
                + " 2026-11-23T00:02:00Z\n"
                + "verify: FAILED: 3 problems (2 hosts, 4 files, 15 records checked)\n",
                "--key", "KEY", "--sealed-until", "2026-11-23T00:02:00Z"));
        // Which key, and whether there are checkpoints at all.
        c.put("missing: this data directory holds no checkpoints", sealed(d -> deleteTree(d.resolve("seal")), 1,
                nothingHolds("seal: missing: this data directory holds no checkpoints")));
        c.put("verification key read from the data directory itself: against root on the loghost this proves nothing;"
                + " pass --key with the key you pinned elsewhere", sealed(d -> { }, 0, "verify: warning: seal.pub:"
                + " verification key read from the data directory itself: against root on the loghost this proves"
                + " nothing; pass --key with the key you pinned elsewhere\n" + HELD + OK, "--allow-empty"));
        c.put("cannot be read (pass --key)", sealed(d -> Files.writeString(d.resolve("seal.pub"), "ed25519:x\n"), 1,
                nothingHolds("seal.pub: cannot be read (pass --key)"), "--allow-empty"));
        // --witness.
        c.put("no witness line of this seal chain in the paths given", sealed(witness(k -> "nothing here\n"), 0,
                "verify: warning: witness: no witness line of this seal chain in the paths given\n" + "verify: sealed: witness: 0 witnessed checkpoints\n" + HELD + OK,
                "--key", "KEY", "--witness", "WITNESS"));
        c.put("malformed witness line", sealed(witness(k -> "loghost-witness v1 key=" + k + " epoch=1\n"), 1,
                "verify: FAIL: WITNESS:1: malformed witness line\n" + "verify: warning: witness: no witness line of this seal chain in the paths given\n" + "verify: sealed: witness: 0 witnessed"
                        + " checkpoints\n" + HELD + "verify: FAILED: 1 problem (2 hosts, 4 files, 15 records checked)\n",
                "--key", "KEY", "--witness", "WITNESS"));
        c.put("line too long", sealed(witness(k -> "x".repeat((1 << 22) + 1) + "\n"), 1,
                "verify: FAIL: WITNESS:1: line too long\n" + "verify: warning: witness: no witness line of this seal chain in the paths given\n" + "verify: sealed: witness: 0 witnessed checkpoints\n"
                        + HELD + "verify: FAILED: 1 problem (2 hosts, 4 files, 15 records checked)\n",
                "--key", "KEY", "--witness", "WITNESS"));
        c.put("witness line for epoch N differs from W:LINE (two different checkpoints were witnessed)", sealed(d -> {
            String real = blockDigest(d, C1, 3, 6);
            witness(k -> witnessLine(k, 1, "2026-11-22T23:59:00.000Z", real)
                    + witnessLine(k, 1, "2026-11-22T23:59:00.000Z", "0".repeat(64))).apply(d);
        }, 1,
                "verify: FAIL: WITNESS:2: witness line for epoch 1 differs from WITNESS:1 (two different checkpoints"
                        + " were witnessed)\nverify: sealed: witness: 1 witnessed checkpoint, the newest epoch 1 ending"
                        + " 2026-11-22T23:59:00.000Z\n" + HELD
                        + "verify: FAILED: 1 problem (2 hosts, 4 files, 15 records checked)\n",
                "--key", "KEY", "--witness", "WITNESS"));
        c.put("checkpoint N is not the one witnessed in W:LINE (ending T)", sealed(witness(k -> witnessLine(k, 2,
                "2026-11-23T00:00:00.000Z", "0".repeat(64))), 1, heldUpTo(1, C2 + ":1: checkpoint 2 is not the one"
                + " witnessed in WITNESS:1 (ending 2026-11-23T00:00:00.000Z)").replace("verify: note: hosts/db01",
                "verify: FAIL: seal: checkpoint 2 (ending 2026-11-23T00:00:00.000Z, witnessed in WITNESS:1) is missing:"
                        + " the checkpoints that hold end at epoch 1; 1 witnessed checkpoint is gone\n"
                        + "verify: sealed: witness: 1 witnessed checkpoint, the newest epoch 2 ending 2026-11-23T00:00:00.000Z\n"
                        + "verify: note: hosts/db01").replace("FAILED: 1 problem", "FAILED: 2 problems"),
                "--key", "KEY", "--witness", "WITNESS"));
        c.put("checkpoint N (ending T, witnessed in W:LINE) is missing: the checkpoints that hold end at epoch M;"
                + " K witnessed checkpoints are gone", sealed(witness(k -> witnessLine(k, 4, "2026-11-23T00:02:00.000Z",
                "0".repeat(64))), 1, "verify: FAIL: seal: checkpoint 4 (ending 2026-11-23T00:02:00.000Z, witnessed in"
                + " WITNESS:1) is missing: the checkpoints that hold end at epoch 3; 1 witnessed checkpoint is gone\n"
                + "verify: sealed: witness: 1 witnessed checkpoint, the newest epoch 4 ending 2026-11-23T00:02:00.000Z\n"
                + HELD + "verify: FAILED: 1 problem (2 hosts, 4 files, 15 records checked)\n",
                "--key", "KEY", "--witness", "WITNESS"));
    }

    /** The worked example's verification key: a valid key, but not the fixture's. */
    private static final String OTHER_KEY = "ed25519:4a4c286e02a707b781dbc9222f022dcae6c7904ba17b26097a90b9bfd9ca36fb";

    // A failure in web01's seal records (db01 held; R records checked in all).
    private static String sealedHost(String finding, int records) {
        return SEALED_DB + "verify: FAIL: " + finding + "\n" + SEALED_ALL
                + "verify: FAILED: 1 problem (2 hosts, 4 files, " + records + " records checked)\n";
    }

    private static String witnessLine(String key, long epoch, String end, String digest) {
        return "loghost-witness v1 key=" + key + " epoch=" + epoch + " end=" + end + " digest=" + digest + "\n";
    }

    // Writes the witness file beside the data directory; its text may name the fixture's key.
    private static Mutation witness(UnaryOperator<String> text) {
        return d -> writePrivate(d.resolveSibling("witness.txt"), text.apply(
                Files.readString(d.resolve("seal.pub"), StandardCharsets.US_ASCII).strip()));
    }

    // SHA-256 of lines from..to (1-based, inclusive) of a file, each with its LF: a block's digest.
    private static String blockDigest(Path d, String file, int from, int to) throws Exception {
        String block = String.join("\n", lines(d, file).subList(from - 1, to)) + "\n";
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(
                block.getBytes(StandardCharsets.US_ASCII)));
    }

    private static String flipHex(String line, int at) {
        char ch = line.charAt(at);
        return line.substring(0, at) + (ch == '0' ? '1' : '0') + line.substring(at + 1);
    }

    // Appends n lines to a host's chain with the real store at the given time (records not sealed yet).
    private static Mutation append(String host, String at, int n) {
        return d -> {
            try (LogStore store = Stores.open(d.resolve("hosts"), DigestAlgorithm.SHA256,
                    Clock.fixed(Instant.parse(at), ZoneOffset.UTC))) {
                store.recoverAll();
                LineBatch b = new LineBatch();
                for (int i = 0; i < n; i++) {
                    byte[] raw = ("late line " + i).getBytes(StandardCharsets.US_ASCII);
                    b.add(RecordType.LOG, raw, 0, raw.length);
                }
                store.host(host).append(b);
            }
        };
    }

    /**
     * The sealed fixture, written and sealed by the real LogStore and Sealer on a clock set by hand: the genesis
     * block at 23:58 on 2026-11-22; epoch 1 (db01 and web01, two lines each) ends 23:59; epoch 2 (two more lines
     * each) ends at midnight, so its seal records and checkpoint start the 2026-11-23 files; epoch 3 (web01 only)
     * ends 00:01. seal/2026-11-22.ckpt: genesis (lines 1-2), checkpoint 1 (3-6, entries db01 3 and web01 3);
     * seal/2026-11-23.ckpt: checkpoint 2 (1-4, db01 6 and web01 6), checkpoint 3 (5-7, web01 9).
     */
    static Path sealedFixture(Path base) throws Exception {
        Path data = base.resolve("data");
        ManualClock clock = new ManualClock("2026-11-22T23:58:00.000Z");
        Sealer.init(data, clock);
        try (LogStore store = Stores.open(data.resolve("hosts"), DigestAlgorithm.SHA256, clock)) {
            store.recoverAll();
            Sealer sealer = Sealer.open(data, store, clock);
            String[][] epochs = {
                {"2026-11-22T23:58:30.000Z", "2026-11-22T23:59:00.000Z", "db01", "web01"},
                {"2026-11-22T23:59:30.000Z", "2026-11-23T00:00:00.000Z", "db01", "web01"},
                {"2026-11-23T00:00:30.000Z", "2026-11-23T00:01:00.000Z", "web01"},
            };
            for (String[] e : epochs) {
                clock.set(e[0]);
                for (int h = 2; h < e.length; h++) {
                    LineBatch b = new LineBatch();
                    for (int i = 1; i <= 2; i++) {
                        byte[] raw = (e[h] + " at " + e[0] + " line " + i).getBytes(StandardCharsets.US_ASCII);
                        b.add(RecordType.LOG, raw, 0, raw.length);
                    }
                    store.host(e[h]).append(b);
                }
                clock.set(e[1]);
                sealer.closeEpoch();
            }
        }
        return data;
    }

    // ---- The orders and scopes the doc states in sentences rather than table rows (issue 18's questions).

    @Test
    void metaFittingTheGrammarCoversTheEventTimeAndItsPlaceAfterSAndC() throws Exception {
        for (String meta : List.of("s=6,t=1795514400.25", "s=6,t=1795514400", "s=6,t=.250", "s=6,t=1795514400.2500",
                "s=6,t=123456789012.250", "s=6,t=1795514400.25a", "t=1795514400.250,s=6",
                "s=6,t=1795514400.250,c=a:1", "s=6,t=1795514400.250,t=1795514400.250")) {
            Path data = fixture(Files.createTempDirectory(dir, "meta"));
            rechainLast(DAY2, f -> f[3] = meta).apply(data);
            Run.Result r = Cli.run(data, "verify");
            assertEquals(failAt(DAY2, 6, "malformed META field"), r.stdout(), meta + "\n" + r);
        }
        for (String meta : List.of("s=6,t=1795514400.250", "s=6,c=a:1,t=1795514400.250123", "s=6,t=0.000",
                "s=6,c=a:1,t=99999999999.999,zz=q")) {
            Path data = fixture(Files.createTempDirectory(dir, "meta"));
            rechainLast(DAY2, f -> f[3] = meta).apply(data);
            Run.Result r = Cli.run(data, "verify");
            assertEquals("verify: OK: 2 hosts, 4 files, 20 records\n", r.stdout(), meta + "\n" + r);
        }
    }

    @Test
    void metaFittingTheGrammarCoversTheValuesOfSAndCAndTheirOrder() throws Exception {
        for (String meta : List.of("s=06", "s=6,c=stream", "s=6,c=:1", "s=6,c=a:0", "s=6,c=a:9223372036854775808",
                "c=a:1,s=6", "s=6,zz=1,s=6")) {
            Path data = fixture(Files.createTempDirectory(dir, "meta"));
            rechainLast(DAY2, f -> f[3] = meta).apply(data);
            Run.Result r = Cli.run(data, "verify");
            assertEquals(failAt(DAY2, 6, "malformed META field"), r.stdout(), meta + "\n" + r);
        }
        for (String meta : List.of("zz=1,s=6", "s=6,c=a:9223372036854775807,zz=q")) {
            Path data = fixture(Files.createTempDirectory(dir, "meta"));
            rechainLast(DAY2, f -> f[3] = meta).apply(data);
            Run.Result r = Cli.run(data, "verify");
            assertEquals("verify: OK: 2 hosts, 4 files, 20 records\n", r.stdout(), meta + "\n" + r);
        }
    }

    @Test
    void aWitnessLineIsCheckedAgainstTheGrammarBeforeItsKeyIsCompared() throws Exception {
        Path data = sealedFixture(Files.createTempDirectory(dir, "witness"));
        Path w = data.resolveSibling("witness.txt");
        String k = Files.readString(data.resolve("seal.pub"), StandardCharsets.US_ASCII).strip();
        writePrivate(w, witnessLine(k, 1, "2026-11-22T23:59:00.000Z", blockDigest(data, C1, 3, 6))
                + "loghost-witness v1 key=" + OTHER_KEY + " epoch=1\n"
                + witnessLine(OTHER_KEY, 7, "2026-11-22T23:59:00.000Z", "0".repeat(64)));
        Run.Result r = Cli.run(data, "verify", "--key", k, "--witness", w.toString());
        assertEquals("verify: FAIL: " + w + ":2: malformed witness line\n"
                + "verify: sealed: witness: 1 witnessed checkpoint, the newest epoch 1 ending 2026-11-22T23:59:00.000Z;"
                + " 1 line(s) of other seal chains ignored\n" + HELD
                + "verify: FAILED: 1 problem (2 hosts, 4 files, 15 records checked)\n", r.stdout(), r::toString);
    }

    @Test
    void aCompressedFilesChainIsCheckedBeforeItsManifestEntry() throws Exception {
        Path data = fixture(Files.createTempDirectory(dir, "gz"));
        compressed(d -> {
            // A record edited inside the .gz: its size and SHA-256 no longer match the entry either.
            String plain;
            try (var in = new GZIPInputStream(Files.newInputStream(d.resolve(GZ1)))) {
                plain = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            try (var out = new GZIPOutputStream(Files.newOutputStream(d.resolve(GZ1)))) {
                out.write(plain.replace("line 3", "line X").getBytes(StandardCharsets.UTF_8));
            }
        }).apply(data);
        Run.Result r = Cli.run(data, "verify");
        assertEquals("verify: FAIL: " + GZ1 + ":4: digest mismatch at seq 3\n"
                + "verify: FAILED: 1 problem (2 hosts, 3 files, 12 records checked)\n", r.stdout(), r::toString);
    }

    @Test
    void aCopyBesideItsDayFileIsComparedOnlyAfterTheDayFilesChainHeld() throws Exception {
        Path data = fixture(Files.createTempDirectory(dir, "beside"));
        gzipBeside(data, "x");
        line(DAY1, 3, l -> l.replace("line 2", "line X")).apply(data);
        Run.Result r = Cli.run(data, "verify");
        assertEquals(failAt(DAY1, 3, "digest mismatch at seq 2"), r.stdout(), r::toString);
    }

    @Test
    void ofSeveralReceiptsBeyondTheLogTheLowestSeqFirstReadIsNamedAfterTheSealFinding() throws Exception {
        Path data = sealedFixture(Files.createTempDirectory(dir, "receipts"));
        java.security.KeyPair pair = java.security.KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        byte[] pk = HexFormat.of().parseHex(loghost.seal.ReceiptSigner.publicKey(pair.getPublic()).toString()
                .substring("ed25519:".length()));
        java.io.ByteArrayOutputStream blob = new java.io.ByteArrayOutputStream();
        java.io.DataOutputStream out = new java.io.DataOutputStream(blob);
        out.writeInt(11);
        out.writeBytes("ssh-ed25519");
        out.writeInt(32);
        out.write(pk);
        String fingerprint = "SHA256:" + java.util.Base64.getEncoder().withoutPadding().encodeToString(
                MessageDigest.getInstance("SHA-256").digest(blob.toByteArray()));
        Path hostKey = data.resolveSibling("host_key.pub");
        writePrivate(hostKey, "ssh-ed25519 " + java.util.Base64.getEncoder().encodeToString(blob.toByteArray())
                + " loghost\n");
        loghost.seal.ReceiptSigner signer = loghost.seal.ReceiptSigner.of(pair, fingerprint);
        long at = Instant.parse("2026-11-23T00:00:31Z").toEpochMilli();
        Path first = data.resolveSibling("first.receipts");
        Path second = data.resolveSibling("second.receipts");
        writePrivate(first, signer.receipt("web01", "s1", 12, 12, "ab".repeat(32), at) + "\n"
                + signer.receipt("web01", "s1", 11, 11, "cd".repeat(32), at) + "\n");
        writePrivate(second, signer.receipt("web01", "s1", 11, 11, "cd".repeat(32), at) + "\n");
        // The log cut after seq 7: checkpoint 3's seal of seq 9 is missing, and so are the receipts' records.
        writeLines(data, WEB2, lines(data, WEB2).subList(0, 3));
        String key = Files.readString(data.resolve("seal.pub"), StandardCharsets.US_ASCII).strip();
        Run.Result r = Cli.run(data, "verify", "--key", key, "--host-key", hostKey.toString(), "--receipts",
                first.toString(), second.toString());
        String seal = "verify: FAIL: hosts/web01: seq 9 sealed by checkpoint 3 (" + C2 + ":6) is missing: the log ends"
                + " at seq 7 (records were removed after seq 6 (sealed intact by checkpoint 2))\n";
        String receipt = "verify: FAIL: hosts/web01: receipt " + first + ":2 says seq 11 (stream s1 cseq 11) was"
                + " stored 2026-11-23T00:00:31.000Z, but the log ends at seq 7\n";
        assertTrue(r.stdout().contains(seal + receipt), r::toString);
        assertEquals(1, r.exit(), r::toString);
    }

    @Test
    void aHostWithRecordsButNoCheckpointEntryIsSealedUntilItsFirstRecord() throws Exception {
        Path data = sealedFixture(Files.createTempDirectory(dir, "newhost"));
        append("app01", "2026-11-23T00:00:30.000Z", 2).apply(data);
        String key = Files.readString(data.resolve("seal.pub"), StandardCharsets.US_ASCII).strip();
        Run.Result r = Cli.run(data, "verify", "--key", key);
        assertEquals("verify: note: hosts/app01: records 1-2 are not sealed yet (written after checkpoint 3)\n"
                + "verify: sealed: hosts/app01: until 2026-11-23T00:00:30.000Z\n" + SEALED_DB + SEALED_WEB
                + SEALED_ALL.replace("unproven since 2026-11-23T00:01:00", "unproven since 2026-11-23T00:00:30")
                + "verify: OK: 3 hosts, 5 files, 17 records\n", r.stdout(), r::toString);
    }

    @Test
    void everyReasonTheDocListsHasACaseAndNoOther() throws Exception {
        assertEquals(new TreeSet<>(docReasons()), new TreeSet<>(cases().keySet()));
    }

    @TestFactory
    Stream<DynamicTest> eachReasonIsPrintedExactlyAsTheDocSays() {
        return cases().entrySet().stream().map(e -> DynamicTest.dynamicTest(e.getKey(), () -> {
            Case c = e.getValue();
            Path base = Files.createTempDirectory(dir, "case");
            Path data = c.sealed() ? sealedFixture(base) : fixture(base);
            String key = c.sealed() ? Files.readString(data.resolve("seal.pub"), StandardCharsets.US_ASCII).strip() : "";
            String witness = base.resolve("witness.txt").toString();
            c.mutate().apply(data);
            String[] args = Stream.of(c.args()).map(a -> a.equals("KEY") ? key : a.equals("WITNESS") ? witness : a)
                    .toArray(String[]::new);
            Run.Result r = Cli.run(data, "verify", args);
            assertEquals(c.stdout(), r.stdout().replace(witness, "WITNESS"), r::toString);
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
                reasons.addAll(quoted(last));
            }
        }
        return reasons;
    }

    // Every backquoted text of a REASON cell (a cell may list several), except inside a parenthesis outside the
    // quotes, which explains a placeholder: "`does not match its MANIFEST entry (F)` (F = `size`, ...)".
    private static List<String> quoted(String cell) {
        List<String> out = new ArrayList<>();
        int depth = 0;
        StringBuilder q = null;
        for (char ch : cell.toCharArray()) {
            if (q != null) {
                if (ch == '`') {
                    if (depth == 0) {
                        out.add(q.toString());
                    }
                    q = null;
                } else {
                    q.append(ch);
                }
            } else if (ch == '`') {
                q = new StringBuilder();
            } else if (ch == '(') {
                depth++;
            } else if (ch == ')') {
                depth--;
            }
        }
        return out;
    }

    // Two hosts, two days, five records per host and day, written by the real store.
    static Path fixture(Path base) throws Exception {
        Path data = base.resolve("data");
        long t = Instant.parse("2026-11-22T23:59:58Z").toEpochMilli();
        for (int day = 0; day < 2; day++) {
            LogStore store = Stores.open(data.resolve("hosts"), DigestAlgorithm.SHA256,
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

    /**
     * Edits the fields of record line {@code lineNo} (1-based) of a host's newest day file and recomputes the
     * digests of it and every record after it, as root re-chaining a log would.
     */
    static Mutation rechainFrom(String file, int lineNo, java.util.function.Consumer<String[]> edit) {
        return d -> {
            List<String> l = lines(d, file);
            byte[] prev = HexFormat.of().parseHex(lineNo == 2 ? l.get(0).substring(l.get(0).indexOf(" prev=") + 6)
                    : l.get(lineNo - 2).split(" ", 6)[4]);
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            for (int i = lineNo - 1; i < l.size(); i++) {
                String[] f = l.get(i).split(" ", 6);
                if (i == lineNo - 1) {
                    edit.accept(f);
                }
                sha.update(prev);
                prev = sha.digest((f[0] + " " + f[1] + " " + f[2] + " " + f[3] + " " + f[5])
                        .getBytes(StandardCharsets.UTF_8));
                f[4] = HexFormat.of().formatHex(prev);
                l.set(i, String.join(" ", f));
            }
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
