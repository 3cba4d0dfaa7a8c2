package loghost.store;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

/**
 * A host's chain as stored, read from the end of its newest day file: records, last record and chain head (bytes:
 * of every day file as stored). When it was last heard from, over its whole history, is {@code LastSeen}'s.
 */
public record HostSummary(String host, long records, long bytes, Instant lastRecord, String head) {

    /** Reads the summary of the host whose directory is {@code dir}; records 0 when it has none. */
    public static HostSummary of(Path dir) throws IOException, StorageException {
        String host = dir.getFileName().toString();
        List<Path> files = StoreFiles.dayFiles(dir);
        // Compressed files are closed days: records and times come from the newest .log, which is never compressed.
        long bytes = StoreFiles.storedBytes(dir);
        if (files.isEmpty()) {
            return new HostSummary(host, 0, bytes, null, null);
        }
        Path newest = files.get(files.size() - 1);
        try (RandomAccessFile raf = new RandomAccessFile(newest.toFile(), "r")) {
            TailReader.Tail tail = TailReader.read(raf);
            FileHeader header = FileHeader.parse(tail.header());
            if (tail.lastLine() == null) {
                // Only a header (a day closed at midnight): the chain's head is the last record's, its prev.
                return new HostSummary(host, header.firstSeq() - 1, bytes, null, header.firstSeq() == 1 ? null
                        : java.util.HexFormat.of().formatHex(header.prevDigest()));
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
            return new HostSummary(host, seq, bytes, last, head);
        }
    }
}
