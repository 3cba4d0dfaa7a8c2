package loghost.store;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

/** What {@code loghost status} shows for one host, read from the end of its newest day file; bytes of all as stored. */
public record HostSummary(String host, long records, long bytes, Instant lastRecord, Instant lastHeartbeat,
                          String head) {

    /** Reads the summary of the host whose directory is {@code dir}; records 0 when it has none. */
    public static HostSummary of(Path dir) throws IOException, StorageException {
        String host = dir.getFileName().toString();
        List<Path> files = StoreFiles.dayFiles(dir);
        // Compressed files are closed days: records and times come from the newest .log, which is never compressed.
        long bytes = StoreFiles.storedBytes(dir);
        if (files.isEmpty()) {
            return new HostSummary(host, 0, bytes, null, null, null);
        }
        Path newest = files.get(files.size() - 1);
        try (RandomAccessFile raf = new RandomAccessFile(newest.toFile(), "r")) {
            TailReader.Tail tail = TailReader.read(raf);
            FileHeader header = FileHeader.parse(tail.header());
            if (tail.lastLine() == null) {
                return new HostSummary(host, header.firstSeq() - 1, bytes, null, null, null);
            }
            RecordView v = new RecordView();
            byte[] line = tail.lastLine();
            String problem = v.parse(line, line.length, header.algorithm(), header.version());
            if (problem != null) {
                throw new StorageException(newest + ": last record is malformed (" + problem + ")");
            }
            long seq = v.seq();
            Instant last = Instant.parse(v.time());
            String head = new String(line, v.digestStart(), 2 * header.algorithm().length(), StandardCharsets.US_ASCII);
            return new HostSummary(host, seq, bytes, last, lastMark(raf, header), head);
        }
    }

    // The newest "mark" record of the file, scanning back from its end in blocks.
    private static Instant lastMark(RandomAccessFile raf, FileHeader header) throws IOException {
        long end = raf.length();
        byte[] carry = new byte[0];
        RecordView v = new RecordView();
        while (end > 0) {
            int n = (int) Math.min(1 << 20, end);
            byte[] block = new byte[n + carry.length];
            raf.seek(end - n);
            raf.readFully(block, 0, n);
            System.arraycopy(carry, 0, block, n, carry.length);
            int lineEnd = block.length;
            for (int i = block.length - 1; i >= 0; i--) {
                if (block[i] == '\n' || i == 0 && end - n == 0) {
                    int start = block[i] == '\n' ? i + 1 : 0;
                    byte[] line = java.util.Arrays.copyOfRange(block, start, lineEnd);
                    if (line.length > 0 && line[0] != '#' && v.parse(line, line.length, header.algorithm(), header.version()) == null
                            && v.type().equals("mark")) {
                        return Instant.parse(v.time());
                    }
                    lineEnd = i;
                }
            }
            carry = java.util.Arrays.copyOfRange(block, 0, lineEnd);
            end -= n;
        }
        return null;
    }
}
