package loghost.seal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import loghost.store.HostLog;
import loghost.store.LogStore;
import loghost.store.StorageException;
import loghost.store.StoreFiles;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Seals the store as the server runs (docs/FORMAT.md, "Seals and checkpoints"): at the end of each epoch every
 * chain with records since its last seal gets a {@code seal} record, then one checkpoint signed by the epoch's key
 * binds them, names the next epoch's key, and the finished epoch's key is erased from memory and disk.
 * One epoch closes at a time ({@code synchronized}); sessions keep appending meanwhile.
 */
public final class Sealer {

    /** The seal directory under DATA. */
    public static final String DIR = "seal";
    /** The verification key file, {@code DATA/seal.pub}. */
    public static final String PUBLIC_KEY_FILE = "seal.pub";

    private static final Logger LOG = LoggerFactory.getLogger(Sealer.class);

    private final Path dir;
    private final LogStore store;
    private final Clock clock;
    private final SecureRandom random;
    private final CheckpointFiles checkpoints;
    private final List<SealBlock.Entry> pending = new ArrayList<>();
    private final ChainSyncs syncs = new ChainSyncs();
    private SigningKey key;
    private long epoch;
    private String start;
    private String prevHex;
    private boolean closed;
    private WitnessFile witness;

    private Sealer(Path dir, LogStore store, Clock clock, SecureRandom random) {
        this.dir = dir;
        this.store = store;
        this.clock = clock;
        this.random = random;
        this.checkpoints = new CheckpointFiles(dir);
    }

    /**
     * Creates the seal chain under {@code dataDir}: a root key signs the genesis block naming epoch 1's key, the
     * root key is erased, and its public half is written to {@code DATA/seal.pub} and returned. Refused when a
     * seal chain exists.
     */
    public static VerificationKey init(Path dataDir, Clock clock) throws IOException {
        Path dir = dataDir.resolve(DIR);
        if (exists(dataDir)) {
            throw new IOException(dir + " exists: this data directory already has a seal chain");
        }
        if (Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            // An init a crash cut short (no checkpoint file yet): nothing was ever sealed with it; start again.
            StoreFiles.checkPrivateDirectory(dir, "seal directory");
            try (var left = Files.list(dir)) {
                for (Path p : left.toList()) {
                    EpochKeyFile.erase(p);
                }
            }
            LoggerFactory.getLogger(Sealer.class).warn("seal-init-restarted dir={} (an earlier init did not finish)",
                    dir);
        }
        SecureRandom random = new SecureRandom();
        StoreFiles.createPrivateDirectory(dir);
        try (SigningKey root = SigningKey.generate(random); SigningKey first = SigningKey.generate(random)) {
            // The genesis block last: a checkpoint file is what makes the chain exist (exists()), so a crash
            // before it leaves an init that the next one starts again, never a chain without its key files.
            Path pub = dataDir.resolve(PUBLIC_KEY_FILE);
            Files.deleteIfExists(pub);
            StoreFiles.writePrivateFile(pub, (root.publicKey() + "\n").getBytes(StandardCharsets.US_ASCII));
            StoreFiles.syncDirectory(dataDir);
            EpochKeyFile.write(dir.resolve(EpochKeyFile.NAME), 1, first);
            SealBlock genesis = SealBlock.genesis(first.publicKey(), clock.millis(), root);
            new CheckpointFiles(dir).append(genesis);
            return root.publicKey();
        }
    }

    /** True when {@code dataDir} has a seal chain: a seal directory holding a checkpoint file. */
    public static boolean exists(Path dataDir) {
        Path dir = dataDir.resolve(DIR);
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            return false;
        }
        try (var files = Files.list(dir)) {
            return files.anyMatch(p -> CheckpointFiles.NAME.matcher(p.getFileName().toString()).matches());
        } catch (IOException e) {
            return true; // unreadable: treat as there, so that nothing is created over it; open() says why
        }
    }

    /**
     * The newest complete checkpoint (or the genesis block) of {@code dataDir}'s seal chain, read as the server
     * wrote it, signatures unchecked (for {@code loghost status}; {@code verify} checks them); null when none.
     */
    public static SealBlock lastBlock(Path dataDir) throws IOException {
        return CheckpointFiles.lastBlock(dataDir.resolve(DIR));
    }

    /** The verification key written by {@link #init}. */
    public static VerificationKey publicKey(Path dataDir) throws IOException {
        String text = Files.readString(dataDir.resolve(PUBLIC_KEY_FILE), StandardCharsets.US_ASCII).strip();
        return VerificationKey.parse(text);
    }

    /**
     * Opens the seal chain of {@code dataDir} for a server whose chains are all open in {@code store}
     * ({@link LogStore#recoverAll()} first), finishing whatever a crash interrupted: a torn checkpoint is cut,
     * a key rotation completed or undone, and the seal records of an epoch whose checkpoint was never written are
     * found again so that its checkpoint lists them. Fails when the key on disk does not continue the checkpoints.
     */
    public static Sealer open(Path dataDir, LogStore store, Clock clock) throws IOException {
        Path dir = dataDir.resolve(DIR);
        StoreFiles.checkPrivateDirectory(dir, "seal directory");
        Sealer s = new Sealer(dir, store, clock, new SecureRandom());
        SealBlock last = s.checkpoints.lastBlockRepairingTail();
        if (last == null) {
            throw new IOException(dir + ": no genesis block; the seal chain cannot be continued");
        }
        EpochKeyFile.Stored current = currentKey(dir, last);
        s.key = current.key();
        s.epoch = current.epoch();
        s.start = last.end();
        s.prevHex = last.digestHex();
        String day = SealIntent.resume(dir, s.epoch);
        if (day != null) {
            s.pending.addAll(SealScan.sealsOfEpoch(store, s.epoch, day));
            LOG.warn("seal-recovered epoch={} seals={} (the server stopped while sealing this epoch)",
                    s.epoch, s.pending.size());
        }
        return s;
    }

    // The key of the epoch after the block `last`, once a key rotation a crash interrupted is completed (the
    // checkpoint naming the next key was written) or undone; fails when it does not continue the checkpoints.
    private static EpochKeyFile.Stored currentKey(Path dir, SealBlock last) throws IOException {
        long lastEpoch = last.kind() == SealBlock.Kind.GENESIS ? 0 : last.epoch();
        Path keyFile = dir.resolve(EpochKeyFile.NAME);
        Path nextFile = dir.resolve(EpochKeyFile.NEXT);
        if (Files.exists(nextFile, LinkOption.NOFOLLOW_LINKS)) {
            EpochKeyFile.Stored next = EpochKeyFile.read(nextFile);
            if (next != null && next.epoch() == lastEpoch + 1 && next.key().publicKey().equals(last.key())) {
                // The checkpoint naming it was written: finish the rotation.
                next.key().erase();
                EpochKeyFile.replace(keyFile, nextFile);
            } else {
                if (next != null) {
                    next.key().erase();
                }
                EpochKeyFile.erase(nextFile);
            }
        }
        if (!Files.exists(keyFile, LinkOption.NOFOLLOW_LINKS)) {
            throw new IOException(keyFile + " is missing: the seal chain cannot be continued (docs/FORMAT.md,"
                    + " \"Seals and checkpoints\")");
        }
        EpochKeyFile.Stored current = EpochKeyFile.read(keyFile);
        if (current == null || current.epoch() != lastEpoch + 1 || !current.key().publicKey().equals(last.key())) {
            if (current != null) {
                current.key().erase();
            }
            throw new IOException(keyFile + " does not continue the checkpoints (they end at epoch " + lastEpoch
                    + "): the seal chain cannot be continued");
        }
        return current;
    }

    /** After each checkpoint, appends its witness line to {@code file} (docs/FORMAT.md, "Witness lines"). */
    public synchronized void witnessTo(Path file) throws IOException {
        VerificationKey root = publicKey(dir.getParent());
        this.witness = new WitnessFile(file, root);
    }

    /** The data directory this sealer seals. */
    public Path dataDir() {
        return dir.getParent();
    }

    /** The epoch now open (sealed by its checkpoint when it ends). */
    public synchronized long epoch() {
        return epoch;
    }

    /**
     * Ends the open epoch now: seal records, checkpoint, key rotation and erasure. A failure (a full disk) is
     * thrown after undoing the key rotation; the epoch stays open, and the seal records already written are
     * listed by its checkpoint when a later attempt succeeds.
     */
    public synchronized void closeEpoch() throws IOException {
        if (closed) {
            throw new IllegalStateException("sealer closed");
        }
        // An epoch never ends before it started: a clock stepped back (NTP) stamps the checkpoint, and the seal
        // records it lists, with the previous end, so that ends only grow and verify can refuse any that do not.
        long now = Math.max(clock.millis(), SealBlock.instant(start).toEpochMilli());
        String end = SealBlock.time(now);
        // The records a seal covers must be on disk before the checkpoint that binds them: a chain whose sync
        // failed is not sealed this epoch.
        List<HostLog> changed = syncs.syncAll(unsealedLogs());
        if (!changed.isEmpty()) {
            SealIntent.writeIfAbsent(dir, epoch, end.substring(0, 10));
        }
        syncs.syncAll(sealRecords(changed, now));
        Path nextFile = dir.resolve(EpochKeyFile.NEXT);
        try (SigningKey next = SigningKey.generate(random)) {
            EpochKeyFile.write(nextFile, epoch + 1, next);
            SealBlock block = SealBlock.checkpoint(epoch, start, end, prevHex, next.publicKey(), pending, key);
            try {
                checkpoints.append(block);
            } catch (IOException e) {
                EpochKeyFile.erase(nextFile);
                throw e;
            }
            long sealedEpoch = moveOn(next, block, end);
            rotateKeyFiles(nextFile, sealedEpoch);
            if (witness != null) {
                witness(block, sealedEpoch);
            }
        }
    }

    // The chains with records since their last seal.
    private List<HostLog> unsealedLogs() {
        List<HostLog> changed = new ArrayList<>();
        for (HostLog log : store.openLogs()) {
            if (log.unsealed()) {
                changed.add(log);
            }
        }
        return changed;
    }

    // A seal record of the open epoch at the end of each chain, listed for its checkpoint; returns the chains
    // sealed (a chain that fails is logged and stays unsealed until a later epoch).
    private List<HostLog> sealRecords(List<HostLog> changed, long now) {
        List<HostLog> sealed = new ArrayList<>();
        for (HostLog log : changed) {
            try {
                HostLog.SealPoint p = log.seal(epoch, now);
                if (p != null) {
                    pending.add(new SealBlock.Entry(log.host(), p.seq(), p.digestHex()));
                    sealed.add(log);
                }
            } catch (StorageException e) {
                LOG.error("seal-failed host={} epoch={} reason=\"{}\" (its records stay unsealed until a later epoch)",
                        log.host(), epoch, e.getMessage());
            }
        }
        return sealed;
    }

    // Committed: the epoch is over whatever happens next. In memory it moves on at once, so that a failure
    // below can never make this sealer sign a second checkpoint of the same epoch. Returns the epoch sealed.
    private long moveOn(SigningKey next, SealBlock block, String end) {
        key.erase();
        key = SigningKey.fromSeed(next.seedCopy());
        long sealedEpoch = epoch;
        int sealedHosts = pending.size();
        epoch++;
        start = end;
        prevHex = block.digestHex();
        pending.clear();
        LOG.info("sealed epoch={} hosts={} end={}", sealedEpoch, sealedHosts, end);
        return sealedEpoch;
    }

    // On disk the old key only has to go: overwrite it, then put the next one in its place. Should that fail
    // (a full disk), the files are as after a crash at this point, which the next start completes.
    private void rotateKeyFiles(Path nextFile, long sealedEpoch) {
        try {
            EpochKeyFile.replace(dir.resolve(EpochKeyFile.NAME), nextFile);
            SealIntent.remove(dir);
            StoreFiles.syncDirectory(dir);
        } catch (IOException e) {
            LOG.error("seal-key-rotation-failed epoch={} reason=\"{}\": the key of the finished epoch may still"
                    + " be on disk until the next start completes the rotation", sealedEpoch, e.getMessage());
        }
    }

    // After the commit: a witness line names only a checkpoint that exists. Its failure does not undo the seal;
    // the next line is written at the next epoch (the witness then misses this one).
    private void witness(SealBlock block, long sealedEpoch) {
        try {
            witness.append(block);
        } catch (IOException e) {
            LOG.error("witness-write-failed epoch={} file={} reason=\"{}\"", sealedEpoch, witness.file(),
                    e.getMessage());
        }
    }

    /** Ends the open epoch (a clean shutdown) and erases the key from memory; the sealer cannot be used after. */
    public synchronized void close() throws IOException {
        if (closed) {
            return;
        }
        try {
            closeEpoch();
        } finally {
            closed = true;
            key.erase();
            syncs.shutdown();
        }
    }

    /** Milliseconds from {@code now} to the next epoch boundary: epochs end at multiples of {@code length}. */
    public static long millisToBoundary(long now, Duration length) {
        long l = length.toMillis();
        return l - Math.floorMod(now, l);
    }

    /** For tests: runs {@code action} with the current key (to check it is the one on disk), never exposing it. */
    synchronized void withKey(Consumer<VerificationKey> action) {
        action.accept(key.publicKey());
    }
}
