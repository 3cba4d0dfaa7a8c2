package loghost.verify;

import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import loghost.store.FileHeader;
import loghost.store.RecordView;

/**
 * What binds a day file to its place in one host's chain (docs/FORMAT.md, "Verifying"): its first record is of the
 * file's day, and a version 1 file is one begun before the seal chain's genesis block.
 */
final class DayBinding {

    private LocalDate v2After;
    private byte[] genesisTime;
    private byte[] previousDay;
    private long fileFirstSeq;

    /** The same binding, for a part of the file being read (DayFileParts). */
    DayBinding copy() {
        DayBinding b = new DayBinding();
        b.v2After = v2After;
        b.genesisTime = genesisTime;
        b.previousDay = previousDay;
        b.fileFirstSeq = fileFirstSeq;
        return b;
    }

    /**
     * The seal chain began at {@code genesisTime} (null: no seal chain holds). Only a server that writes version 2
     * ever sealed, so a version 1 file is one begun before then: of a day not after the genesis day, and with a first
     * record stamped before it. Anything else is a downgraded header.
     */
    void sealedSince(String genesisTime) {
        this.v2After = genesisTime == null ? null : LocalDate.parse(genesisTime.substring(0, 10));
        this.genesisTime = genesisTime == null ? null : genesisTime.getBytes(StandardCharsets.US_ASCII);
    }

    /** A day file begins: its first record has SEQ {@code firstSeq}. */
    void fileStarts(long firstSeq) {
        fileFirstSeq = firstSeq;
    }

    /** The first SEQ of the current (last checked) file. */
    long fileFirstSeq() {
        return fileFirstSeq;
    }

    /** The file before the next one is of the day {@code dayBytes} ({@code YYYY-MM-DD}). */
    void dayDone(byte[] dayBytes) {
        previousDay = dayBytes;
    }

    /** A version 1 header {@code h} of a day after the genesis day: the problem, else null. */
    String headerProblem(FileHeader h) {
        if (h.version() < 2 && v2After != null && h.day().isAfter(v2After)) {
            return "header version v" + h.version() + " on a day after the seal chain's genesis day " + v2After;
        }
        return null;
    }

    /**
     * The checks of a file's first record {@code v}, of a file of {@code day} in format {@code version}; null for
     * any other record or when it holds.
     */
    String firstRecordProblem(RecordView v, byte[] day, int version) {
        if (v.seq() != fileFirstSeq) {
            return null;
        }
        // A day file is started by its first record (a seal record at midnight included), so that record is of the
        // file's day; only a file that held just its header when the clock stepped back gets an earlier one, and
        // then of a day no later than the file before it. A newest file renamed to a later day fails here.
        if (v.compareTimeDay(day) < 0 && (previousDay == null || v.compareTimeDay(previousDay) > 0)) {
            return "first record is of day " + v.time().substring(0, 10) + ", not of the file's day";
        }
        if (version < 2 && genesisTime != null && v.compareTime(genesisTime) >= 0) {
            return "first record of a version 1 file is not before the seal chain's genesis block ("
                    + new String(genesisTime, StandardCharsets.US_ASCII) + ")";
        }
        return null;
    }
}
