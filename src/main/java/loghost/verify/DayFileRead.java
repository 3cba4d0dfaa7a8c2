package loghost.verify;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.time.LocalDate;
import java.util.HexFormat;
import java.util.zip.ZipException;
import loghost.store.LineReader;
import loghost.store.OneMemberGzip;
import loghost.store.RecordView;

/**
 * One day file read through a {@link ChainCheck} (docs/FORMAT.md, "Verifying"): plain, or decompressed while read
 * with the SHA-256 of its bytes as stored; its header, then record by record on this thread (each record that
 * holds handed on to the receipts and seal checks), or a large plain file in parts ({@link DayFileParts}).
 */
final class DayFileRead {

    private final ChainCheck chain;
    private final String label;
    private final byte[] dayBytes;
    private long lineNo;

    private DayFileRead(ChainCheck chain, String label, LocalDate day) {
        this.chain = chain;
        this.label = label;
        this.dayBytes = day.toString().getBytes(StandardCharsets.US_ASCII);
    }

    /**
     * Checks {@code file} of {@code day} (gzip when {@code compressed}, its size and SHA-256 as stored then handed
     * to {@link ChainCheck#stored}); false (after reporting the failure) when the chain breaks.
     */
    static boolean check(ChainCheck chain, Path file, String label, LocalDate day, boolean compressed) {
        MessageDigest storedSha = compressed ? ChainCheck.sha256() : null;
        InputStream raw;
        try {
            raw = Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS);
        } catch (IOException e) {
            return chain.fail(label, 0, "cannot be read");
        }
        DayFileRead read = new DayFileRead(chain, label, day);
        try (InputStream counted = compressed ? new DigestInputStream(raw, storedSha) : raw;
             LineReader lines = new LineReader(compressed ? new OneMemberGzip(counted, 1 << 16) : counted,
                     RecordView.MAX_LINE_BYTES)) {
            read.lineNo = 1;
            if (!lines.next()) {
                return chain.fail(label, 1, "no header line (empty file)");
            }
            String problem = chain.header(lines, day);
            if (problem != null) {
                return chain.fail(label, 1, problem);
            }
            if (!compressed && chain.receipts() == null && chain.parts() != null) {
                Boolean inParts = read.inParts(lines, file);
                if (inParts != null) {
                    return inParts;
                }
            }
            if (!read.records(lines)) {
                return false;
            }
            if (compressed) {
                drain(counted);
                chain.stored(Files.size(file), HexFormat.of().formatHex(storedSha.digest()));
            }
            return true;
        } catch (LineReader.LineTooLongException e) {
            return chain.fail(label, read.lineNo, ChainCheck.tooLong());
        } catch (ZipException | EOFException e) {
            return chain.fail(label, 0, compressed ? "not a valid gzip file" : "cannot be read");
        } catch (IOException e) {
            return chain.fail(label, 0, "cannot be read");
        }
    }

    // A large plain file of a chain with no receipts to follow record by record: its records are checked in
    // parts on several threads and joined in file order (DayFileParts), with the same result. Whether it held, or
    // null when the file is too small to be worth splitting.
    private Boolean inParts(LineReader lines, Path file) throws IOException {
        long recordsStart = lines.length() + 1L;
        long size = Files.size(file);
        if (!chain.parts().worthSplitting(recordsStart, size)) {
            return null;
        }
        lines.close();
        if (!chain.parts().check(chain, file, label, recordsStart, size, dayBytes)) {
            return false;
        }
        chain.dayDone(dayBytes);
        return true;
    }

    // Every record after the header, on this thread; false (after the failure) when one does not hold.
    private boolean records(LineReader lines) throws IOException, LineReader.LineTooLongException {
        MessageDigest md = chain.algorithm().newDigest();
        RecordView view = new RecordView();
        while (true) {
            lineNo++;
            if (!lines.next()) {
                chain.dayDone(dayBytes);
                return true;
            }
            String problem = chain.record(lines, view, md, dayBytes);
            if (problem == null) {
                problem = handOn(view, lines.line());
            }
            if (problem != null) {
                return chain.fail(label, lineNo, problem);
            }
            chain.held();
        }
    }

    // A record that held, to the receipts that name it and to the seal checks; their problem with it, or null.
    private String handOn(RecordView view, byte[] line) {
        ReceiptCheck.Chain receipts = chain.receipts();
        if (receipts != null && receipts.next >= 0 && view.seq() >= receipts.next) {
            String problem = receipts.at(view.seq(), new String(line, view.digestStart(),
                    2 * chain.algorithm().length(), StandardCharsets.US_ASCII), label);
            if (problem != null) {
                return problem;
            }
        }
        return chain.seals() == null ? null : chain.sealRecord(view, line);
    }

    /** Reads what the decompressor left (normally nothing), so that the SHA-256 covers every stored byte. */
    static void drain(InputStream raw) throws IOException {
        byte[] buf = new byte[1 << 16];
        while (raw.read(buf) >= 0) {
            // each byte read is digested by the stream itself
        }
    }
}
