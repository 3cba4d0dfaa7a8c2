package loghost.store;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import loghost.names.DayFileName;
import loghost.names.DestinationName;

/**
 * A host's {@code MANIFEST} (docs/FORMAT.md, "Manifest"): a header line, then two lines per compressed day file,
 * a {@code sha256sum} line and a {@code #} line with its size, seq range, last chain digest and the manifest's own
 * chain digest. {@code sha256sum -c MANIFEST} skips the {@code #} lines, so coreutils alone check the files.
 */
public final class Manifest {

    /** The manifest's file name in a host directory. */
    public static final String NAME = "MANIFEST";

    /** Where a new manifest is written before it is renamed into place. */
    public static final String UNFINISHED = "MANIFEST.tmp";

    private static final String GZ = DayFileName.COMPRESSED_GRAMMAR;
    private static final Pattern SUM_LINE = Pattern.compile("([0-9a-f]{64})  (" + GZ + ")");
    private static final Pattern META_LINE = Pattern.compile("# (" + GZ + ") "
            + "size=(0|[1-9][0-9]{0,18}) seq=([1-9][0-9]{0,17})-(0|[1-9][0-9]{0,17}) "
            + "end=([0-9a-f]{32}|[0-9a-f]{64}|[0-9a-f]{128})( chain=([0-9a-f]{64}))");
    private static final Pattern MARK_LINE = Pattern.compile("# (archived|deleted) "
            + "(" + GZ + ")( to=(" + DestinationName.GRAMMAR + "))?( chain=([0-9a-f]{64}))");
    private static final int MAX_LINE = 512;

    /** One compressed day file as listed: the line number of its {@code sha256sum} line, for findings. */
    public record Entry(String name, long size, String sha256, long firstSeq, long lastSeq, String end, long line) {
    }

    /**
     * A listed file that left the host directory on purpose: archived to destination {@code to}, or (to null)
     * deleted by retention; {@code line} is its line number.
     */
    public record Mark(String name, String to, long line) {
    }

    /**
     * What reading a manifest found: its complete entries (in file order), the first problem and its line (null
     * when none), whether an incomplete last entry (an interrupted append) was left out, the length of the
     * complete part, the chain digest of the last complete entry or mark, and the marks (in file order).
     */
    public record Contents(List<Entry> entries, String problem, long problemLine, boolean torn, long completeLength,
                           byte[] chain, List<Mark> marks) {
        /** True when a mark says {@code name} was archived to {@code to} (or, with {@code to} null, deleted). */
        public boolean marked(String name, String to) {
            return marks.stream().anyMatch(m -> m.name().equals(name) && java.util.Objects.equals(m.to(), to));
        }
    }

    private Manifest() {
    }

    /** The header line of a host's manifest, without LF. */
    public static String header(String host) {
        return "#loghost manifest v1 host=" + host;
    }

    /** The chain digest before the first entry: SHA-256 of {@code "loghost-manifest-genesis HOST"}. */
    public static byte[] genesis(String host) {
        return sha256().digest(("loghost-manifest-genesis " + host).getBytes(StandardCharsets.US_ASCII));
    }

    /** The two lines (each with its LF) listing {@code e} after an entry whose chain digest is {@code prev}. */
    public static String entryLines(Entry e, byte[] prev) {
        String sum = e.sha256() + "  " + e.name() + "\n";
        String meta = "# " + e.name() + " size=" + e.size() + " seq=" + e.firstSeq() + "-" + e.lastSeq()
                + " end=" + e.end();
        return sum + meta + " chain=" + HexFormat.of().formatHex(chain(prev, sum, meta)) + "\n";
    }

    /** The mark line (with its LF) saying {@code name} was archived to {@code to} (null: deleted), after {@code prev}. */
    public static String markLine(String name, String to, byte[] prev) {
        String line = "# " + (to == null ? "deleted " : "archived ") + name + (to == null ? "" : " to=" + to);
        MessageDigest md = sha256();
        md.update(prev);
        return line + " chain=" + HexFormat.of().formatHex(md.digest(line.getBytes(StandardCharsets.US_ASCII))) + "\n";
    }

    /** The chain digest of an entry: SHA-256(previous digest ‖ sha256sum line with LF ‖ # line before " chain="). */
    static byte[] chain(byte[] prev, String sumLineWithLf, String metaWithoutChain) {
        MessageDigest md = sha256();
        md.update(prev);
        md.update(sumLineWithLf.getBytes(StandardCharsets.US_ASCII));
        return md.digest(metaWithoutChain.getBytes(StandardCharsets.US_ASCII));
    }

    /**
     * Reads and checks a manifest (grammar, name order, chain), streaming. An incomplete last entry is not a
     * problem: {@link Contents#torn()} says it was left out.
     */
    public static Contents read(Path file, String host) throws IOException {
        Reading r = new Reading(genesis(host));
        try (InputStream in = Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS)) {
            Lines lines = new Lines(in);
            String first = lines.next();
            if (first == null || !lines.terminated) {
                return r.contents(null, 0, true);
            }
            if (!first.equals(header(host))) {
                return r.contents("malformed manifest header", 1, false);
            }
            r.complete = lines.offset;
            while (true) {
                long lineNo = lines.number + 1;
                String sum = lines.next();
                if (sum == null) {
                    return r.contents(null, 0, false);
                }
                Contents end = sum.startsWith("# archived ") || sum.startsWith("# deleted ")
                        ? r.mark(sum, lineNo, lines) : r.entry(sum, lineNo, lines);
                if (end != null) {
                    return end;
                }
            }
        }
    }

    // What read has found so far: the complete entries and marks, the chain digest after the last and where the
    // complete part ends.
    private static final class Reading {
        private final List<Entry> entries = new ArrayList<>();
        private final List<Mark> marks = new ArrayList<>();
        private byte[] prev;
        private long complete;
        private String lastName = "";

        Reading(byte[] genesis) {
            this.prev = genesis;
        }

        Contents contents(String problem, long problemLine, boolean torn) {
            return new Contents(entries, problem, problemLine, torn, complete, prev, marks);
        }

        // A mark line {@code sum} at {@code lineNo}: null when it is taken, else what read returns.
        Contents mark(String sum, long lineNo, Lines lines) {
            if (!lines.terminated) {
                return contents(null, 0, true);
            }
            Matcher k = MARK_LINE.matcher(sum);
            if (!k.matches() || k.group(1).equals("archived") != (k.group(4) != null)) {
                return contents("malformed manifest mark", lineNo, false);
            }
            MessageDigest md = sha256();
            md.update(prev);
            byte[] chain = md.digest(sum.substring(0, k.start(5)).getBytes(StandardCharsets.US_ASCII));
            if (!Arrays.equals(chain, HexFormat.of().parseHex(k.group(6)))) {
                return contents("manifest chain digest mismatch", lineNo, false);
            }
            String name = k.group(2);
            if (entries.stream().noneMatch(e -> e.name().equals(name)) || contents(null, 0, false).marked(name,
                    k.group(4))) {
                return contents("manifest mark names no file listed above it, or repeats one", lineNo, false);
            }
            marks.add(new Mark(name, k.group(4), lineNo));
            prev = chain;
            complete = lines.offset;
            return null;
        }

        // An entry starting with its sha256sum line {@code sum} at {@code lineNo}: null when it is taken, else what
        // read returns.
        Contents entry(String sum, long lineNo, Lines lines) throws IOException {
            String meta = lines.terminated ? lines.next() : null;
            if (meta == null || !lines.terminated) {
                // Only the end of the file can be unterminated: an append a crash cut short.
                return contents(null, 0, true);
            }
            Matcher s = SUM_LINE.matcher(sum);
            Matcher m = META_LINE.matcher(meta);
            if (!s.matches() || !m.matches() || !m.group(1).equals(s.group(2))) {
                return contents("malformed manifest entry", lineNo, false);
            }
            long firstSeq = Long.parseLong(m.group(3));
            long lastSeq = Long.parseLong(m.group(4));
            if (lastSeq < firstSeq - 1) {
                return contents("malformed manifest entry", lineNo, false);
            }
            byte[] chain = chain(prev, sum + "\n", meta.substring(0, m.start(6)));
            if (!Arrays.equals(chain, HexFormat.of().parseHex(m.group(7)))) {
                return contents("manifest chain digest mismatch", lineNo, false);
            }
            if (s.group(2).compareTo(lastName) <= 0) {
                return contents("manifest entries not in name order", lineNo, false);
            }
            lastName = s.group(2);
            prev = chain;
            complete = lines.offset;
            entries.add(new Entry(s.group(2), Long.parseLong(m.group(2)), s.group(1), firstSeq, lastSeq,
                    m.group(5), lineNo));
            return null;
        }
    }

    /**
     * Appends a mark for {@code name} (archived to {@code to}, or deleted when null) to the host's manifest and
     * forces it; an incomplete last line (an interrupted append) is cut first. Refuses a manifest with a problem.
     */
    public static void appendMark(Path file, String host, String name, String to) throws IOException {
        Contents c = read(file, host);
        if (c.problem() != null) {
            throw new IOException("hosts/" + host + "/" + NAME + ":" + c.problemLine() + ": " + c.problem()
                    + "; run loghost verify");
        }
        if (c.marked(name, to)) {
            return;
        }
        byte[] line = markLine(name, to, c.chain()).getBytes(StandardCharsets.US_ASCII);
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(file,
                java.nio.file.StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS)) {
            ch.truncate(c.completeLength());
            ch.position(c.completeLength());
            java.nio.ByteBuffer bb = java.nio.ByteBuffer.wrap(line);
            while (bb.hasRemaining()) {
                ch.write(bb);
            }
            ch.force(true);
        }
    }

    /** A new SHA-256 digest (every JVM has one), as the manifest's sums use. */
    public static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    // Short ASCII lines; a longer line or a non-ASCII byte makes the line malformed (never a large buffer).
    private static final class Lines {
        private final InputStream in;
        private long offset;
        private long number;
        private boolean terminated;

        Lines(InputStream in) {
            this.in = new java.io.BufferedInputStream(in, 8192);
        }

        String next() throws IOException {
            StringBuilder sb = new StringBuilder();
            terminated = false;
            int b;
            while ((b = read()) != -1) {
                offset++;
                if (b == '\n') {
                    terminated = true;
                    number++;
                    return sb.toString();
                }
                if (sb.length() <= MAX_LINE) {
                    sb.append(b >= 0x20 && b < 0x7f ? (char) b : '\u0000');
                }
            }
            number++;
            return sb.length() == 0 ? null : sb.toString();
        }

        private int read() throws IOException {
            return in.read();
        }
    }
}
