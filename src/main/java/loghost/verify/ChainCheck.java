package loghost.verify;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.DigestException;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.time.LocalDate;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.zip.ZipException;
import loghost.store.DigestAlgorithm;
import loghost.store.FileHeader;
import loghost.store.LineReader;
import loghost.store.OneMemberGzip;
import loghost.store.HostName;
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
    private long fileFirstSeq;
    private long storedSize;
    private String storedSha256;
    private SealCheck.Chain seals;
    private ReceiptCheck.Chain receipts;
    private int filesStarted;
    private byte[] computed;
    private DayFileParts parts;
    private LocalDate v2After;
    private byte[] genesisTime;
    private byte[] previousDay;
    private byte[] futureAfter;
    private long futureSeq;
    private String futureTime;

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
        long lineNo = 0;
        fileFirstSeq = nextSeq;
        MessageDigest storedSha = compressed ? sha256() : null;
        InputStream raw;
        try {
            raw = Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS);
        } catch (IOException e) {
            return fail(label, 0, "cannot be read");
        }
        try (InputStream counted = compressed ? new DigestInputStream(raw, storedSha) : raw;
             LineReader lines = new LineReader(compressed ? new OneMemberGzip(counted, 1 << 16) : counted,
                     RecordView.MAX_LINE_BYTES)) {
            lineNo = 1;
            if (!lines.next()) {
                return fail(label, 1, "no header line (empty file)");
            }
            String problem = header(lines, day);
            if (problem != null) {
                return fail(label, 1, problem);
            }
            byte[] dayBytes = day.toString().getBytes(StandardCharsets.US_ASCII);
            // A large plain file of a chain with no receipts to follow record by record: its records are checked in
            // parts on several threads and joined in file order (DayFileParts), with the same result.
            if (parts != null && !compressed && receipts == null) {
                long recordsStart = lines.length() + 1L;
                long size = Files.size(file);
                if (parts.worthSplitting(recordsStart, size)) {
                    lines.close();
                    if (!parts.check(this, file, label, recordsStart, size, dayBytes)) {
                        return false;
                    }
                    previousDay = dayBytes;
                    return true;
                }
            }
            MessageDigest md = algorithm.newDigest();
            RecordView view = new RecordView();
            while (true) {
                lineNo++;
                if (!lines.next()) {
                    previousDay = dayBytes;
                    if (compressed) {
                        drain(counted);
                        storedSize = Files.size(file);
                        storedSha256 = HexFormat.of().formatHex(storedSha.digest());
                    }
                    return true;
                }
                problem = record(lines, view, md, dayBytes);
                if (problem != null) {
                    return fail(label, lineNo, problem);
                }
                if (receipts != null && receipts.next >= 0 && view.seq() >= receipts.next) {
                    problem = receipts.at(view.seq(), new String(lines.line(), view.digestStart(),
                            2 * algorithm.length(), StandardCharsets.US_ASCII), label);
                    if (problem != null) {
                        return fail(label, lineNo, problem);
                    }
                }
                if (seals != null) {
                    problem = sealRecord(view, lines.line());
                    if (problem != null) {
                        return fail(label, lineNo, problem);
                    }
                }
                held();
            }
        } catch (LineReader.LineTooLongException e) {
            return fail(label, lineNo, tooLong());
        } catch (ZipException | EOFException e) {
            return fail(label, 0, compressed ? "not a valid gzip file" : "cannot be read");
        } catch (IOException e) {
            return fail(label, 0, "cannot be read");
        }
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
        if (futureAfter != null && view.compareTime(futureAfter) > 0 && (futureSeq == 0 || view.seq() < futureSeq)) {
            futureSeq = view.seq();
            futureTime = view.time();
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
        c.fileFirstSeq = fileFirstSeq;
        c.previousDay = previousDay;
        c.futureAfter = futureAfter;
        c.v2After = v2After;
        c.genesisTime = genesisTime;
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
        if (part.futureSeq != 0 && (futureSeq == 0 || part.futureSeq < futureSeq)) {
            futureSeq = part.futureSeq;
            futureTime = part.futureTime;
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

    /** Hands this chain's seal records (and the first record after each) to {@code seals}. */
    void seals(SealCheck.Chain seals) {
        this.seals = seals;
    }

    /** The seal checks this chain hands its records to, or null. */
    SealCheck.Chain seals() {
        return seals;
    }

    /** True when the parsed record {@code v} in {@code line} is a seal record. */
    static boolean isSeal(RecordView v, byte[] line) {
        int t = v.typeStart();
        return v.typeEnd() - t == 4 && line[t] == 's' && line[t + 1] == 'e' && line[t + 2] == 'a' && line[t + 3] == 'l';
    }

    /** Hands a record that held to the seal checks; their problem with it, or null. */
    String sealRecord(RecordView v, byte[] line) {
        if (isSeal(v, line)) {
            return seals.seal(v.seq(), v.time(),
                    new String(line, v.messageStart(), v.end() - v.messageStart(), StandardCharsets.ISO_8859_1),
                    new String(line, v.digestStart(), 2 * algorithm.length(), StandardCharsets.US_ASCII));
        }
        if (seals.wantsTailStart()) {
            seals.tailStart(v.seq(), v.time());
        }
        return null;
    }

    /**
     * The next file continues from a file that is not online (archived or deleted, docs/FORMAT.md "Archive and
     * retention"): from SEQ {@code next} and the digest {@code prevDigest} its manifest entry ends with.
     */
    void continueFrom(long next, byte[] prevDigest, String day) {
        nextSeq = next;
        prev = prevDigest;
        previousDay = day.getBytes(StandardCharsets.US_ASCII);
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

    /** Notes the first record stamped after {@code time} (a TIME text): a record from the future. */
    void futureAfter(String time) {
        this.futureAfter = time.getBytes(StandardCharsets.US_ASCII);
    }

    /** The SEQ of the first record stamped after {@link #futureAfter}, or 0. */
    long futureSeq() {
        return futureSeq;
    }

    /** The TIME of that record. */
    String futureTime() {
        return futureTime;
    }


    /** The first SEQ the current (last checked) file continues from. */
    long fileFirstSeq() {
        return fileFirstSeq;
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

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    // Reads what the decompressor left (normally nothing), so that the SHA-256 covers every stored byte.
    static void drain(InputStream raw) throws IOException {
        byte[] buf = new byte[1 << 16];
        while (raw.read(buf) >= 0) {
            // each byte read is digested by the stream itself
        }
    }

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
        // A day file is started by its first record (a seal record at midnight included), so that record is of the
        // file's day; only a file that held just its header when the clock stepped back gets an earlier one, and
        // then of a day no later than the file before it. A newest file renamed to a later day fails here.
        if (v.seq() == fileFirstSeq && v.compareTimeDay(day) < 0
                && (previousDay == null || v.compareTimeDay(previousDay) > 0)) {
            return "first record is of day " + v.time().substring(0, 10) + ", not of the file's day";
        }
        if (v.seq() == fileFirstSeq && version < 2 && genesisTime != null && v.compareTime(genesisTime) >= 0) {
            return "first record of a version 1 file is not before the seal chain's genesis block ("
                    + new String(genesisTime, StandardCharsets.US_ASCII) + ")";
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

    private String header(LineReader lines, LocalDate day) {
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
        if (h.version() < 2 && v2After != null && h.day().isAfter(v2After)) {
            return "header version v" + h.version() + " on a day after the seal chain's genesis day " + v2After;
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
