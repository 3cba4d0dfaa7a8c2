package loghost.ssh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import loghost.protocol.Frames;
import loghost.testing.AckClient;
import loghost.testing.HostRecords;
import loghost.testing.KeyGen;
import loghost.testing.Run;
import loghost.testing.TestServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Seeded fuzzing of acknowledged mode: random and mutated frames against the parser alone, then against a real
 * server, whose every answer is checked against a model of the rules in docs/PROTOCOL.md. The seed is printed
 * in each failure, so any run can be replayed.
 */
class FrameFuzzTest {

    private static final long SEED = 20261124L;
    private static final int MAX_LINE = 1024;
    private static final Pattern META_C = Pattern.compile("(?:^|,)c=([a-z0-9._-]+):(\\d+)(?:,|$)");

    @TempDir
    Path dir;

    @Test
    void theParserAnswersAnyBytesWithAFrameAnEndOrAProtocolError() throws Exception {
        Random rnd = new Random(SEED);
        for (int i = 0; i < 20_000; i++) {
            byte[] input = new byte[rnd.nextInt(64)];
            rnd.nextBytes(input);
            if (rnd.nextBoolean() && input.length >= 5) {
                // A plausible header: a length that fits, is too large, or is negative as an int.
                int len = switch (rnd.nextInt(3)) {
                    case 0 -> rnd.nextInt(input.length);
                    case 1 -> Frames.MAX_BODY + 1 + rnd.nextInt(1000);
                    default -> -1 - rnd.nextInt(1000);
                };
                input[1] = (byte) (len >>> 24);
                input[2] = (byte) (len >>> 16);
                input[3] = (byte) (len >>> 8);
                input[4] = (byte) len;
            }
            DataInputStream in = new DataInputStream(new ByteArrayInputStream(input));
            int consumed = 0;
            try {
                for (Frames.Frame f; (f = Frames.read(in)) != null; ) {
                    assertTrue(f.body().length <= Frames.MAX_BODY, "seed " + SEED + " input " + i);
                    consumed += 5 + f.body().length;
                }
                assertEquals(input.length, consumed, "a clean end only after whole frames; seed " + SEED);
            } catch (Frames.ProtocolException expected) {
                assertNotNull(expected.getMessage());
            }
        }
    }

    @Test
    void randomAndMutatedFramesNeverStoreOrAcknowledgeWhatTheRulesRefuse() throws Exception {
        try (TestServer server = new TestServer(dir, "loghost.store.max-line = " + MAX_LINE)) {
            Path key = KeyGen.generate(dir, "k", "ed25519");
            server.enroll("web01", key);
            Random rnd = new Random(SEED);
            Model model = new Model();
            Map<Integer, Integer> exits = new HashMap<>();
            for (int session = 0; session < 60; session++) {
                String stream = "f" + rnd.nextInt(3);
                Script script = Script.random(rnd, model.last(stream));
                String where = "seed " + SEED + ", session " + session + ", stream " + stream + ": " + script;
                AckClient.Result r;
                try (AckClient c = AckClient.open(server.data(), server.port(), key)) {
                    assertEquals(model.last(stream), c.hello(stream), where);
                    try {
                        c.raw(script.bytes());
                    } catch (IOException serverEndedFirst) {
                        // Possible after a refusal: the server stops reading at the bad frame.
                    }
                    r = c.finish(Duration.ofSeconds(60));
                }
                Model.Outcome expected = model.apply(stream, script);
                assertEquals(expected.exit(), r.exit(), where + " -> " + r);
                assertEquals(expected.exit() == 0, r.error() == null, where + " -> " + r);
                assertEquals(expected.ack(), r.lastAck(), where + " -> " + r);
                assertEquals(model.storedText(), stored(server.data()), where);
                exits.merge(r.exit(), 1, Integer::sum);
            }
            // The seed must exercise both ends, or the fuzzing proves little.
            assertTrue(exits.getOrDefault(0, 0) >= 10 && exits.getOrDefault(65, 0) >= 10, exits::toString);
            assertTrue(model.storedText().size() >= 50, "frames stored: " + model.storedText().size());
            awaitNoAckThread();

            // The server is healthy: another host still logs, with the stock client, and every chain verifies.
            Path other = KeyGen.generate(dir, "other", "ed25519");
            server.enroll("web02", other);
            Path in = dir.resolve("in.txt");
            Files.writeString(in, "still here\n");
            Run.Result r = server.append(other, in);
            assertEquals(0, r.exit(), r::toString);
            assertEquals("still here", HostRecords.read(server.data(), "web02").get(0).text());
            assertEquals(0, server.cli("verify").exit());
        }
    }

    private static void awaitNoAckThread() throws Exception {
        // By what threads run, not by the sshd-append-log-ack- names no thread has any more.
        loghost.testing.CommandThreads.awaitNoneInThisJvm();
    }

    // What the log holds for the fuzzed host: per stream and cseq, the frame's records as "type:message|...".
    private static Map<String, String> stored(Path data) throws Exception {
        Map<String, String> out = new LinkedHashMap<>();
        for (HostRecords.Rec rec : HostRecords.read(data, "web01")) {
            Matcher m = META_C.matcher(rec.meta());
            assertTrue(m.find(), rec.meta());
            out.merge(m.group(1) + ":" + m.group(2), rec.type() + ":" + hex(rec.message()), (a, b) -> a + "|" + b);
        }
        return out;
    }

    private static String hex(byte[] b) {
        return java.util.HexFormat.of().formatHex(b);
    }

    /** One frame as sent: the kind, cseq and payload it claims, and whether the bytes are a whole valid frame. */
    private record Sent(byte kind, long cseq, byte[] payload, boolean whole) {
    }

    /** One session's frames; a malformed one, if any, is the last (the server stops reading there). */
    private record Script(List<Sent> frames, byte[] bytes) {

        static Script random(Random rnd, long streamLast) throws IOException {
            List<Sent> frames = new ArrayList<>();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            long prev = rnd.nextInt(4) == 0 ? Math.max(0, streamLast - rnd.nextInt(5)) : streamLast;
            int n = rnd.nextInt(12);
            for (int i = 0; i < n; i++) {
                int dice = rnd.nextInt(100);
                byte kind = switch (rnd.nextInt(10)) {
                    case 0 -> Frames.PART;
                    case 1 -> Frames.MARK;
                    case 2 -> Frames.GAP;
                    default -> Frames.LINE;
                };
                long cseq;
                if (dice < 75) {
                    cseq = prev + 1;
                } else if (dice < 82) {
                    cseq = prev + 2 + rnd.nextInt(1000);
                } else if (dice < 85) {
                    cseq = prev + Frames.MAX_SKIP - 1 + rnd.nextInt(3);
                } else if (dice < 88) {
                    cseq = Math.max(0, prev - rnd.nextInt(3));
                } else if (dice < 90) {
                    cseq = rnd.nextBoolean() ? Long.MAX_VALUE : -1 - rnd.nextInt(5);
                } else if (dice < 93) {
                    kind = (byte) "xawehq\0\377".charAt(rnd.nextInt(8));
                    cseq = prev + 1;
                } else {
                    // A malformed frame: truncated, too large, or shorter than a cseq; it ends the script.
                    byte[] good = frame(Frames.LINE, prev + 1, payload(rnd, Frames.LINE));
                    int cut = switch (dice % 3) {
                        case 0 -> 1 + rnd.nextInt(good.length - 1);
                        case 1 -> -1;
                        default -> -2;
                    };
                    if (cut > 0) {
                        out.write(good, 0, cut);
                    } else if (cut == -1) {
                        int len = Frames.MAX_BODY + 1 + rnd.nextInt(100);
                        out.write(new byte[] {Frames.LINE, (byte) (len >>> 24), (byte) (len >>> 16),
                            (byte) (len >>> 8), (byte) len});
                        out.write(new byte[64]);
                    } else {
                        out.write(new byte[] {Frames.MARK, 0, 0, 0, 3, 1, 2, 3});
                    }
                    frames.add(new Sent(Frames.LINE, prev + 1, null, false));
                    break;
                }
                byte[] payload = payload(rnd, kind);
                out.write(frame(kind, cseq, payload));
                frames.add(new Sent(kind, cseq, payload, true));
                if (cseq > 0) {
                    prev = Math.max(prev, cseq);
                }
            }
            return new Script(frames, out.toByteArray());
        }

        private static byte[] payload(Random rnd, byte kind) {
            int len = switch (rnd.nextInt(20)) {
                case 0 -> 0;
                case 1 -> MAX_LINE;
                case 2 -> MAX_LINE * (2 + rnd.nextInt(3)) + rnd.nextInt(3);
                case 3 -> kind == Frames.MARK || kind == Frames.GAP ? Frames.MAX_TEXT + rnd.nextInt(2) : 70_000;
                default -> rnd.nextInt(120);
            };
            byte[] b = new byte[len];
            rnd.nextBytes(b);
            return b;
        }

        private static byte[] frame(byte kind, long cseq, byte[] payload) throws IOException {
            ByteArrayOutputStream f = new ByteArrayOutputStream();
            Frames.writeSeq(f, kind, cseq, payload, 0, payload.length);
            return f.toByteArray();
        }

        @Override
        public String toString() {
            List<String> d = new ArrayList<>();
            for (Sent s : frames) {
                d.add(s.whole() ? (char) (s.kind() & 0xff) + "" + Long.toUnsignedString(s.cseq()) + "/"
                        + s.payload().length : "malformed");
            }
            return d.toString();
        }
    }

    /** The rules of docs/PROTOCOL.md, "Acknowledged mode", written down a second time, independently. */
    private static final class Model {
        record Outcome(int exit, long ack) {
        }

        private final Map<String, Long> last = new HashMap<>();
        private final Map<String, String> stored = new LinkedHashMap<>();

        long last(String stream) {
            return last.getOrDefault(stream, 0L);
        }

        Map<String, String> storedText() {
            return stored;
        }

        Outcome apply(String stream, Script script) {
            long prev = 0;
            long ack = 0;
            for (Sent s : script.frames()) {
                boolean valid = s.whole()
                        && (s.kind() == Frames.LINE || s.kind() == Frames.PART || s.kind() == Frames.MARK
                            || s.kind() == Frames.GAP)
                        && s.cseq() > 0 && s.cseq() > prev
                        && s.cseq() - Math.max(prev, last(stream)) <= Frames.MAX_SKIP
                        && (s.kind() == Frames.LINE || s.kind() == Frames.PART
                            || s.payload().length <= Frames.MAX_TEXT);
                if (!valid) {
                    return new Outcome(65, ack);
                }
                prev = s.cseq();
                ack = s.cseq();
                if (s.cseq() > last(stream)) {
                    last.put(stream, s.cseq());
                    stored.put(stream + ":" + s.cseq(), records(s));
                }
            }
            return new Outcome(0, ack);
        }

        private static String records(Sent s) {
            byte[] p = s.payload();
            if (s.kind() == Frames.MARK || s.kind() == Frames.GAP) {
                return (s.kind() == Frames.MARK ? "mark:" : "gap:") + hex(p);
            }
            List<String> r = new ArrayList<>();
            int off = 0;
            int len = p.length;
            while (len > MAX_LINE) {
                r.add("cont:" + hex(java.util.Arrays.copyOfRange(p, off, off + MAX_LINE)));
                off += MAX_LINE;
                len -= MAX_LINE;
            }
            r.add((s.kind() == Frames.PART ? "cont:" : "log:") + hex(java.util.Arrays.copyOfRange(p, off, p.length)));
            return String.join("|", r);
        }
    }

    @Test
    void aWelcomeCarriesAnyU64TheDocAllows() throws Exception {
        // The forwarder's own parser: a u64 beyond 2^63-1 is above anything a spool numbers (docs/PROTOCOL.md).
        for (String last : List.of("0", "41", "9223372036854775807", "9223372036854775808", "18446744073709551615")) {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            Frames.writeText(b, Frames.WELCOME, "loghost-ack 1 host=web01 last=" + last);
            loghost.forward.Welcome w = loghost.forward.Welcome.parse(
                    Frames.read(new DataInputStream(new ByteArrayInputStream(b.toByteArray()))));
            assertEquals(last, w.lastText());
            assertEquals(new java.math.BigInteger(last).min(java.math.BigInteger.valueOf(Long.MAX_VALUE)).longValue(),
                    w.last(), last);
        }
        for (String last : List.of("18446744073709551616", "123456789012345678901", "-1", "")) {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            Frames.writeText(b, Frames.WELCOME, "loghost-ack 1 host=web01 last=" + last);
            Frames.Frame f = Frames.read(new DataInputStream(new ByteArrayInputStream(b.toByteArray())));
            loghost.forward.Welcome.Unparseable e = org.junit.jupiter.api.Assertions.assertThrows(
                    loghost.forward.Welcome.Unparseable.class, () -> loghost.forward.Welcome.parse(f), last);
            assertNotNull(e.getMessage());
        }
    }
}
