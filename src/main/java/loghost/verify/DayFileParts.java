package loghost.verify;

import java.io.IOException;
import java.io.InputStream;
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
            List<Future<Part>> parts = new ArrayList<>(starts.size());
            for (int i = 0; i < starts.size(); i++) {
                long from = starts.get(i);
                // The last part reads to the end as it is then, as one thread would: a file being appended to.
                long to = i + 1 < starts.size() ? starts.get(i + 1) : Long.MAX_VALUE;
                Part part = new Part();
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
                for (Future<Part> f : parts) {
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
    private static boolean join(ChainCheck chain, FileChannel ch, List<Long> starts, List<Future<Part>> parts,
            String label, byte[] dayBytes) throws IOException {
        long lineBase = 1; // the header
        MessageDigest md = chain.algorithm().newDigest();
        RecordView view = new RecordView();
        for (int i = 0; i < parts.size(); i++) {
            long joinedSeq = 0;
            byte[] joinedDigest = null;
            if (i > 0) {
                // The part's first record, against the chain as the parts before left it.
                String problem;
                try (LineReader lines = new LineReader(new Region(ch, starts.get(i), Long.MAX_VALUE),
                        RecordView.MAX_LINE_BYTES, 8192)) {
                    problem = lines.next() ? chain.record(lines, view, md, dayBytes) : "cannot be read";
                    if (problem == null && chain.seals() != null) {
                        problem = chain.sealRecord(view, lines.line());
                    }
                } catch (LineReader.LineTooLongException e) {
                    problem = ChainCheck.tooLong();
                }
                if (problem != null) {
                    return chain.fail(label, lineBase + 1, problem);
                }
                joinedSeq = view.seq();
                joinedDigest = view.digest();
                chain.held();
            }
            Part p = HostsInParallel.result(parts.get(i));
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
            // The part's seal records, and the records after them, handed on in file order as one thread would.
            for (SealEvent e : p.sealEvents) {
                if (e.message == null) {
                    if (chain.seals().wantsTailStart()) {
                        chain.seals().tailStart(e.seq, e.time);
                    }
                    continue;
                }
                String problem = chain.seals().seal(e.seq, e.time, e.message, e.digestHex);
                if (problem != null) {
                    chain.report().addCounts(0, e.heldBefore);
                    return chain.fail(label, lineBase + e.line, problem);
                }
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

    // A part that met more seal records than it keeps events for: its records that held are read again here, on
    // the joining thread, and handed to the seal checks in file order (skipping the part's first record when the
    // join checked it already), with the same failure line and count as the events would have given.
    private static boolean replaySeals(ChainCheck chain, FileChannel ch, long from, boolean skipFirst, Part p,
                                       String label, long lineBase) throws IOException {
        long held = p.problemLine > 0 ? p.problemLine - 1 : p.lines;
        RecordView view = new RecordView();
        long n = 0;
        long counted = 0;
        try (LineReader lines = new LineReader(new Region(ch, from, Long.MAX_VALUE), RecordView.MAX_LINE_BYTES)) {
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

    /** What one part found: lines read, the records that held, and its first failure (line within the part). */
    private static final class Part {
        private final VerifyReport counted = new VerifyReport();
        private ChainCheck chain;
        private boolean firstUnusable;
        private long lines;
        private String problem;
        private long problemLine;
        private boolean followSeals;
        private final List<SealEvent> sealEvents = new ArrayList<>();
        private boolean sealOverflow;
        private long startSeq;
        private byte[] startDigest;
        private int maxSealEvents;

        // Checks [from, to) of ch: from `chain` when set (the first part), else from the part's own first record.
        Part check(FileChannel ch, long from, long to, ChainCheck whole, byte[] dayBytes) {
            RecordView view = new RecordView();
            try (LineReader lines = new LineReader(new Region(ch, from, to), RecordView.MAX_LINE_BYTES)) {
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
            if (ChainCheck.isSeal(view, line)) {
                sealEvents.add(new SealEvent(view.seq(), view.time(), new String(line, view.messageStart(),
                        view.end() - view.messageStart(), java.nio.charset.StandardCharsets.ISO_8859_1),
                        new String(line, view.digestStart(), 2 * whole.algorithm().length(),
                                java.nio.charset.StandardCharsets.US_ASCII), lines, counted.records()));
                return true;
            }
            if (afterSeal) {
                sealEvents.add(new SealEvent(view.seq(), view.time(), null, null, lines, counted.records()));
            }
            return false;
        }
    }

    /**
     * A record the seal checks must see, in file order: a seal record (message set), or a record after one (or the
     * first of a part) that may start the unsealed tail (message null). {@code line} is within the part;
     * {@code heldBefore} counts the part's records that held before it.
     */
    private record SealEvent(long seq, String time, String message, String digestHex, long line, long heldBefore) {
    }

    /** Bytes {@code [from, to)} of a file, read at their position (so that several threads share one channel). */
    private static final class Region extends InputStream {
        private final FileChannel ch;
        private long pos;
        private final long end;

        Region(FileChannel ch, long from, long to) {
            this.ch = ch;
            this.pos = from;
            this.end = to;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (pos >= end) {
                return -1;
            }
            int n = ch.read(ByteBuffer.wrap(b, off, (int) Math.min(len, end - pos)), pos);
            if (n > 0) {
                pos += n;
            }
            return n;
        }

        /** Leaves the shared channel open: the caller closes it once every part is done. */
        @Override
        public void close() {
        }
    }
}
