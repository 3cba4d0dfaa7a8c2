package loghost.housekeeping;

import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import loghost.store.FileHeader;
import loghost.store.Manifest;
import loghost.store.RecordView;

/**
 * What a manifest entry needs of a closed day file, found while streaming it once: its size and SHA-256, the
 * {@code seq} of its header, and the SEQ and DIGEST of its last record (from where the last two LFs were).
 */
final class DayFileEnds {

    private static final int CHUNK = 1 << 16;

    long size;
    byte[] sha256;
    long headerEnd = -1;
    long lastLf = -1;
    long prevLf = -1;
    FileHeader header;
    long lastSeq;
    String end;

    /** Takes the next {@code n} bytes of the file, in order. */
    void see(byte[] buf, int n) {
        for (int i = 0; i < n; i++) {
            if (buf[i] == '\n') {
                long at = size + i;
                if (headerEnd < 0) {
                    headerEnd = at;
                }
                prevLf = lastLf;
                lastLf = at;
            }
        }
        size += n;
    }

    /** Reads the whole file once. */
    static DayFileEnds scan(Path log) throws IOException {
        DayFileEnds e = new DayFileEnds();
        MessageDigest sha = Manifest.sha256();
        try (InputStream in = Files.newInputStream(log, LinkOption.NOFOLLOW_LINKS)) {
            byte[] buf = new byte[CHUNK];
            int n;
            while ((n = in.read(buf)) > 0) {
                sha.update(buf, 0, n);
                e.see(buf, n);
            }
        }
        e.sha256 = sha.digest();
        e.finish(log);
        return e;
    }

    /** After the last bytes: reads the header and the last line back, refusing a file that does not end whole. */
    void finish(Path log) throws IOException {
        if (headerEnd < 0 || lastLf != size - 1) {
            throw new IOException(log + " does not end with a complete line; run loghost verify");
        }
        try (RandomAccessFile raf = new RandomAccessFile(log.toFile(), "r")) {
            byte[] h = new byte[(int) Math.min(headerEnd, 4096)];
            raf.readFully(h);
            try {
                header = FileHeader.parse(new String(h, StandardCharsets.ISO_8859_1));
            } catch (IllegalArgumentException ex) {
                throw new IOException(log + ": bad header: " + ex.getMessage() + "; run loghost verify", ex);
            }
            if (lastLf == headerEnd) {
                lastSeq = header.firstSeq() - 1;
                end = HexFormat.of().formatHex(header.prevDigest());
                return;
            }
            long start = prevLf + 1;
            if (lastLf - start > RecordView.MAX_LINE_BYTES) {
                throw new IOException(log + ": last line too long; run loghost verify");
            }
            byte[] line = new byte[(int) (lastLf - start)];
            raf.seek(start);
            raf.readFully(line);
            RecordView v = new RecordView();
            String problem = v.parse(line, line.length, header.algorithm(), header.version());
            if (problem != null) {
                throw new IOException(log + ": last record: " + problem + "; run loghost verify");
            }
            lastSeq = v.seq();
            end = new String(line, v.digestStart(), 2 * header.algorithm().length(), StandardCharsets.US_ASCII);
        }
    }

    /** The manifest entry of the file stored as {@code name}. */
    Manifest.Entry entry(String name, Compressor.Stored stored) {
        return new Manifest.Entry(name, stored.size(), stored.sha256(), header.firstSeq(), lastSeq, end, 0);
    }
}
