package loghost.verify;

import java.nio.file.Path;
import java.util.List;
import loghost.verify.VerifyReport.Kind;

/**
 * For a host whose seal records do not match the checkpoints: the exact first difference between the
 * checkpoints' entries for it and its seal records, both read again side by side.
 */
final class SealMismatch {

    private SealMismatch() {
    }

    /** Reports the first difference ({@code files}: the host's day files as the chain read them, in order). */
    static void report(CheckpointChain checkpoints, String host, String label, long lastSeq, List<Path> files,
                       VerifyReport report) {
        long online = checkpoints.firstOnline().getOrDefault(host, 1L);
        try (CheckpointEntries listed = new CheckpointEntries(checkpoints.sealDir(), checkpoints.lastEpoch(), host);
             SealRecords seals = new SealRecords(files, label, checkpoints.lastEpoch())) {
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
                SealRecords.Seen found = seals.next();
                if (found == null || found.seq() != seq || found.epoch() != epoch
                        || !found.digestHex().equals(e[2])) {
                    if (found != null && found.seq() < seq) {
                        notListed(found, report);
                        return;
                    }
                    report.add(Kind.FAIL, label, 0, "record " + seq + " is not what checkpoint " + epoch + " ("
                            + e[3] + ") sealed: the log was altered after " + lastGood + " and at or before seq "
                            + seq);
                    return;
                }
                lastGood = "seq " + seq + " (sealed intact by checkpoint " + epoch + ")";
            }
            SealRecords.Seen extra = seals.next();
            if (extra != null) {
                notListed(extra, report);
                return;
            }
        }
        report.add(Kind.FAIL, label, 0, "seal records do not match the checkpoints");
    }

    private static void notListed(SealRecords.Seen seal, VerifyReport report) {
        report.add(Kind.FAIL, seal.place(), 0, "seal record at seq " + seal.seq() + " (epoch " + seal.epoch()
                + ") is not in its checkpoint");
    }
}
