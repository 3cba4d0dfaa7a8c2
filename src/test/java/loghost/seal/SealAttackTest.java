package loghost.seal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import loghost.testing.Await;
import loghost.testing.Cli;
import loghost.testing.KeyGen;
import loghost.testing.Run;
import loghost.testing.ServerProcess;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The attacks on a store a real {@code loghost serve} process sealed while the stock {@code ssh} client
 * sent it lines, with one-second epochs: root copies everything at time T (the epoch key included), rewrites,
 * truncates or deletes, re-seals what it can; {@code loghost verify --key} with the pinned key must catch it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SealAttackTest {

    @TempDir
    static Path dir;

    private Path live;
    private Path atT;
    private String key;
    private String stopped;

    @BeforeAll
    void sealAStoreAndCopyItMidway() throws Exception {
        live = dir.resolve("data");
        Path conf = dir.resolve("loghost.conf");
        Files.writeString(conf, "loghost.seal.epoch = 1s\n");
        Path web = KeyGen.generate(dir, "web", "ed25519");
        Path db = KeyGen.generate(dir, "db", "ed25519");
        assertEquals(0, Cli.run(live, "enroll", "web01", KeyGen.pub(web).toString()).exit());
        assertEquals(0, Cli.run(live, "enroll", "db01", KeyGen.pub(db).toString()).exit());
        try (ServerProcess server = ServerProcess.startWith(live, dir.resolve("stderr.txt"), dir.resolve("known_hosts"),
                "--config", conf.toString())) {
            key = Files.readString(live.resolve("seal.pub")).strip();
            for (int round = 0; round < 8; round++) {
                send(server, web, "web01 round " + round, 20);
                if (round % 2 == 0) {
                    send(server, db, "db01 round " + round, 5);
                }
                awaitCheckpoints(live, round + 1);
                if (round == 5) {
                    // Root arrives: it copies everything the running server has, the open epoch's key included.
                    atT = dir.resolve("copy-at-T");
                    loghost.testing.Trees.copy(live, atT);
                }
            }
            server.process().destroy(); // SIGTERM: a clean stop seals the last epoch
            assertTrue(server.process().waitFor(60, TimeUnit.SECONDS));
            assertEquals(0, server.process().exitValue(), server.stderr());
        }
        List<String> ckpt = Files.readAllLines(checkpointFile(live));
        String last = ckpt.stream().filter(l -> l.startsWith("checkpoint ")).reduce((a, b) -> b).orElseThrow();
        stopped = last.replaceAll(".* end=(\\S+) .*", "$1");
    }

    private static void send(ServerProcess server, Path key, String text, int lines) throws Exception {
        Path in = Files.createTempFile("lines", ".txt");
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < lines; i++) {
            s.append(text).append(" line ").append(i).append('\n');
        }
        Files.writeString(in, s.toString());
        Run.Result r = Run.run(server.appendCommand(key), in, java.util.Map.of(), 60);
        assertEquals(0, r.exit(), r::toString);
        Files.delete(in);
    }

    private static Path checkpointFile(Path data) throws Exception {
        try (Stream<Path> s = Files.list(data.resolve("seal"))) {
            return s.filter(p -> p.toString().endsWith(".ckpt")).sorted().reduce((a, b) -> b).orElseThrow();
        }
    }

    private static long checkpoints(Path data) throws Exception {
        try (Stream<String> lines = Files.lines(checkpointFile(data))) {
            return lines.filter(l -> l.startsWith("checkpoint ")).count();
        }
    }

    private static void awaitCheckpoints(Path data, long atLeastMore) throws Exception {
        long want = checkpoints(data) + 1;
        Await.until(() -> "a new checkpoint", () -> checkpoints(data), n -> n >= want);
    }

    private Path fresh(Path source, String name) throws Exception {
        Path d = dir.resolve(name);
        loghost.testing.Trees.copy(source, d);
        return d;
    }

    private Run.Result verify(Path data, String... more) {
        List<String> args = new ArrayList<>(List.of("--key", key));
        args.addAll(List.of(more));
        return Cli.run(data, "verify", args.toArray(String[]::new));
    }

    private static List<String> fails(Run.Result r) {
        return r.stdout().lines().filter(l -> l.startsWith("verify: FAIL: ")).toList();
    }

    @Test
    void theUntouchedStoreIsSealedUntilTheCleanStop() {
        Run.Result r = verify(live, "--sealed-until", stopped);
        assertEquals(0, r.exit(), r::toString);
        assertTrue(r.stdout().contains("verify: sealed: hosts/web01: until " + stopped + " "), r::toString);
        assertFalse(r.stdout().contains("not sealed yet"), r::toString);
    }

    @Test
    void rootRewritingARecordTwoEpochsBackAndResealingWithTheKeyItHoldsIsCaught() throws Exception {
        Path data = fresh(atT, "reseal");
        Path hostDir = data.resolve("hosts/web01");
        List<long[]> seals = Rechain.seals(hostDir);
        long lastEpoch = seals.get(seals.size() - 1)[1];
        // The first record after the seal of two epochs back is rewritten; every digest after it is recomputed.
        long[] before = seals.stream().filter(s -> s[1] <= lastEpoch - 2).reduce((a, b) -> b).orElseThrow();
        long[] sealedBy = seals.stream().filter(s -> s[0] > before[0]).findFirst().orElseThrow();
        long target = before[0] + 1;
        Rechain.rewriteMessage(hostDir, "web01", target, "nothing happened here");
        // With the key of the epoch open at T, it seals the rewritten chain as well as it can: a new checkpoint.
        var store = loghost.testing.Stores.open(data.resolve("hosts"), loghost.store.DigestAlgorithm.SHA256,
                java.time.Clock.systemUTC());
        store.recoverAll();
        Sealer sealer = Sealer.open(data, store, java.time.Clock.systemUTC());
        store.host("web01").append(batch("a fresh line, sealed by the attacker"));
        sealer.closeEpoch();
        store.close();

        Run.Result r = verify(data);
        assertEquals(1, r.exit(), r::toString);
        assertEquals(List.of("verify: FAIL: hosts/web01: record " + sealedBy[0] + " is not what checkpoint "
                + sealedBy[1] + " (seal/" + checkpointFile(data).getFileName() + ":" + lineOf(data, "web01 "
                + sealedBy[0] + " ") + ") sealed: the log was altered after seq " + before[0]
                + " (sealed intact by checkpoint " + before[1] + ") and at or before seq " + sealedBy[0]), fails(r));
    }

    @Test
    void aHostWhoseWholeDirectoryVanishedIsNamedWithItsLastSealedSeq() throws Exception {
        Path data = fresh(live, "vanished");
        List<long[]> seals = Rechain.seals(data.resolve("hosts/db01"));
        long[] last = seals.get(seals.size() - 1);
        deleteTree(data.resolve("hosts/db01"));
        Run.Result r = verify(data);
        assertEquals(1, r.exit(), r::toString);
        assertTrue(fails(r).contains("verify: FAIL: hosts/db01: missing: checkpoint " + last[1]
                + " sealed this host up to seq " + last[0]), r::toString);
    }

    @Test
    void droppingTheLastSealedEpochsOfOneHostIsCaughtByTheCheckpoints() throws Exception {
        Path data = fresh(live, "truncated");
        Path hostDir = data.resolve("hosts/web01");
        List<long[]> seals = Rechain.seals(hostDir);
        long[] keep = seals.get(seals.size() - 3);
        long[] firstGone = seals.get(seals.size() - 2);
        Rechain.truncateAfter(hostDir, keep[0]);
        Run.Result r = verify(data);
        assertEquals(1, r.exit(), r::toString);
        assertEquals(List.of("verify: FAIL: hosts/web01: seq " + firstGone[0] + " sealed by checkpoint "
                + firstGone[1] + " (seal/" + checkpointFile(data).getFileName() + ":"
                + lineOf(data, "web01 " + firstGone[0] + " ") + ") is missing: the log ends at seq " + keep[0]
                + " (records were removed after seq " + keep[0] + " (sealed intact by checkpoint " + keep[1] + "))"),
                fails(r));
    }

    @Test
    void droppingTheNewestEpochsOfEverythingShowsOnlyAsALogThatStopsBeingSealed() throws Exception {
        Path data = fresh(live, "epochs-gone");
        // Root removes the newest epochs everywhere: records, checkpoints, and the key file, at block boundaries.
        List<String> lines = Files.readAllLines(checkpointFile(data));
        int cut = 0;
        int found = 0;
        for (int i = lines.size() - 1; i >= 0; i--) {
            if (lines.get(i).startsWith("checkpoint ") && ++found == 3) {
                cut = i;
                break;
            }
        }
        long keptEpoch = Long.parseLong(lines.get(cut).replaceAll("checkpoint v1 epoch=([0-9]+) .*", "$1")) - 1;
        Files.writeString(checkpointFile(data), String.join("\n", lines.subList(0, cut)) + "\n");
        for (String host : List.of("web01", "db01", "_loghost")) {
            Path hostDir = data.resolve("hosts/" + host);
            long lastKept = Rechain.seals(hostDir).stream().filter(s -> s[1] <= keptEpoch)
                    .mapToLong(s -> s[0]).max().orElseThrow();
            Rechain.truncateAfter(hostDir, lastKept);
        }
        Files.delete(data.resolve("seal/epoch.key"));
        Run.Result plain = verify(data);
        assertEquals(0, plain.exit(), "nothing left to contradict: only the end time shows it\n" + plain);
        Run.Result r = verify(data, "--sealed-until", stopped);
        assertEquals(1, r.exit(), r::toString);
        assertTrue(fails(r).stream().anyMatch(l -> l.startsWith("verify: FAIL: seal: the checkpoints end at ")
                && l.endsWith(", before --sealed-until " + Instant.parse(stopped))), r::toString);
    }

    @Test
    void theSealChainCheckedWithAnotherKeyFails() throws Exception {
        try (SigningKey other = SigningKey.generate(new java.security.SecureRandom())) {
            Run.Result r = Cli.run(live, "verify", "--key", other.publicKey().toString());
            assertEquals(1, r.exit(), r::toString);
            assertTrue(fails(r).contains("verify: FAIL: seal/" + firstCheckpointFile(live)
                    + ":1: genesis block not signed by the verification key"), r::toString);
        }
    }

    private static String firstCheckpointFile(Path data) throws Exception {
        try (Stream<Path> s = Files.list(data.resolve("seal"))) {
            return s.filter(p -> p.toString().endsWith(".ckpt")).sorted().findFirst().orElseThrow()
                    .getFileName().toString();
        }
    }

    private static int lineOf(Path data, String prefix) throws Exception {
        List<String> lines = Files.readAllLines(checkpointFile(data));
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).startsWith(prefix)) {
                return i + 1;
            }
        }
        throw new AssertionError("no checkpoint line " + prefix);
    }

    private static loghost.store.LineBatch batch(String line) {
        loghost.store.LineBatch b = new loghost.store.LineBatch(true);
        byte[] raw = line.getBytes(StandardCharsets.UTF_8);
        b.add(loghost.store.RecordType.LOG, raw, 0, raw.length);
        return b;
    }

    private static void deleteTree(Path p) throws Exception {
        try (Stream<Path> s = Files.walk(p)) {
            for (Path f : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(f);
            }
        }
    }
}
