package loghost.verify;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * What the checkpoints say of one host: a running digest of its entries whose records are online, how many of
 * them, how many are in files not online, and its last entry; and whether the store holds the host.
 */
final class SealedHost {

    final MessageDigest listed = ChainCheck.sha256();
    long listedCount;
    long offline;
    long lastListedSeq;
    long lastListedEpoch;
    boolean seen;

    /** One entry of checkpoint {@code epoch}: its record is online, or in a file archived or deleted. */
    void list(long epoch, long seq, String digestHex, boolean online) {
        if (online) {
            addEntry(listed, epoch, seq, digestHex);
            listedCount++;
        } else {
            // In a file archived or deleted by retention: its chain is checked by loghost archive verify.
            offline++;
        }
        lastListedSeq = seq;
        lastListedEpoch = epoch;
    }

    /** Adds one sealed point to a running digest, the same way for the checkpoints' side and the chain's. */
    static void addEntry(MessageDigest md, long epoch, long seq, String digestHex) {
        md.update(ByteBuffer.allocate(16).putLong(epoch).putLong(seq).array());
        md.update(digestHex.getBytes(StandardCharsets.US_ASCII));
    }
}
