package loghost.verify;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.DigestException;
import java.security.MessageDigest;
import java.time.LocalDate;
import java.util.Arrays;
import java.util.HexFormat;
import loghost.store.DigestAlgorithm;
import loghost.store.FileHeader;
import loghost.store.HostName;
import loghost.store.LineReader;
import loghost.store.RecordType;
import loghost.store.RecordView;
import loghost.verify.VerifyReport.Kind;

/**
 * One host's chain, checked through its day files in name order: each header against what precedes it, then each
 * record (docs/FORMAT.md, "Verifying", the record checks in the order they are made). Constant memory.
 */
final class ChainCheck {

    private final String host;
    private final boolean auditHost;
    private final VerifyReport report;
    private DigestAlgorithm algorithm;
    private int version;
    private long nextSeq = 1;
    private byte[] prev;
    private long storedSize;
    private String storedSha256;
    private HostSeals seals;
    private ReceiptCheck.Chain receipts;
    private int filesStarted;
    private byte[] computed;
    private DayFileParts parts;
    private DayBinding binding = new DayBinding();
    private FutureRecord future;

    ChainCheck(String host, VerifyReport report) {
        this.host = host;
        this.auditHost = HostName.AUDIT.equals(host);
        this.report = report;
    }

    /**
     * Checks one day file, decompressing it when {@code compressed} (its size and SHA-256 as stored are then
     * {@link #storedSize} and {@link #storedSha256}); false (after reporting the failure) when the chain breaks.
     */
    boolean file(Path file, String label, LocalDate day, boolean compressed) {
        filesStarted++;
        binding.fileStarts(nextSeq);
        return DayFileRead.check(this, file, label, day, compressed);
    }

    /**
     * The checks of the record line {@code lines} holds, against the chain so far (docs/FORMAT.md "Verifying", in
     * the order they are made): null when it holds, its digest then in {@link #computed} until {@link #held()}.
     */
    String record(LineReader lines, RecordView view, MessageDigest md, byte[] dayBytes) {
        if (!lines.terminated()) {
            return "incomplete final line (torn write)";
        }
        String problem = view.parse(lines.line(), lines.length(), algorithm, version);
        if (problem == null) {
            problem = recordProblem(view, dayBytes);
        }
        if (problem != null) {
            return problem;
        }
        md.update(prev);
        view.updateCanonical(md);
        try {
            md.digest(computed, 0, computed.length);
        } catch (DigestException e) {
            throw new IllegalStateException("digest buffer sized for its algorithm", e);
        }
        if (!view.digestEquals(computed)) {
            return "digest mismatch at seq " + view.seq();
        }
        if (future != null) {
            future.note(view);
        }
        return null;
    }

    /** The record just checked held: the chain moves on to it. */
    void held() {
        byte[] swap = prev;
        prev = computed;
        computed = swap;
        nextSeq++;
        report.record();
    }

    /** The reason a line over the bound is reported with. */
    static String tooLong() {
        return "line longer than " + RecordView.MAX_LINE_BYTES + " bytes";
    }

    /** Checks large plain day files in parts on {@code parts}' threads (null: record by record on this one). */
    void parts(DayFileParts parts) {
        this.parts = parts;
    }

    /**
     * A check of the same chain from a record on: same host, algorithm and format version, continuing after SEQ
     * {@code seq - 1} whose digest is {@code prev}, counting into {@code into}.
     */
    ChainCheck from(long seq, byte[] prevDigest, VerifyReport into) {
        ChainCheck c = new ChainCheck(host, into);
        c.algorithm = algorithm;
        c.version = version;
        c.nextSeq = seq;
        c.prev = prevDigest.clone();
        c.computed = new byte[algorithm.length()];
        c.binding = binding.copy();
        c.future = future == null ? null : future.forPart();
        return c;
    }

    /** The SEQ the next record must have. */
    long nextSeq() {
        return nextSeq;
    }

    /** The digest the chain ends with so far. */
    byte[] prev() {
        return prev;
    }

    /** Moves this chain to the end of a part checked by {@code part}, whose records all held. */
    void continueAs(ChainCheck part) {
        nextSeq = part.nextSeq;
        prev = part.prev.clone();
        if (future != null) {
            future.merge(part.future);
        }
    }

    /** The format version of the file being read. */
    int version() {
        return version;
    }

    /** The report this check adds to. */
    VerifyReport report() {
        return report;
    }

    /** The digest algorithm of the chain (known once a header has been read). */
    DigestAlgorithm algorithm() {
        return algorithm;
    }

    /** How many day files this chain check has begun to read. */
    int filesStarted() {
        return filesStarted;
    }

    /** Hands the records that receipts name to {@code receipts}. */
    void receipts(ReceiptCheck.Chain receipts) {
        this.receipts = receipts;
    }

    /** The receipt checks this chain hands its records to, or null. */
    ReceiptCheck.Chain receipts() {
        return receipts;
    }

    /** Where large plain day files are checked in parts, or null. */
    DayFileParts parts() {
        return parts;
    }

    /** A day file held to its end: the next one is checked as following the day {@code dayBytes}. */
    void dayDone(byte[] dayBytes) {
        binding.dayDone(dayBytes);
    }

    /** The size and SHA-256 (lowercase hex) of the compressed day file just checked, as stored. */
    void stored(long size, String sha256Hex) {
        storedSize = size;
        storedSha256 = sha256Hex;
    }

    /** Hands this chain's seal records (and the first record after each) to {@code seals}. */
    void seals(HostSeals seals) {
        this.seals = seals;
    }

    /** The seal checks this chain hands its records to, or null. */
    HostSeals seals() {
        return seals;
    }

    /** Hands a record that held to the seal checks; their problem with it, or null. */
    String sealRecord(RecordView v, byte[] line) {
        return seals.record(v, line, algorithm.length());
    }

    /**
     * The next file continues from a file that is not online (archived or deleted, docs/FORMAT.md "Archive and
     * retention"): from SEQ {@code next} and the digest {@code prevDigest} its manifest entry ends with.
     */
    void continueFrom(long next, byte[] prevDigest, String day) {
        nextSeq = next;
        prev = prevDigest;
        binding.dayDone(day.getBytes(StandardCharsets.US_ASCII));
    }

    /** The seal chain began at {@code genesisTime} (null: no seal chain holds); see {@link DayBinding#sealedSince}. */
    void sealedSince(String genesisTime) {
        binding.sealedSince(genesisTime);
    }

    /** Notes the first record stamped after {@code time} (a TIME text): a record from the future. */
    void futureAfter(String time) {
        this.future = FutureRecord.after(time);
    }

    /** The first record stamped after the time given to {@link #futureAfter}. */
    FutureRecord future() {
        return future;
    }

    /** The first SEQ the current (last checked) file continues from. */
    long fileFirstSeq() {
        return binding.fileFirstSeq();
    }

    /** The SEQ of the last record that held (the file's first SEQ - 1 when it holds none). */
    long lastSeq() {
        return nextSeq - 1;
    }

    /** The digest the chain ends with so far, in lowercase hex. */
    String endHex() {
        return HexFormat.of().formatHex(prev);
    }

    /** Bytes of the last compressed file as stored. */
    long storedSize() {
        return storedSize;
    }

    /** SHA-256 of the last compressed file as stored, in lowercase hex. */
    String storedSha256() {
        return storedSha256;
    }

    /** A new SHA-256 digest. */
    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    /** Reports a failure of this chain; false, for the caller to return. */
    boolean fail(String label, long line, String reason) {
        report.add(Kind.FAIL, label, line, reason);
        return false;
    }

    // The checks after a record's fields are well-formed, in the documented order.
    private String recordProblem(RecordView v, byte[] day) {
        if (v.seq() != nextSeq) {
            return "sequence break: expected seq " + nextSeq + ", found " + v.seq();
        }
        if (v.compareTimeDay(day) > 0) {
            return "TIME is on a later day than the file";
        }
        String firstRecord = binding.firstRecordProblem(v, day, version);
        if (firstRecord != null) {
            return firstRecord;
        }
        RecordType type = v.knownType(); // compared as bytes: no String per record
        boolean audit = type == RecordType.AUDIT;
        boolean markOrGap = type == RecordType.MARK || type == RecordType.GAP;
        boolean sessionType = type == RecordType.LOG || type == RecordType.CONT || markOrGap;
        if (auditHost ? sessionType : audit) {
            return "record type " + v.type() + " does not belong in this host";
        }
        if (audit && !v.noMeta()
                || sessionType && v.session() == 0
                || markOrGap && !v.hasClientSeq()) {
            return "META does not fit record type " + v.type();
        }
        if (v.session() > v.seq()) {
            return "s= is greater than SEQ";
        }
        return null;
    }

    /** The checks of a day file's header line against the chain so far (the chain takes it on); null when it holds. */
    String header(LineReader lines, LocalDate day) {
        if (!lines.terminated()) {
            return "header line has no LF";
        }
        FileHeader h;
        try {
            h = FileHeader.parse(new String(lines.line(), 0, lines.length(), StandardCharsets.ISO_8859_1));
        } catch (IllegalArgumentException e) {
            return e.getMessage();
        }
        if (!h.host().equals(host)) {
            return "header names host " + h.host() + ", directory is " + host;
        }
        if (!h.day().equals(day)) {
            return "header names day " + h.day() + ", file name says " + day;
        }
        String downgraded = binding.headerProblem(h);
        if (downgraded != null) {
            return downgraded;
        }
        if (h.version() < version) {
            return "header version v" + h.version() + " follows a v" + version + " file";
        }
        if (algorithm == null) {
            algorithm = h.algorithm();
            if (prev == null) {
                prev = h.algorithm().genesis(host);
            }
            computed = new byte[algorithm.length()];
        } else if (h.algorithm() != algorithm) {
            return "header names algorithm " + h.algorithm().headerName() + ", the chain uses "
                    + algorithm.headerName();
        }
        if (h.firstSeq() != nextSeq) {
            return "header continues from seq " + h.firstSeq() + ", expected " + nextSeq;
        }
        if (!Arrays.equals(h.prevDigest(), prev)) {
            return "header prev does not match the chain";
        }
        version = h.version();
        return null;
    }
}
