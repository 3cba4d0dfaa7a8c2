package loghost.journal;

import loghost.store.LineBatch;
import loghost.store.RecordType;

/**
 * How one journal entry becomes records (docs/PROTOCOL.md, "The journal"): one {@code log} record of its line, a
 * {@code cont} record first for each {@code store.max-line} bytes beyond it, all carrying the entry's sequence
 * number as their cseq, and the {@code log} record its kept fields as META items after {@code c=} (docs/FORMAT.md,
 * "Journal entries"). Pull mode ({@code c=pull.j.ID}) and {@code append-log --journal} ({@code c=j.ID}) both.
 */
public final class EntryRecords {

    private EntryRecords() {
    }

    /** Adds {@code entry}'s records to {@code batch} (bound to the entry's stream), numbered {@code seqnum}. */
    public static void add(LineBatch batch, JournalEntry entry, int maxLine, long seqnum) {
        byte[] line = entry.line();
        int off = 0;
        while (line.length - off > maxLine) {
            batch.add(RecordType.CONT, line, off, maxLine, seqnum);
            off += maxLine;
        }
        // The fields go on the log record only: a reader joins the cont records to it, and reads the entry there.
        batch.add(RecordType.LOG, line, off, line.length - off, seqnum, entry.meta());
    }
}
