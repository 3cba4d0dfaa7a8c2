package loghost.verify;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import loghost.store.Bytes;
import loghost.store.LineReader;
import loghost.store.RecordView;

/**
 * The records of one large day file checked in parts on several threads, joined in file order into exactly the
 * result of checking them one after another. Each part starts at a line start; a part after the first takes its
 * first record's SEQ and stored DIGEST as its starting point, and the join checks that record against the chain
 * as it stands at the end of the part before. A record that holds has the stored digest the next one chains from,
 * so a part whose first record holds was checked from the same state as one thread would have: the first failure
 * in file order, its line number and the count of records that held are the same.
 */
final class DayFileParts {

    /**
     * Bytes of a part per seal event it keeps for the join (an event takes about 200 bytes: 4,096 events for a
     * 16 MiB part). A part with more hands its seal records to the join to read again, so that a file of seal
     * records costs no more memory than any other.
     */
    private static final long BYTES_PER_SEAL_EVENT = 4096;

    private final ExecutorService pool;
    private final long partBytes;
    private final int maxSealEvents;

    /** Parts of about {@code partBytes} bytes, checked on {@code pool}. */
    DayFileParts(ExecutorService pool, long partBytes) {
        this.pool = pool;
        this.partBytes = partBytes;
        this.maxSealEvents = (int) Math.max(1, Math.min(Integer.MAX_VALUE, partBytes / BYTES_PER_SEAL_EVENT));
    }

    /** True when records from {@code start} to {@code size} make at least two parts. */
    boolean worthSplitting(long start, long size) {
        return size - start >= 2 * partBytes;
    }

    /**
     * Checks the records of {@code file} from {@code start} (just after its header, which {@code chain} has
     * checked) to its end, reporting into {@code chain}'s report; false (after reporting it) at the first failure.
     */
    boolean check(ChainCheck chain, Path file, String label, long start, long size, byte[] dayBytes) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
            List<Long> starts = lineStarts(ch, start, size);
            List<Future<DayFilePart>> parts = new ArrayList<>(starts.size());
            for (int i = 0; i < starts.size(); i++) {
                long from = starts.get(i);
                // The last part reads to the end as it is then, as one thread would: a file being appended to.
                long to = i + 1 < starts.size() ? starts.get(i + 1) : Long.MAX_VALUE;
                DayFilePart part = new DayFilePart();
                if (i == 0) {
                    // Copied here: the join moves the chain on while the parts run.
                    part.chain = chain.from(chain.nextSeq(), chain.prev(), part.counted);
                }
                part.followSeals = chain.seals() != null;
                part.maxSealEvents = maxSealEvents;
                parts.add(pool.submit(() -> part.check(ch, from, to, chain, dayBytes)));
            }
            try {
                return join(chain, ch, starts, parts, label, dayBytes);
            } finally {
                for (Future<DayFilePart> f : parts) {
                    if (f != null) {
                        f.cancel(false);
                    }
                }
            }
        } catch (IOException e) {
            return chain.fail(label, 0, "cannot be read");
        }
    }

    // The parts in file order, each joined to the chain as it stands after the one before.
    private static boolean join(ChainCheck chain, FileChannel ch, List<Long> starts, List<Future<DayFilePart>> parts,
            String label, byte[] dayBytes) throws IOException {
        long lineBase = 1; // the header
        MessageDigest md = chain.algorithm().newDigest();
        RecordView view = new RecordView();
        for (int i = 0; i < parts.size(); i++) {
            long joinedSeq = 0;
            byte[] joinedDigest = null;
            if (i > 0) {
                // The part's first record, against the chain as the parts before left it.
                String problem = firstRecord(chain, ch, starts.get(i), view, md, dayBytes);
                if (problem != null) {
                    return chain.fail(label, lineBase + 1, problem);
                }
                joinedSeq = view.seq();
                joinedDigest = view.digest();
                chain.held();
            }
            DayFilePart p = HostsInParallel.result(parts.get(i));
            parts.set(i, null); // joined: its memory goes
            if (i > 0 && !p.firstUnusable
                    && (p.startSeq != joinedSeq || !Arrays.equals(p.startDigest, joinedDigest))) {
                // The part went on from another first record than the one the join checked: the file was
                // rewritten meanwhile, and neither reading saw all of one version of it.
                return chain.fail(label, 0, "cannot be read");
            }
            if (p.sealOverflow && !replaySeals(chain, ch, starts.get(i), i > 0, p, label, lineBase)) {
                return false;
            }
            if (!handOnSealEvents(chain, p, label, lineBase)) {
                return false;
            }
            if (p.firstUnusable) {
                // Its first record held at the join, yet the part could not start from it: the file changed.
                return chain.fail(label, 0, "cannot be read");
            }
            if (p.problem != null) {
                chain.report().addCounts(0, p.counted.records());
                return chain.fail(label, p.problemLine == 0 ? 0 : lineBase + p.problemLine, p.problem);
            }
            chain.report().addCounts(0, p.counted.records());
            chain.continueAs(p.chain);
            lineBase += p.lines;
        }
        return true;
    }

    // The record at `from` (a part's first) checked against the chain as it stands, and handed to the seal checks;
    // its problem, or null (the record is then in `view`, for the caller to move the chain on to).
    private static String firstRecord(ChainCheck chain, FileChannel ch, long from, RecordView view, MessageDigest md,
                                      byte[] dayBytes) throws IOException {
        String problem;
        try (LineReader lines = new LineReader(new FileRegion(ch, from, Long.MAX_VALUE), RecordView.MAX_LINE_BYTES,
                8192)) {
            problem = lines.next() ? chain.record(lines, view, md, dayBytes) : "cannot be read";
            if (problem == null && chain.seals() != null) {
                problem = chain.sealRecord(view, lines.line());
            }
        } catch (LineReader.LineTooLongException e) {
            problem = ChainCheck.tooLong();
        }
        return problem;
    }

    // The part's seal records, and the records after them, handed on in file order as one thread would; false
    // (after the failure, counting the records that held before it) when the seal checks refuse one.
    private static boolean handOnSealEvents(ChainCheck chain, DayFilePart p, String label, long lineBase) {
        for (DayFilePart.SealEvent e : p.sealEvents) {
            if (e.message() == null) {
                if (chain.seals().wantsTailStart()) {
                    chain.seals().tailStart(e.seq(), e.time());
                }
                continue;
            }
            String problem = chain.seals().seal(e.seq(), e.time(), e.message(), e.digestHex());
            if (problem != null) {
                chain.report().addCounts(0, e.heldBefore());
                return chain.fail(label, lineBase + e.line(), problem);
            }
        }
        return true;
    }

    // A part that met more seal records than it keeps events for: its records that held are read again here, on
    // the joining thread, and handed to the seal checks in file order (skipping the part's first record when the
    // join checked it already), with the same failure line and count as the events would have given.
    private static boolean replaySeals(ChainCheck chain, FileChannel ch, long from, boolean skipFirst, DayFilePart p,
                                       String label, long lineBase) throws IOException {
        long held = p.problemLine > 0 ? p.problemLine - 1 : p.lines;
        RecordView view = new RecordView();
        long n = 0;
        long counted = 0;
        try (LineReader lines = new LineReader(new FileRegion(ch, from, Long.MAX_VALUE), RecordView.MAX_LINE_BYTES)) {
            while (n < held && lines.next()) {
                n++;
                if (n == 1 && skipFirst) {
                    continue;
                }
                if (view.parse(lines.line(), lines.length(), chain.algorithm(), chain.version()) != null) {
                    return chain.fail(label, 0, "cannot be read"); // it held a moment ago: the file changed
                }
                String problem = chain.sealRecord(view, lines.line());
                if (problem != null) {
                    chain.report().addCounts(0, counted);
                    return chain.fail(label, lineBase + n, problem);
                }
                counted++;
            }
        } catch (LineReader.LineTooLongException e) {
            return chain.fail(label, 0, "cannot be read");
        }
        return n == held || chain.fail(label, 0, "cannot be read");
    }

    // Where the parts begin: start, then the first line start at or after each further multiple of partBytes.
    private List<Long> lineStarts(FileChannel ch, long start, long size) throws IOException {
        List<Long> starts = new ArrayList<>();
        starts.add(start);
        ByteBuffer window = ByteBuffer.allocate(1 << 16);
        long at = start + partBytes;
        while (size - at >= partBytes / 2) {
            long lineStart = -1;
            long pos = at - 1; // a line starts at `at` when the byte before it is an LF
            while (lineStart < 0 && pos < size) {
                window.clear();
                int n = ch.read(window, pos);
                if (n <= 0) {
                    break;
                }
                int lf = Bytes.indexOfLf(window.array(), 0, n);
                if (lf >= 0) {
                    lineStart = pos + lf + 1;
                } else {
                    pos += n;
                }
            }
            if (lineStart < 0 || size - lineStart < partBytes / 2) {
                break;
            }
            starts.add(lineStart);
            at = lineStart + partBytes;
        }
        return starts;
    }
}
