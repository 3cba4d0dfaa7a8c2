package loghost.verify;

import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import loghost.seal.SealBlock;
import loghost.seal.VerificationKey;
import loghost.verify.VerifyReport.Kind;

/**
 * The seal checks of {@code loghost verify} (docs/FORMAT.md, "Verifying seals"): the checkpoint files against the
 * verification key ({@link CheckpointChain}), then each host's seal records against the checkpoints, then hosts
 * the checkpoints name but the store lacks. The checkpoints are read once, keeping per host only a running digest
 * of its entries; a host whose seal records do not match is read again for the exact finding ({@link SealMismatch}).
 */
public final class SealCheck {

    private final CheckpointChain checkpoints;
    private final Instant sealedUntil;
    private final VerifyReport report;
    private boolean usable;
    private String unprovenSince;
    private WitnessCheck witness;

    /**
     * Checks against {@code key}; with {@code sealedUntil}, a host (or the checkpoints) sealed only up to an
     * earlier time fails.
     */
    public SealCheck(Path dataDir, VerificationKey key, Instant sealedUntil, VerifyReport report) {
        this.checkpoints = new CheckpointChain(dataDir.resolve("seal"), key, report);
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
        usable = checkpoints.read(witness);
        return usable;
    }

    /** The genesis block's {@code time} when it holds (day files begun since are version 2), else null. */
    String genesisTime() {
        return usable ? checkpoints.genesisTime() : null;
    }

    /** The collector ChainCheck feeds with one host's seal records; the host counts as present from now on. */
    HostSeals forHost(String host) {
        SealedHost s = checkpoints.host(host);
        if (s != null) {
            s.seen = true;
        }
        return new HostSeals(host, checkpoints.lastEpoch());
    }

    /**
     * After a host's chain held to its end: its seal records against the checkpoints, the unsealed tail, and the
     * time up to which the host's log is sealed. {@code lastSeq} is the chain's last SEQ.
     */
    void hostDone(HostSeals c, String label, long lastSeq, List<Path> files, VerifyReport report) {
        SealedHost s = checkpoints.host(c.host);
        if (!usable) {
            return;
        }
        long listedCount = s == null ? 0 : s.listedCount;
        byte[] listed = s == null ? ChainCheck.sha256().digest() : s.listed.digest();
        byte[] found = c.found.digest();
        if (listedCount != c.foundCount || !Arrays.equals(listed, found)) {
            SealMismatch.report(checkpoints, c.host, label, lastSeq, files, report);
            return;
        }
        String until = sealedUpTo(c, label, lastSeq, report);
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

    // The time up to which a host whose seal records match is sealed, noting its records not sealed yet.
    private String sealedUpTo(HostSeals c, String label, long lastSeq, VerifyReport report) {
        String lastEnd = checkpoints.lastEnd();
        boolean tail = c.tailFirstTime != null && lastSeq >= c.tailFirstSeq && lastSeq > 0;
        if (!tail) {
            return lastEnd;
        }
        long lastEpoch = checkpoints.lastEpoch();
        report.add(Kind.NOTE, label, 0, (lastSeq == c.tailFirstSeq ? "record " + lastSeq + " is"
                : "records " + c.tailFirstSeq + "-" + lastSeq + " are") + " not sealed yet ("
                + (lastEpoch == 0 ? "no checkpoint yet" : "written after checkpoint " + lastEpoch) + ")");
        return c.tailFirstTime.compareTo(lastEnd) < 0 ? c.tailFirstTime : lastEnd;
    }

    // Hosts are checked on several threads: the earliest time up to which one is sealed.
    private synchronized void noteUnproven(String until) {
        if (unprovenSince == null || until.compareTo(unprovenSince) < 0) {
            unprovenSince = until;
        }
    }

    /**
     * After every host: with {@code allHosts}, a host the checkpoints name but whose directory is gone (not
     * checked) fails; and the checkpoints' own end is reported.
     */
    void finish(boolean allHosts) {
        if (!usable) {
            return;
        }
        if (allHosts) {
            for (var e : checkpoints.hosts().entrySet()) {
                if (!e.getValue().seen) {
                    report.add(Kind.FAIL, "hosts/" + e.getKey(), 0, "missing: checkpoint "
                            + e.getValue().lastListedEpoch + " sealed this host up to seq " + e.getValue().lastListedSeq);
                }
            }
        }
        long lastEpoch = checkpoints.lastEpoch();
        String lastEnd = checkpoints.lastEnd();
        String lastFile = checkpoints.lastFile();
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
