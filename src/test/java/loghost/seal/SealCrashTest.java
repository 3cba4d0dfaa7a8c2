package loghost.seal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import loghost.testing.Await;
import loghost.testing.Cli;
import loghost.testing.HostRecords;
import loghost.testing.KeyGen;
import loghost.testing.Run;
import loghost.testing.ServerProcess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kill -9} of a sealing server (one-second epochs) while the stock ssh client streams lines into it, three
 * times: after each restart the chains, seals and checkpoints verify with the pinned key, the records written
 * after the last checkpoint are reported as not sealed yet (never as tampering), and after a clean stop every
 * record is sealed.
 */
class SealCrashTest {

    @TempDir
    Path dir;

    @Test
    void killMinus9MidEpochThreeTimesLeavesAStoreThatVerifiesAndIsSealedAfterACleanStop() throws Exception {
        Path data = dir.resolve("data");
        Path conf = dir.resolve("loghost.conf");
        Files.writeString(conf, "loghost.seal.epoch = 1s\nloghost.store.fsync-interval = 0s\n");
        Path key = KeyGen.generate(dir, "k", "ed25519");
        assertEquals(0, Cli.run(data, "enroll", "web01", KeyGen.pub(key).toString()).exit());
        String pinned = null;
        long stored = 0;
        for (int round = 0; round < 3; round++) {
            ServerProcess s = ServerProcess.startWith(data, dir.resolve("stderr.txt"), dir.resolve("known_hosts"),
                    "--config", conf.toString());
            if (pinned == null) {
                pinned = Files.readString(data.resolve("seal.pub")).strip();
            }
            // An endless stream into append-log, cut by the kill at some point of an epoch.
            List<String> ssh = new java.util.ArrayList<>(List.of("bash", "-c",
                    "i=0; while :; do i=$((i+1)); echo \"round " + round + " line $i\"; done | "
                            + String.join(" ", s.appendCommand(key))));
            Process writer = new ProcessBuilder(ssh).redirectErrorStream(true)
                    .redirectOutput(dir.resolve("ssh-" + round + ".out").toFile()).start();
            // Killed at a measured point, later in each round: this round's lines are stored (read from the store).
            long before = stored;
            long want = before + 2_000 + 5_000L * round;
            stored = Await.until(() -> want + " lines stored before kill " + s.process().pid(),
                    () -> HostRecords.count(data, "web01", "log"), n -> n >= want);
            assertTrue(stored > before, "killed before this round stored anything");
            s.process().destroyForcibly(); // kill -9
            assertTrue(s.process().waitFor(30, TimeUnit.SECONDS));
            writer.destroyForcibly();
            writer.waitFor(30, TimeUnit.SECONDS);
            s.close();
        }
        // The last restart repairs a torn tail; then verify with the pinned key: only notes, no failure.
        ServerProcess s = ServerProcess.startWith(data, dir.resolve("stderr.txt"), dir.resolve("known_hosts"),
                "--config", conf.toString());
        Run.Result mid = Cli.run(data, "verify", "--key", pinned);
        assertEquals(0, mid.exit(), mid::toString);
        assertFalse(mid.stdout().contains("FAIL"), mid::toString);
        s.process().destroy(); // clean stop: seals what is open
        assertTrue(s.process().waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, s.process().exitValue(), s::stderr);
        List<String> ckpt = Files.readAllLines(lastCheckpointFile(data));
        String last = ckpt.stream().filter(l -> l.startsWith("checkpoint ")).reduce((a, b) -> b).orElseThrow();
        String end = last.replaceAll(".* end=(\\S+) .*", "$1");
        Run.Result after = Cli.run(data, "verify", "--key", pinned, "--sealed-until", end);
        assertEquals(0, after.exit(), after::toString);
        assertFalse(after.stdout().contains("not sealed yet"), after::toString);
        assertTrue(after.stdout().contains("verify: sealed: hosts/web01: until " + end + " "), after::toString);
    }

    private static Path lastCheckpointFile(Path data) throws Exception {
        try (var s = Files.list(data.resolve("seal"))) {
            return s.filter(p -> p.toString().endsWith(".ckpt")).sorted().reduce((a, b) -> b).orElseThrow();
        }
    }
}
