package loghost.verify;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import loghost.seal.SealBlock;
import loghost.seal.VerificationKey;
import loghost.store.LineReader;
import loghost.verify.VerifyReport.Kind;

/**
 * The checkpoint files of {@code DATA/seal}, read once and checked block by block from the genesis block on
 * (docs/FORMAT.md, "Verifying seals"): what they list per host (a running digest of its entries) and where the
 * chain of blocks ends.
 */
final class CheckpointChain {

    private static final String INVALID_KEY = "not a valid Ed25519 public key";
    private static final Set<String> SEAL_DIR_FILES = Set.of("epoch.key", "epoch.key.new", "sealing");

    private final Path sealDir;
    private final VerificationKey key;
    private final VerifyReport report;
    private final Map<String, SealedHost> byHost = new TreeMap<>();
    private Map<String, Long> firstOnline = Map.of();
    private WitnessCheck witness;
    // Carried from block to block across files.
    private int blocks;
    private VerificationKey nextKey;
    private String prevHex;
    private long lastEpoch;
    private String lastEnd;
    private String lastFile;
    private String genesisTime;

    /** The checkpoints in {@code sealDir}, checked against {@code key}. */
    CheckpointChain(Path sealDir, VerificationKey key, VerifyReport report) {
        this.sealDir = sealDir;
        this.key = key;
        this.report = report;
    }

    /**
     * Reads and checks every checkpoint file (and, with {@code witness}, each checkpoint against its witness
     * line); false when no block holds, so that nothing can be checked against them.
     */
    boolean read(WitnessCheck witness) {
        this.witness = witness;
        List<String> files = fileNames();
        if (files == null) {
            return false;
        }
        firstOnline = FirstOnlineSeq.ofEveryHost(sealDir.resolveSibling("hosts"));
        for (int i = 0; i < files.size(); i++) {
            if (!readFile(files.get(i), i == files.size() - 1)) {
                break;
            }
        }
        if (witness != null) {
            witness.finish(lastEpoch);
        }
        return blocks > 0;
    }

    // Every entry of the seal directory checked; its checkpoint files in name order, or null after a failure.
    private List<String> fileNames() {
        if (!StoreEntries.entryUsable(sealDir, "seal", true, report)) {
            return null;
        }
        List<String> names = StoreEntries.sortedNames(sealDir, "seal", report);
        if (names == null) {
            return null;
        }
        List<String> files = new ArrayList<>();
        for (String name : names) {
            String label = "seal/" + Verifier.printable(name);
            if (!SEAL_DIR_FILES.contains(name) && !name.matches("[0-9]{4}-[0-9]{2}-[0-9]{2}\\.ckpt")) {
                report.add(Kind.FAIL, label, 0, "unexpected entry in seal directory");
                return null;
            }
            if (!StoreEntries.entryUsable(sealDir.resolve(name), label, false, report)) {
                return null;
            }
            if (name.endsWith(".ckpt")) {
                if (!StoreEntries.realDate(name.substring(0, 10))) {
                    report.add(Kind.FAIL, label, 0, "file name is not a real date");
                    return null;
                }
                files.add(name);
            }
        }
        if (files.isEmpty()) {
            report.add(Kind.FAIL, "seal", 0, "no checkpoint file (the genesis block is missing)");
            return null;
        }
        return files;
    }

    // One checkpoint file, block by block; false when reading ends here (after a failure, or a crash's torn end).
    private boolean readFile(String name, boolean newest) {
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
                    return tornOrFail(label, lineNo, newest && blocks > 0, "incomplete final line");
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
                String problem = block(b, name, firstOfFile);
                if (problem != null) {
                    return fail(label, blockLine, problem);
                }
                noteEndBeforeStart(b, label, blockLine);
                firstOfFile = false;
                lastFile = label;
            }
            return fileEnd(label, parser.inBlock(), blockLine, firstOfFile, newest);
        } catch (LineReader.LineTooLongException e) {
            return fail(label, lineNo + 1, "line too long for a checkpoint file");
        } catch (IOException e) {
            return fail(label, 0, "cannot be read");
        }
    }

    // A checkpoint whose end is before its start.
    private void noteEndBeforeStart(SealBlock b, String label, long blockLine) {
        if (b.kind() == SealBlock.Kind.CHECKPOINT && b.end().compareTo(b.start()) < 0) {
            // Signed by its epoch's own key, so no forgery of anything sealed: a server older than the
            // clamp whose clock stepped back wrote it, or the holder of that key chose it, which could as
            // well have chosen any later end. Only the block's own times are not to be read as an order.
            report.add(Kind.NOTE, label, blockLine, "checkpoint " + b.epoch() + ": end " + b.end()
                    + " is before its start (a clock stepped back under an older loghost; its times are no"
                    + " order of events)");
        }
    }

    // After a file's last line: a block still open, or no block at all; true when the file held.
    private boolean fileEnd(String label, boolean inBlock, long blockLine, boolean empty, boolean newest) {
        if (inBlock) {
            return tornOrFail(label, blockLine, newest && blocks > 0, "block without its sig line");
        }
        if (empty) {
            // Empty: a crash while the server created the file of a new day, after a block that holds; with
            // none before it, the genesis block is gone, and nothing could be checked against the seals.
            if (newest && blocks > 0) {
                report.add(Kind.NOTE, label, 0, "holds no block (a file a crash left empty), ignored");
                return false;
            }
            return fail(label, 0, "holds no block");
        }
        return true;
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
    private String block(SealBlock b, String fileName, boolean firstOfFile) {
        String day = (b.kind() == SealBlock.Kind.GENESIS ? b.start() : b.end()).substring(0, 10);
        if (firstOfFile && !fileName.startsWith(day)) {
            return "the file's first block is of day " + day + ", the file name says " + fileName.substring(0, 10);
        }
        String problem = blocks == 0 ? genesis(b) : checkpoint(b);
        if (problem != null) {
            return problem;
        }
        blocks++;
        nextKey = b.key();
        prevHex = b.digestHex();
        lastEnd = b.end();
        return null;
    }

    // The first block: the genesis block, signed by the verification key.
    private String genesis(SealBlock b) {
        if (b.kind() != SealBlock.Kind.GENESIS) {
            return "the first block is not the genesis block";
        }
        if (!b.signedBy(key)) {
            return "genesis block not signed by the verification key";
        }
        genesisTime = b.start();
        return null;
    }

    // Every later block: the next epoch's checkpoint, bound to the block before it and signed by the key it named.
    private String checkpoint(SealBlock b) {
        if (b.kind() != SealBlock.Kind.CHECKPOINT) {
            return "a second genesis block";
        }
        if (b.epoch() != lastEpoch + 1) {
            return "checkpoint of epoch " + b.epoch() + " where epoch " + (lastEpoch + 1) + " was due";
        }
        if (!b.prevHex().equals(prevHex)) {
            return "checkpoint " + b.epoch() + ": prev does not match the block before it";
        }
        if (!b.start().equals(lastEnd)) {
            return "checkpoint " + b.epoch() + ": start is not the end of the epoch before it";
        }
        if (!b.signedBy(nextKey)) {
            return "checkpoint " + b.epoch() + ": signature does not verify with epoch " + b.epoch() + "'s key";
        }
        if (witness != null) {
            String differs = witness.checkpoint(b);
            if (differs != null) {
                return differs;
            }
        }
        for (SealBlock.Entry e : b.entries()) {
            boolean online = e.seq() >= firstOnline.getOrDefault(e.host(), 1L);
            byHost.computeIfAbsent(e.host(), h -> new SealedHost()).list(b.epoch(), e.seq(), e.digestHex(), online);
        }
        lastEpoch = b.epoch();
        return null;
    }

    private boolean fail(String label, long line, String reason) {
        report.add(Kind.FAIL, label, line, reason);
        return false;
    }

    /** What the checkpoints list of {@code host}, or null when they name it nowhere. */
    SealedHost host(String host) {
        return byHost.get(host);
    }

    /** Every host the checkpoints name, in name order. */
    Map<String, SealedHost> hosts() {
        return byHost;
    }

    /** Per host, the first SEQ online (entries before it are in files archived or deleted). */
    Map<String, Long> firstOnline() {
        return firstOnline;
    }

    /** The seal directory. */
    Path sealDir() {
        return sealDir;
    }

    /** The epoch of the last checkpoint that holds (0: only the genesis block). */
    long lastEpoch() {
        return lastEpoch;
    }

    /** The end of the last block that holds (the genesis block's time when it is the only one). */
    String lastEnd() {
        return lastEnd;
    }

    /** The file of the last block that holds, as labelled in findings. */
    String lastFile() {
        return lastFile;
    }

    /** The genesis block's {@code time}, or null when it did not hold. */
    String genesisTime() {
        return genesisTime;
    }
}
