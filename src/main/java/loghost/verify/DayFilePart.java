package loghost.verify;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import loghost.store.LineReader;
import loghost.store.RecordView;

/**
 * One part of a large day file checked on its own thread (DayFileParts): lines read, the records that held, its
 * first failure (line within the part), and the seal records the join hands on in file order.
 */
final class DayFilePart {

    /**
     * A record the seal checks must see, in file order: a seal record (message set), or a record after one (or the
     * first of a part) that may start the unsealed tail (message null). {@code line} is within the part;
     * {@code heldBefore} counts the part's records that held before it.
     */
    record SealEvent(long seq, String time, String message, String digestHex, long line, long heldBefore) {
    }

    final VerifyReport counted = new VerifyReport();
    ChainCheck chain;
    boolean firstUnusable;
    long lines;
    String problem;
    long problemLine;
    boolean followSeals;
    final List<SealEvent> sealEvents = new ArrayList<>();
    boolean sealOverflow;
    long startSeq;
    byte[] startDigest;
    int maxSealEvents;

    /** Checks [from, to) of ch: from {@code chain} when set (the first part), else from its own first record. */
    DayFilePart check(FileChannel ch, long from, long to, ChainCheck whole, byte[] dayBytes) {
        RecordView view = new RecordView();
        try (LineReader lines = new LineReader(new FileRegion(ch, from, to), RecordView.MAX_LINE_BYTES)) {
            if (chain == null) {
                // The first record is checked at the join; here it only gives the SEQ and digest to go on from.
                if (!lines.next() || !lines.terminated()
                        || view.parse(lines.line(), lines.length(), whole.algorithm(), whole.version()) != null) {
                    firstUnusable = true;
                    return this;
                }
                this.lines = 1;
                startSeq = view.seq();
                startDigest = view.digest();
                chain = whole.from(startSeq + 1, startDigest, counted);
            }
            MessageDigest md = whole.algorithm().newDigest();
            boolean afterSeal = true; // this part's first record may be the first after a seal, too
            while (lines.next()) {
                this.lines++;
                problem = chain.record(lines, view, md, dayBytes);
                if (problem != null) {
                    problemLine = this.lines;
                    return this;
                }
                if (followSeals) {
                    afterSeal = noteSeal(view, lines.line(), afterSeal, whole);
                }
                chain.held();
            }
            return this;
        } catch (LineReader.LineTooLongException e) {
            if (chain == null) {
                firstUnusable = true;
            } else {
                problem = ChainCheck.tooLong();
                problemLine = ++this.lines;
            }
        } catch (IOException e) {
            if (chain == null) {
                firstUnusable = true;
            } else {
                problem = "cannot be read";
                problemLine = 0;
            }
        }
        return this;
    }

    // Notes a seal record, or the first other record after one; returns whether the next record follows a seal.
    private boolean noteSeal(RecordView view, byte[] line, boolean afterSeal, ChainCheck whole) {
        if (sealOverflow) {
            return false;
        }
        if (sealEvents.size() == maxSealEvents) {
            sealOverflow = true; // the join reads this part's records again instead
            sealEvents.clear();
            return false;
        }
        if (HostSeals.isSeal(view, line)) {
            sealEvents.add(new SealEvent(view.seq(), view.time(), new String(line, view.messageStart(),
                    view.end() - view.messageStart(), StandardCharsets.ISO_8859_1),
                    new String(line, view.digestStart(), 2 * whole.algorithm().length(),
                            StandardCharsets.US_ASCII), lines, counted.records()));
            return true;
        }
        if (afterSeal) {
            sealEvents.add(new SealEvent(view.seq(), view.time(), null, null, lines, counted.records()));
        }
        return false;
    }
}
