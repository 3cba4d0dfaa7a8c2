package loghost.verify;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import loghost.seal.SealBlock;
import loghost.seal.VerificationKey;
import loghost.store.LineReader;
import loghost.store.OneMemberGzip;
import loghost.store.RecordView;
import loghost.verify.VerifyReport.Kind;

/**
 * The seal checks of {@code loghost verify} (docs/FORMAT.md, "Verifying seals"): the checkpoint files against the
 * verification key, then each host's seal records against the checkpoints, then hosts the checkpoints name but the
 * store lacks. The checkpoints are read once, keeping per host only a running digest of its entries; a host whose
 * seal records do not match is read again for the exact finding.
 */
public final class SealCheck {

    private static final Pattern EPOCH_MESSAGE = Pattern.compile("epoch=([1-9][0-9]{0,17})");
    private static final String INVALID_KEY = "not a valid Ed25519 public key";
    private static final Set<String> SEAL_DIR_FILES = Set.of("epoch.key", "epoch.key.new", "sealing");

    private final Path sealDir;
    private final VerificationKey key;
    private final Instant sealedUntil;
    private final VerifyReport report;
    private final Map<String, Sealed> byHost = new TreeMap<>();
    private boolean usable;
    private long lastEpoch;
    private String lastEnd;
    private String lastFile;
    private String genesisTime;
    private String unprovenSince;
    private WitnessCheck witness;
    private Map<String, Long> firstOnline = Map.of();

    /** Per host: what the checkpoints say (a running digest of its entries) and what its chain holds. */
    private static final class Sealed {
        final MessageDigest listed = ChainCheck.sha256();
        long listedCount;
        long offline;
        long lastListedSeq;
        long lastListedEpoch;
        String lastListedEnd;
        boolean seen;
    }

    /**
     * Checks against {@code key}; with {@code sealedUntil}, a host (or the checkpoints) sealed only up to an
     * earlier time fails.
     */
    public SealCheck(Path dataDir, VerificationKey key, Instant sealedUntil, VerifyReport report) {
        this.sealDir = dataDir.resolve("seal");
        this.key = key;
        this.sealedUntil = sealedUntil;
        this.report = report;
    }

    /** Also checks the local checkpoints against the witness lines {@code check} has read. */
    public SealCheck witnessedBy(WitnessCheck check) {
        this.witness = check;
        return this;
    }

    /** Reads and checks every checkpoint file; false when nothing can be checked against them. */
    public boolean readCheckpoints() {
        if (!Verifier.entryUsable(sealDir, "seal", true, report)) {
            return false;
        }
        List<String> names = new ArrayList<>();
        try (var entries = Files.newDirectoryStream(sealDir)) {
            for (Path p : entries) {
                names.add(p.getFileName().toString());
            }
        } catch (IOException | java.nio.file.DirectoryIteratorException e) {
            report.add(Kind.FAIL, "seal", 0, "cannot be read");
            return false;
        }
        names.sort(null);
        List<String> files = new ArrayList<>();
        for (String name : names) {
            String label = "seal/" + Verifier.printable(name);
            if (!SEAL_DIR_FILES.contains(name) && !name.matches("[0-9]{4}-[0-9]{2}-[0-9]{2}\\.ckpt")) {
                report.add(Kind.FAIL, label, 0, "unexpected entry in seal directory");
                return false;
            }
            if (!Verifier.entryUsable(sealDir.resolve(name), label, false, report)) {
                return false;
            }
            if (name.endsWith(".ckpt")) {
                if (!Verifier.realDate(name.substring(0, 10))) {
                    report.add(Kind.FAIL, label, 0, "file name is not a real date");
                    return false;
                }
                files.add(name);
            }
        }
        if (files.isEmpty()) {
            report.add(Kind.FAIL, "seal", 0, "no checkpoint file (the genesis block is missing)");
            return false;
        }
        firstOnline = FirstOnlineSeq.ofEveryHost(sealDir.resolveSibling("hosts"));
        Reading r = new Reading();
        for (int i = 0; i < files.size(); i++) {
            if (!readFile(files.get(i), i == files.size() - 1, r)) {
                break;
            }
        }
        usable = r.blocks > 0;
        if (witness != null) {
            witness.finish(lastEpoch);
        }
        return usable;
    }

    // State carried from block to block across files.
    private final class Reading {
        int blocks;
        VerificationKey next;
        String prevHex;
        String prevEnd;
    }

    private boolean readFile(String name, boolean newest, Reading r) {
        String label = "seal/" + name;
        SealBlock.Parser parser = new SealBlock.Parser();
        long lineNo = 0;
        long blockLine = 1;
        boolean firstOfFile = true;
        try (InputStream in = Files.newInputStream(sealDir.resolve(name), LinkOption.NOFOLLOW_LINKS);
             LineReader lines = new LineReader(in, SealBlock.MAX_LINE)) {
            while (lines.next()) {
                lineNo++;
                if (!lines.terminated()) {
                    return tornOrFail(label, lineNo, newest && r.blocks > 0, "incomplete final line");
                }
                if (!parser.inBlock()) {
                    blockLine = lineNo;
                }
                SealBlock b;
                try {
                    b = parser.line(new String(lines.line(), 0, lines.length(), StandardCharsets.US_ASCII));
                } catch (IllegalArgumentException e) {
                    // The parser checks a block's key (on its first line) only once the sig line completes it:
                    // name the line that holds the key, as for every other line that does not fit the grammar.
                    return fail(label, e.getMessage().equals(INVALID_KEY) ? blockLine : lineNo, e.getMessage());
                }
                if (b == null) {
                    continue;
                }
                String problem = block(b, r, name, firstOfFile);
                if (problem != null) {
                    return fail(label, blockLine, problem);
                }
                if (b.kind() == SealBlock.Kind.CHECKPOINT && b.end().compareTo(b.start()) < 0) {
                    // Signed by its epoch's own key, so no forgery of anything sealed: a server older than the
                    // clamp whose clock stepped back wrote it, or the holder of that key chose it, which could as
                    // well have chosen any later end. Only the block's own times are not to be read as an order.
                    report.add(Kind.NOTE, label, blockLine, "checkpoint " + b.epoch() + ": end " + b.end()
                            + " is before its start (a clock stepped back under an older loghost; its times are no"
                            + " order of events)");
                }
                firstOfFile = false;
                lastFile = label;
            }
            if (parser.inBlock()) {
                return tornOrFail(label, blockLine, newest && r.blocks > 0, "block without its sig line");
            }
            if (firstOfFile) {
                // Empty: a crash while the server created the file of a new day, after a block that holds; with
                // none before it, the genesis block is gone, and nothing could be checked against the seals.
                if (newest && r.blocks > 0) {
                    report.add(Kind.NOTE, label, 0, "holds no block (a file a crash left empty), ignored");
                    return false;
                }
                return fail(label, 0, "holds no block");
            }
            return true;
        } catch (LineReader.LineTooLongException e) {
            return fail(label, lineNo + 1, "line too long for a checkpoint file");
        } catch (IOException e) {
            return fail(label, 0, "cannot be read");
        }
    }

    // A crash while the server appended a block leaves a partial one at the end of the newest file only, and only
    // after a block that holds (the server never runs without the genesis block).
    private boolean tornOrFail(String label, long line, boolean crashPossible, String what) {
        if (crashPossible) {
            report.add(Kind.NOTE, label, line, what + " (a block a crash cut short), ignored");
            return false;
        }
        return fail(label, line, what);
    }

    // The checks of one block, in order; null when it holds.
    private String block(SealBlock b, Reading r, String fileName, boolean firstOfFile) {
        String day = (b.kind() == SealBlock.Kind.GENESIS ? b.start() : b.end()).substring(0, 10);
        if (firstOfFile && !fileName.startsWith(day)) {
            return "the file's first block is of day " + day + ", the file name says " + fileName.substring(0, 10);
        }
        if (r.blocks == 0) {
            if (b.kind() != SealBlock.Kind.GENESIS) {
                return "the first block is not the genesis block";
            }
            if (!b.signedBy(key)) {
                return "genesis block not signed by the verification key";
            }
            genesisTime = b.start();
        } else {
            if (b.kind() != SealBlock.Kind.CHECKPOINT) {
                return "a second genesis block";
            }
            if (b.epoch() != lastEpoch + 1) {
                return "checkpoint of epoch " + b.epoch() + " where epoch " + (lastEpoch + 1) + " was due";
            }
            if (!b.prevHex().equals(r.prevHex)) {
                return "checkpoint " + b.epoch() + ": prev does not match the block before it";
            }
            if (!b.start().equals(r.prevEnd)) {
                return "checkpoint " + b.epoch() + ": start is not the end of the epoch before it";
            }
            if (!b.signedBy(r.next)) {
                return "checkpoint " + b.epoch() + ": signature does not verify with epoch " + b.epoch() + "'s key";
            }
            if (witness != null) {
                String differs = witness.checkpoint(b);
                if (differs != null) {
                    return differs;
                }
            }
            for (SealBlock.Entry e : b.entries()) {
                Sealed s = byHost.computeIfAbsent(e.host(), h -> new Sealed());
                if (e.seq() < firstOnline.getOrDefault(e.host(), 1L)) {
                    // In a file archived or deleted by retention: its chain is checked by loghost archive verify.
                    s.offline++;
                    s.lastListedSeq = e.seq();
                    s.lastListedEpoch = b.epoch();
                    s.lastListedEnd = b.end();
                    continue;
                }
                addEntry(s.listed, b.epoch(), e.seq(), e.digestHex());
                s.listedCount++;
                s.lastListedSeq = e.seq();
                s.lastListedEpoch = b.epoch();
                s.lastListedEnd = b.end();
            }
            lastEpoch = b.epoch();
        }
        r.blocks++;
        r.next = b.key();
        r.prevHex = b.digestHex();
        r.prevEnd = b.end();
        lastEnd = b.end();
        return null;
    }

    private static void addEntry(MessageDigest md, long epoch, long seq, String digestHex) {
        md.update(ByteBuffer.allocate(16).putLong(epoch).putLong(seq).array());
        md.update(digestHex.getBytes(StandardCharsets.US_ASCII));
    }

    private boolean fail(String label, long line, String reason) {
        report.add(Kind.FAIL, label, line, reason);
        return false;
    }

    /** The genesis block's {@code time} when it holds (day files begun since are version 2), else null. */
    String genesisTime() {
        return usable ? genesisTime : null;
    }

    /** The collector ChainCheck feeds with one host's seal records; the host counts as present from now on. */
    Chain forHost(String host) {
        Sealed s = byHost.get(host);
        if (s != null) {
            s.seen = true;
        }
        return new Chain(host);
    }

    /** A seal record met in a chain: its epoch, SEQ, digest, and where it stands ({@code PATH:LINE}). */
    private record Seen(long epoch, long seq, String digestHex, String place) {
    }

    /**
     * One host's seal records as its chain is checked, in order: a running digest and a count, so that memory does
     * not grow with the epochs; where each one is, is found again only for a host that does not match.
     */
    final class Chain {
        final String host;
        final MessageDigest found = ChainCheck.sha256();
        long foundCount;
        long maxEpoch;
        long tailFirstSeq;
        String tailFirstTime;

        Chain(String host) {
            this.host = host;
        }

        /** True while the first record after the last seal record is still to be noted. */
        boolean wantsTailStart() {
            return tailFirstTime == null;
        }

        /** The first record after the last seal record (or the chain's first record). */
        void tailStart(long seq, String time) {
            tailFirstSeq = seq;
            tailFirstTime = time;
        }

        /** A seal record; a problem text when its message or epoch order is wrong, else null. */
        String seal(long seq, String time, String message, String digestHex) {
            Matcher m = EPOCH_MESSAGE.matcher(message);
            if (!m.matches()) {
                return "seal record message is not epoch=N";
            }
            long epoch = Long.parseLong(m.group(1));
            if (epoch < maxEpoch) {
                return "seal record of epoch " + epoch + " after one of epoch " + maxEpoch;
            }
            maxEpoch = epoch;
            if (epoch <= lastEpoch) {
                tailFirstTime = null;
                addEntry(found, epoch, seq, digestHex);
                foundCount++;
            } else {
                // Its checkpoint is not written yet (the epoch is open, or a crash interrupted its sealing): the
                // records it covers count as not sealed.
                if (tailFirstTime == null) {
                    tailStart(seq, time);
                }
            }
            return null;
        }
    }

    /**
     * After a host's chain held to its end: its seal records against the checkpoints, the unsealed tail, and the
     * time up to which the host's log is sealed. {@code lastSeq} is the chain's last SEQ.
     */
    void hostDone(Chain c, String label, long lastSeq, List<Path> files, VerifyReport report) {
        Sealed s = byHost.get(c.host);
        if (!usable) {
            return;
        }
        long listedCount = s == null ? 0 : s.listedCount;
        byte[] listed = s == null ? ChainCheck.sha256().digest() : s.listed.digest();
        byte[] found = c.found.digest();
        if (listedCount != c.foundCount || !Arrays.equals(listed, found)) {
            diagnose(c, label, lastSeq, files, report);
            return;
        }
        String until;
        boolean tail = c.tailFirstTime != null && lastSeq >= c.tailFirstSeq && lastSeq > 0;
        if (!tail) {
            until = lastEnd;
        } else {
            until = c.tailFirstTime.compareTo(lastEnd) < 0 ? c.tailFirstTime : lastEnd;
            report.add(Kind.NOTE, label, 0, (lastSeq == c.tailFirstSeq ? "record " + lastSeq + " is"
                    : "records " + c.tailFirstSeq + "-" + lastSeq + " are") + " not sealed yet ("
                    + (lastEpoch == 0 ? "no checkpoint yet" : "written after checkpoint " + lastEpoch) + ")");
        }
        if (s == null && lastSeq == 0) {
            return;
        }
        if (s != null && s.offline > 0) {
            // Retention's marks in the MANIFEST hold no secret: whoever can write the files can mark days gone.
            report.add(Kind.WARNING, label, 0, s.offline + " seal" + (s.offline == 1 ? "" : "s") + " of records in"
                    + " files not online (archived or deleted by retention, as the MANIFEST says): those records are"
                    + " not proven here; compare with your retention policy, and run loghost archive verify");
        }
        noteUnproven(until);
        report.add(Kind.SEALED, label, 0, "until " + until + (s == null ? "" : " (last sealed seq "
                + s.lastListedSeq + ", checkpoint " + s.lastListedEpoch + ")"));
        if (sealedUntil != null && SealBlock.instant(until).isBefore(sealedUntil)) {
            report.add(Kind.FAIL, label, 0, "sealed only until " + until + ", before --sealed-until "
                    + sealedUntil);
        }
    }

    // Hosts are checked on several threads: the earliest time up to which one is sealed.
    private synchronized void noteUnproven(String until) {
        if (unprovenSince == null || until.compareTo(unprovenSince) < 0) {
            unprovenSince = until;
        }
    }

    // The exact first difference between the checkpoints' entries for this host and its seal records, both read
    // again side by side (files: the host's day files as the chain read them, in order).
    private void diagnose(Chain c, String label, long lastSeq, List<Path> files, VerifyReport report) {
        long online = firstOnline.getOrDefault(c.host, 1L);
        try (Entries listed = new Entries(c.host); SealRecords seals = new SealRecords(files, label)) {
            String lastGood = "the start of the log";
            for (String[] e; (e = listed.next()) != null; ) { // epoch, seq, digest, where
                long epoch = Long.parseLong(e[0]);
                long seq = Long.parseLong(e[1]);
                if (seq < online) {
                    continue;
                }
                if (seq > lastSeq) {
                    report.add(Kind.FAIL, label, 0, "seq " + seq + " sealed by checkpoint " + epoch + " (" + e[3]
                            + ") is missing: the log ends at seq " + lastSeq + " (records were removed after "
                            + lastGood + ")");
                    return;
                }
                Seen found = seals.next();
                if (found == null || found.seq() != seq || found.epoch() != epoch
                        || !found.digestHex().equals(e[2])) {
                    if (found != null && found.seq() < seq) {
                        report.add(Kind.FAIL, found.place(), 0, "seal record at seq " + found.seq()
                                + " (epoch " + found.epoch() + ") is not in its checkpoint");
                        return;
                    }
                    report.add(Kind.FAIL, label, 0, "record " + seq + " is not what checkpoint " + epoch + " ("
                            + e[3] + ") sealed: the log was altered after " + lastGood + " and at or before seq "
                            + seq);
                    return;
                }
                lastGood = "seq " + seq + " (sealed intact by checkpoint " + epoch + ")";
            }
            Seen extra = seals.next();
            if (extra != null) {
                report.add(Kind.FAIL, extra.place(), 0, "seal record at seq " + extra.seq() + " (epoch "
                        + extra.epoch() + ") is not in its checkpoint");
                return;
            }
        }
        report.add(Kind.FAIL, label, 0, "seal records do not match the checkpoints");
    }

    /**
     * Every checkpoint entry of one host, read again one at a time: {epoch, seq, digest, file:line}; null at the
     * end, or where a file cannot be read (the first reading reported it).
     */
    private final class Entries implements AutoCloseable {
        private final String prefix;
        private final List<String> files = new ArrayList<>();
        private int file = -1;
        private LineReader lines;
        private long epoch;
        private long lineNo;

        Entries(String host) {
            this.prefix = host + " ";
            try (var entries = Files.newDirectoryStream(sealDir, "*.ckpt")) {
                entries.forEach(p -> files.add(p.getFileName().toString()));
            } catch (IOException e) {
                files.clear();
            }
            files.sort(null);
        }

        String[] next() {
            try {
                while (true) {
                    if (lines == null || !lines.nextComplete()) {
                        close();
                        if (++file >= files.size()) {
                            return null;
                        }
                        lines = new LineReader(Files.newInputStream(sealDir.resolve(files.get(file)),
                                LinkOption.NOFOLLOW_LINKS), SealBlock.MAX_LINE);
                        epoch = 0;
                        lineNo = 0;
                        continue;
                    }
                    lineNo++;
                    String line = new String(lines.line(), 0, lines.length(), StandardCharsets.US_ASCII);
                    if (line.startsWith("checkpoint v1 epoch=")) {
                        epoch = Long.parseLong(line.substring(20, line.indexOf(' ', 20)));
                        if (epoch > lastEpoch) {
                            file = files.size();
                            return null;
                        }
                    } else if (line.startsWith(prefix) && epoch > 0) {
                        String[] f = line.split(" ");
                        return new String[] {Long.toString(epoch), f[1], f[2], "seal/" + files.get(file) + ":"
                                + lineNo};
                    }
                }
            } catch (IOException | LineReader.LineTooLongException | RuntimeException e) {
                file = files.size();
                return null;
            }
        }

        @Override
        public void close() {
            if (lines != null) {
                try {
                    lines.close();
                } catch (IOException e) {
                    // Read only; nothing was written.
                }
                lines = null;
            }
        }
    }

    /**
     * One host's seal records of sealed epochs, read again from its day files one at a time, with their place
     * ({@code PATH:LINE}); null at the end, or where a file cannot be read. The chain check read these bytes and
     * found every record well-formed, so the fields are taken by their spaces.
     */
    private final class SealRecords implements AutoCloseable {
        private final List<Path> files;
        private final String label;
        private int file = -1;
        private InputStream raw;
        private LineReader lines;
        private long lineNo;

        SealRecords(List<Path> files, String label) {
            this.files = files;
            this.label = label;
        }

        Seen next() {
            try {
                while (true) {
                    if (lines == null || !lines.next()) {
                        close();
                        if (++file >= files.size()) {
                            return null;
                        }
                        Path f = files.get(file);
                        raw = Files.newInputStream(f, LinkOption.NOFOLLOW_LINKS);
                        lines = new LineReader(f.getFileName().toString().endsWith(".gz")
                                ? new OneMemberGzip(raw, 1 << 16) : raw,
                                RecordView.MAX_LINE_BYTES);
                        lineNo = lines.next() ? 1 : 0; // the header
                        continue;
                    }
                    lineNo++;
                    Seen s = sealed(new String(lines.line(), 0, lines.length(), StandardCharsets.ISO_8859_1));
                    if (s != null) {
                        return s;
                    }
                }
            } catch (IOException | LineReader.LineTooLongException | RuntimeException e) {
                close();
                file = files.size();
                return null;
            }
        }

        // SEQ TIME TYPE META DIGEST MESSAGE (docs/FORMAT.md): a seal record of an epoch the checkpoints cover.
        private Seen sealed(String line) {
            String[] f = line.split(" ", 6);
            if (f.length < 6 || !f[2].equals("seal")) {
                return null;
            }
            Matcher m = EPOCH_MESSAGE.matcher(f[5]);
            if (!m.matches() || Long.parseLong(m.group(1)) > lastEpoch) {
                return null;
            }
            return new Seen(Long.parseLong(m.group(1)), Long.parseLong(f[0]), f[4], label + "/"
                    + files.get(file).getFileName() + ":" + lineNo);
        }

        @Override
        public void close() {
            try {
                if (lines != null) {
                    lines.close();
                }
                if (raw != null) {
                    raw.close();
                }
            } catch (IOException e) {
                // Read only; nothing was written.
            }
            lines = null;
            raw = null;
        }
    }

    /**
     * After every host: a host the checkpoints name but whose directory is gone fails (in {@code present} are the
     * hosts checked), and the checkpoints' own end is reported.
     */
    void finish(boolean allHosts) {
        if (!usable) {
            return;
        }
        if (allHosts) {
            for (var e : byHost.entrySet()) {
                if (!e.getValue().seen) {
                    report.add(Kind.FAIL, "hosts/" + e.getKey(), 0, "missing: checkpoint "
                            + e.getValue().lastListedEpoch + " sealed this host up to seq " + e.getValue().lastListedSeq);
                }
            }
        }
        report.add(Kind.SEALED, "seal", 0, lastEpoch == 0
                ? "no checkpoint yet: the genesis block holds, made " + lastEnd + " (" + lastFile + ")"
                : "checkpoints of epochs 1-" + lastEpoch + " hold, the last ending " + lastEnd + " (" + lastFile + ")");
        // The newest epoch is never proven by the files alone: root cutting the newest checkpoint blocks leaves
        // exactly what a server that has not sealed yet leaves. Said on every run, for a check to compare with now.
        String since = unprovenSince != null && unprovenSince.compareTo(lastEnd) < 0 ? unprovenSince : lastEnd;
        report.add(Kind.WARNING, "seal", 0, "unproven since " + since + ": no checkpoint that holds seals what was"
                + " written after it, and a cut of the newest checkpoints looks the same (--sealed-until or --witness"
                + " tell them apart)");
        if (sealedUntil != null && SealBlock.instant(lastEnd).isBefore(sealedUntil)) {
            report.add(Kind.FAIL, "seal", 0, "the checkpoints end at " + lastEnd + ", before --sealed-until "
                    + sealedUntil);
        }
    }
}
