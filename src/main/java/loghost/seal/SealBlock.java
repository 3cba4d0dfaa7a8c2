package loghost.seal;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import loghost.store.HostName;

/**
 * One block of the checkpoint files (docs/FORMAT.md, "Seals and checkpoints"): the genesis block, signed by the
 * root key, or an epoch's checkpoint, signed by that epoch's key. A block is its body lines then one {@code sig}
 * line; what is signed is {@link #DOMAIN} followed by the body.
 */
public record SealBlock(Kind kind, long epoch, String start, String end, String prevHex, VerificationKey key,
                        List<Entry> entries, byte[] body, byte[] signature) {

    /** The bytes every signature covers before the body: a signature made for anything else never fits. */
    public static final byte[] DOMAIN = "loghost-seal v1\n".getBytes(StandardCharsets.US_ASCII);

    /** Bytes of the longest line a block may hold (a checkpoint's first line is the longest). */
    public static final int MAX_LINE = 4096;

    private static final DateTimeFormatter TIME =
            DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);
    private static final String T = "([0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z)";
    private static final String N = "(0|[1-9][0-9]{0,17})";
    private static final Pattern GENESIS = Pattern.compile("genesis v1 key=(ed25519:[0-9a-f]{64}) time=" + T);
    private static final Pattern CHECKPOINT = Pattern.compile("checkpoint v1 epoch=([1-9][0-9]{0,17}) start=" + T
            + " end=" + T + " prev=([0-9a-f]{64}) next=(ed25519:[0-9a-f]{64}) hosts=" + N);
    private static final Pattern ENTRY = Pattern.compile(
            "([a-z0-9_][a-z0-9._-]{0,62}) ([1-9][0-9]{0,17}) ([0-9a-f]{32}|[0-9a-f]{64}|[0-9a-f]{128})");
    private static final Pattern SIG = Pattern.compile("sig ([0-9a-f]{128})");

    /** The two kinds of block. */
    public enum Kind { GENESIS, CHECKPOINT }

    /** One sealed point: the seal record of {@code host} at {@code seq}, whose chain digest is {@code digestHex}. */
    public record Entry(String host, long seq, String digestHex) {
    }

    /** The genesis block naming epoch 1's key, signed by the root key. */
    static SealBlock genesis(VerificationKey epochOneKey, long millis, SigningKey root) {
        String line = "genesis v1 key=" + epochOneKey + " time=" + time(millis) + "\n";
        byte[] body = line.getBytes(StandardCharsets.US_ASCII);
        return new SealBlock(Kind.GENESIS, 0, time(millis), time(millis), null, epochOneKey, List.of(), body,
                root.sign(signed(body)));
    }

    /**
     * Checkpoint {@code epoch} over {@code entries} (sorted here by host, then seq), chained to the block whose
     * SHA-256 is {@code prevHex}, naming the next epoch's key, signed by this epoch's key.
     */
    static SealBlock checkpoint(long epoch, String start, String end, String prevHex, VerificationKey next,
                                List<Entry> entries, SigningKey epochKey) {
        List<Entry> sorted = new ArrayList<>(entries);
        sorted.sort((a, b) -> a.host.equals(b.host) ? Long.compare(a.seq, b.seq) : a.host.compareTo(b.host));
        StringBuilder s = new StringBuilder();
        s.append("checkpoint v1 epoch=").append(epoch).append(" start=").append(start).append(" end=").append(end)
                .append(" prev=").append(prevHex).append(" next=").append(next).append(" hosts=")
                .append(sorted.size()).append('\n');
        for (Entry e : sorted) {
            s.append(e.host).append(' ').append(e.seq).append(' ').append(e.digestHex).append('\n');
        }
        byte[] body = s.toString().getBytes(StandardCharsets.US_ASCII);
        return new SealBlock(Kind.CHECKPOINT, epoch, start, end, prevHex, next, List.copyOf(sorted), body,
                epochKey.sign(signed(body)));
    }

    /** The block as stored: body, then {@code sig HEX} and LF. */
    public byte[] bytes() {
        byte[] sigLine = ("sig " + HexFormat.of().formatHex(signature) + "\n").getBytes(StandardCharsets.US_ASCII);
        byte[] all = new byte[body.length + sigLine.length];
        System.arraycopy(body, 0, all, 0, body.length);
        System.arraycopy(sigLine, 0, all, body.length, sigLine.length);
        return all;
    }

    /** SHA-256 of {@link #bytes()} in lowercase hex: the next checkpoint's {@code prev}. */
    public String digestHex() {
        return HexFormat.of().formatHex(sha256().digest(bytes()));
    }

    /** True when {@code key} signed this block. */
    public boolean signedBy(VerificationKey key) {
        return key.verifies(signed(body), signature);
    }

    /** The instant a TIME text names (it was checked when the block was parsed). */
    public static Instant instant(String time) {
        return Instant.from(TIME.parse(time));
    }

    /** {@code millis} as a TIME text, {@code YYYY-MM-DDTHH:MM:SS.mmmZ}. */
    public static String time(long millis) {
        return TIME.format(Instant.ofEpochMilli(millis));
    }

    static byte[] signed(byte[] body) {
        byte[] m = new byte[DOMAIN.length + body.length];
        System.arraycopy(DOMAIN, 0, m, 0, DOMAIN.length);
        System.arraycopy(body, 0, m, DOMAIN.length, body.length);
        return m;
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    /**
     * Reads blocks line by line. {@link #line(String)} is given each line without its LF, and returns a block when
     * its {@code sig} line completes one; a malformed line throws {@link IllegalArgumentException}.
     */
    public static final class Parser {
        private final ByteArrayOutputStream body = new ByteArrayOutputStream();
        private final List<Entry> entries = new ArrayList<>();
        private Kind kind;
        private Matcher first;
        private long expectedEntries;

        /** True when a block has begun and not yet ended. */
        public boolean inBlock() {
            return kind != null;
        }

        /** Feeds one line (without LF); returns the block it completes, or null. */
        public SealBlock line(String line) {
            if (kind == null) {
                Matcher g = GENESIS.matcher(line);
                Matcher c = CHECKPOINT.matcher(line);
                if (g.matches()) {
                    kind = Kind.GENESIS;
                    first = g;
                    checkTime(g.group(2));
                } else if (c.matches()) {
                    kind = Kind.CHECKPOINT;
                    first = c;
                    checkTime(c.group(2));
                    checkTime(c.group(3));
                    expectedEntries = Long.parseLong(c.group(6));
                } else {
                    throw new IllegalArgumentException("not the first line of a genesis or checkpoint block");
                }
                append(line);
                return null;
            }
            if (entries.size() < expectedEntries) {
                Matcher e = ENTRY.matcher(line);
                if (!e.matches() || !HostName.isStorable(e.group(1))) {
                    throw new IllegalArgumentException("not a checkpoint entry (HOST SEQ DIGEST)");
                }
                Entry entry = new Entry(e.group(1), Long.parseLong(e.group(2)), e.group(3));
                if (!entries.isEmpty()) {
                    Entry last = entries.get(entries.size() - 1);
                    int order = entry.host.compareTo(last.host);
                    if (order < 0 || order == 0 && entry.seq <= last.seq) {
                        throw new IllegalArgumentException("checkpoint entries out of order");
                    }
                }
                entries.add(entry);
                append(line);
                return null;
            }
            Matcher s = SIG.matcher(line);
            if (!s.matches()) {
                throw new IllegalArgumentException(kind == Kind.GENESIS || expectedEntries == entries.size()
                        ? "expected the sig line" : "not a checkpoint entry (HOST SEQ DIGEST)");
            }
            byte[] sig = HexFormat.of().parseHex(s.group(1));
            SealBlock block = kind == Kind.GENESIS
                    ? new SealBlock(Kind.GENESIS, 0, first.group(2), first.group(2), null,
                            VerificationKey.parse(first.group(1)), List.of(), body.toByteArray(), sig)
                    : new SealBlock(Kind.CHECKPOINT, Long.parseLong(first.group(1)), first.group(2), first.group(3),
                            first.group(4), VerificationKey.parse(first.group(5)), List.copyOf(entries),
                            body.toByteArray(), sig);
            kind = null;
            first = null;
            entries.clear();
            body.reset();
            expectedEntries = 0;
            return block;
        }

        private void append(String line) {
            byte[] b = line.getBytes(StandardCharsets.US_ASCII);
            body.write(b, 0, b.length);
            body.write('\n');
        }

        private static void checkTime(String t) {
            try {
                TIME.parse(t);
                // A real instant: no 2026-02-30, no hour 24 (the formatter resolves leniently otherwise).
                if (!time(instant(t).toEpochMilli()).equals(t)) {
                    throw new IllegalArgumentException("TIME is not a real instant: " + t);
                }
            } catch (DateTimeParseException e) {
                throw new IllegalArgumentException("TIME is not a real instant: " + t);
            }
        }
    }
}
