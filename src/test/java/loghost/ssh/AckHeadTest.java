package loghost.ssh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import loghost.protocol.Frames;
import loghost.store.DigestAlgorithm;
import loghost.store.RecordView;
import loghost.testing.AckClient;
import loghost.testing.HostRecords;
import loghost.testing.KeyGen;
import loghost.testing.MinaClient;
import loghost.testing.TestServer;
import org.apache.sshd.client.channel.ChannelExec;
import org.apache.sshd.client.session.ClientSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** An ACK's host seq and digest name one record of the log, while other sessions of the host append too. */
class AckHeadTest {

    private static final Duration WAIT = Duration.ofSeconds(120);

    @TempDir
    Path dir;

    @Test
    void everyAckNamesARecordWithItsOwnDigestWhileRawSessionsOfTheSameHostAppend() throws Exception {
        Path key = KeyGen.generate(dir, "k", "ed25519");
        try (TestServer server = new TestServer(dir, ""); MinaClient raw = new MinaClient(server.data())) {
            server.enroll("web01", key);
            AtomicBoolean stop = new AtomicBoolean();
            List<Thread> writers = new ArrayList<>();
            List<ChannelExec> channels = new ArrayList<>();
            List<Throwable> failures = new ArrayList<>();
            for (int w = 0; w < 2; w++) {
                ClientSession s = raw.login(server.port(), key);
                ChannelExec ch = MinaClient.exec(s, "append-log");
                channels.add(ch);
                byte[] lines = ("raw line from writer " + w + "\n").repeat(50).getBytes(StandardCharsets.US_ASCII);
                Thread t = new Thread(() -> {
                    try {
                        while (!stop.get()) {
                            ch.getInvertedIn().write(lines);
                            ch.getInvertedIn().flush();
                        }
                        ch.getInvertedIn().close();
                    } catch (Exception e) {
                        synchronized (failures) {
                            failures.add(e);
                        }
                    }
                });
                t.start();
                writers.add(t);
            }

            AckClient.Result r;
            try (AckClient c = AckClient.open(server.data(), server.port(), key)) {
                assertEquals(0, c.hello("s"));
                for (int i = 1; i <= 20_000; i++) {
                    c.frame(Frames.LINE, i, "acked line " + i);
                    if (i % 20 == 0) {
                        c.flush();
                    }
                }
                r = c.finish(WAIT);
            } finally {
                stop.set(true);
                for (Thread t : writers) {
                    t.join(WAIT.toMillis());
                }
            }
            assertEquals(List.of(), failures);
            for (ChannelExec ch : channels) {
                assertEquals(0, MinaClient.awaitExit(ch, WAIT));
            }
            assertEquals(0, r.exit(), r::toString);
            assertEquals(20_000, r.lastAck(), r::toString);

            Map<Long, String> digests = digests(server.data());
            int acks = 0;
            for (Frames.Frame f : r.frames()) {
                if (f.kind() != Frames.ACK) {
                    continue;
                }
                acks++;
                byte[] b = f.body();
                long hostSeq = 0;
                for (int i = 8; i < 16; i++) {
                    hostSeq = (hostSeq << 8) | (b[i] & 0xff);
                }
                String digest = new String(b, 16, b.length - 16, StandardCharsets.US_ASCII);
                assertEquals(digests.get(hostSeq), digest, "ACK of cseq " + f.seq() + " names host seq " + hostSeq);
            }
            assertTrue(acks > 0);
        }
    }

    // Every record's chain digest, by SEQ, read from the day files as docs/FORMAT.md lays them out.
    private static Map<Long, String> digests(Path data) throws Exception {
        Map<Long, String> out = new HashMap<>();
        RecordView v = new RecordView();
        for (Path f : HostRecords.files(data, "web01")) {
            List<String> lines = Files.readAllLines(f, StandardCharsets.ISO_8859_1);
            for (String line : lines.subList(1, lines.size())) {
                byte[] bytes = line.getBytes(StandardCharsets.ISO_8859_1);
                String problem = v.parse(bytes, bytes.length, DigestAlgorithm.SHA256);
                assertEquals(null, problem, line);
                out.put(v.seq(), new String(bytes, v.digestStart(), 2 * DigestAlgorithm.SHA256.length(),
                        StandardCharsets.US_ASCII));
            }
        }
        return out;
    }
}
