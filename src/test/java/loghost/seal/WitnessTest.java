package loghost.seal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import loghost.testing.Await;
import loghost.testing.Cli;
import loghost.testing.ForwarderProcess;
import loghost.testing.KeyGen;
import loghost.testing.Run;
import loghost.testing.ServerProcess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two real loghost processes witness each other: each appends its checkpoints' witness lines to a file that a real
 * {@code loghost forward --file} ships to the other. Removing or rewriting one's newest epochs then shows against
 * the lines the other holds, even though every local signature still verifies.
 */
class WitnessTest {

    @TempDir
    Path dir;

    private ServerProcess serve(String name) throws Exception {
        Path conf = dir.resolve(name + ".conf");
        Files.writeString(conf, "loghost.seal.epoch = 1s\nloghost.seal.witness-file = \"" + dir.resolve(name
                + ".witness") + "\"\n");
        return ServerProcess.startWith(dir.resolve(name), dir.resolve(name + ".err"), dir.resolve(name + ".known"),
                "--config", conf.toString());
    }

    private ForwarderProcess ship(String from, ServerProcess to, String toName, Path key) throws Exception {
        return ForwarderProcess.start(null, dir.resolve(from + ".forward.err"), "--to", "127.0.0.1:" + to.port(),
                "--key", key.toString(), "--known-hosts", dir.resolve(toName + ".known").toString(),
                "--spool", dir.resolve(from + ".spool").toString(), "--file", dir.resolve(from + ".witness").toString(),
                "--from-start", "--heartbeat", "0s");
    }

    private static long witnessLines(Path hostDir) throws Exception {
        if (!Files.isDirectory(hostDir)) {
            return 0;
        }
        long n = 0;
        try (Stream<Path> files = Files.list(hostDir)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".log")).toList()) {
                n += Files.readAllLines(f).stream().filter(l -> l.contains(" loghost-witness v1 ")).count();
            }
        }
        return n;
    }

    @Test
    void twoLoghostsWitnessEachOtherAndTheNewestEpochsOfOneCannotBeRemoved() throws Exception {
        Path keyA = KeyGen.generate(dir, "key-a", "ed25519");
        Path keyB = KeyGen.generate(dir, "key-b", "ed25519");
        assertEquals(0, Cli.run(dir.resolve("b"), "enroll", "loghost-a", KeyGen.pub(keyA).toString()).exit());
        assertEquals(0, Cli.run(dir.resolve("a"), "enroll", "loghost-b", KeyGen.pub(keyB).toString()).exit());
        try (ServerProcess a = serve("a"); ServerProcess b = serve("b");
             ForwarderProcess aToB = ship("a", b, "b", keyA); ForwarderProcess bToA = ship("b", a, "a", keyB)) {
            Await.until(() -> "5 witness lines on B; " + aToB.stderr(),
                    () -> witnessLines(dir.resolve("b/hosts/loghost-a")) >= 5);
            Await.until(() -> "5 witness lines on A; " + bToA.stderr(),
                    () -> witnessLines(dir.resolve("a/hosts/loghost-b")) >= 5);
            for (ServerProcess s : List.of(a, b)) {
                s.process().destroy();
                assertTrue(s.process().waitFor(60, TimeUnit.SECONDS));
            }
        }
        Path a = dir.resolve("a");
        String keyOfA = Files.readString(a.resolve("seal.pub")).strip();
        Path heldByB = dir.resolve("b/hosts/loghost-a");
        long witnessed = witnessLines(heldByB);
        Run.Result ok = Cli.run(a, "verify", "--key", keyOfA, "--witness", heldByB.toString());
        assertEquals(0, ok.exit(), ok::toString);
        assertTrue(ok.stdout().contains("verify: sealed: witness: " + witnessed + " witnessed checkpoints, the newest"
                + " epoch "), ok::toString);
        String keyOfB = Files.readString(dir.resolve("b/seal.pub")).strip();
        Run.Result mirror = Cli.run(dir.resolve("b"), "verify", "--key", keyOfB, "--witness",
                a.resolve("hosts/loghost-b").toString());
        assertEquals(0, mirror.exit(), mirror::toString);

        // Root on A removes its newest epochs everywhere: alone, verify cannot tell; against B's lines it can.
        Path wiped = dir.resolve("a-wiped");
        loghost.testing.Trees.copy(a, wiped);
        long kept = Rechain.dropNewestEpochs(wiped, 3);
        Run.Result alone = Cli.run(wiped, "verify", "--key", keyOfA);
        assertEquals(0, alone.exit(), alone::toString);
        Run.Result r = Cli.run(wiped, "verify", "--key", keyOfA, "--witness", heldByB.toString());
        assertEquals(1, r.exit(), r::toString);
        assertTrue(r.stdout().contains("verify: FAIL: seal: checkpoint " + (kept + 1) + " (ending "), r::toString);
        assertTrue(r.stdout().contains(") is missing: the checkpoints that hold end at epoch " + kept + "; "),
                r::toString);
    }
}
