package loghost.verify;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import loghost.store.RecordView;

/**
 * One host's seal records as its chain is checked, in order: a running digest and a count, so that memory does
 * not grow with the epochs; where each one is, is found again only for a host that does not match.
 */
final class HostSeals {

    /** A seal record's message (docs/FORMAT.md). */
    static final Pattern EPOCH_MESSAGE = Pattern.compile("epoch=([1-9][0-9]{0,17})");

    final String host;
    final MessageDigest found = ChainCheck.sha256();
    private final long lastEpoch;
    long foundCount;
    long maxEpoch;
    long tailFirstSeq;
    String tailFirstTime;

    /** The seal records of {@code host}, against checkpoints that end at epoch {@code lastEpoch}. */
    HostSeals(String host, long lastEpoch) {
        this.host = host;
        this.lastEpoch = lastEpoch;
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

    /** True when the parsed record {@code v} in {@code line} is a seal record. */
    static boolean isSeal(RecordView v, byte[] line) {
        int t = v.typeStart();
        return v.typeEnd() - t == 4 && line[t] == 's' && line[t + 1] == 'e' && line[t + 2] == 'a' && line[t + 3] == 'l';
    }

    /** A record that held (its digest {@code digestLength} bytes): a seal record, or the first after one. */
    String record(RecordView v, byte[] line, int digestLength) {
        if (isSeal(v, line)) {
            return seal(v.seq(), v.time(),
                    new String(line, v.messageStart(), v.end() - v.messageStart(), StandardCharsets.ISO_8859_1),
                    new String(line, v.digestStart(), 2 * digestLength, StandardCharsets.US_ASCII));
        }
        if (wantsTailStart()) {
            tailStart(v.seq(), v.time());
        }
        return null;
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
            SealedHost.addEntry(found, epoch, seq, digestHex);
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
