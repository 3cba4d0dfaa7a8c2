package loghost.seal;

import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import loghost.store.LineReader;
import loghost.store.StoreFiles;

/**
 * The checkpoint files {@code DATA/seal/YYYY-MM-DD.ckpt}: blocks appended in order, a new file for each UTC day
 * (docs/FORMAT.md, "Seals and checkpoints"). Read back by the server only for its last block.
 */
final class CheckpointFiles {

    /** A checkpoint file's name: the UTC day of the {@code end} (genesis: {@code time}) of its first block. */
    static final Pattern NAME = Pattern.compile("([0-9]{4}-[0-9]{2}-[0-9]{2})\\.ckpt");

    private final Path dir;

    CheckpointFiles(Path dir) {
        this.dir = dir;
    }

    /** The checkpoint files in name order (the order of their blocks). */
    static List<Path> list(Path dir) throws IOException {
        List<Path> files = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (Path p : entries) {
                if (NAME.matcher(p.getFileName().toString()).matches()) {
                    files.add(p);
                }
            }
        }
        files.sort(null);
        return files;
    }

    /** The newest complete block, or null when there is none yet. Bytes after it (a torn write) are cut off. */
    SealBlock lastBlockRepairingTail() throws IOException {
        List<Path> files = list(dir);
        for (int i = files.size() - 1; i >= 0; i--) {
            Path f = files.get(i);
            StoreFiles.checkPrivateFile(f, "checkpoint file");
            Scan scan = scan(f);
            long size = Files.size(f);
            if (scan.completeLength < size || size == 0) {
                if (i != files.size() - 1) {
                    throw new IOException(f + ": bytes after the last complete block, and newer checkpoint files"
                            + " exist; run loghost verify");
                }
                if (scan.completeLength == 0) {
                    // A new day's file whose first block a crash cut short: it must not stay behind, empty, when a
                    // later day's file follows it (verify fails an older file that holds no block).
                    Files.delete(f);
                    StoreFiles.syncDirectory(dir);
                } else {
                    try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
                        raf.setLength(scan.completeLength);
                        raf.getFD().sync();
                    }
                }
                org.slf4j.LoggerFactory.getLogger(CheckpointFiles.class).warn(
                        "torn-checkpoint file={} truncated={} bytes (an incomplete block from a crash)",
                        f.getFileName(), size - scan.completeLength);
            }
            if (scan.last != null) {
                return scan.last;
            }
        }
        return null;
    }

    /** Appends {@code block} (forced to disk) to the newest file, or starts the file of its day when that is later. */
    void append(SealBlock block) throws IOException {
        String day = (block.kind() == SealBlock.Kind.GENESIS ? block.start() : block.end()).substring(0, 10);
        List<Path> files = list(dir);
        Path newest = files.isEmpty() ? null : files.get(files.size() - 1);
        byte[] bytes = block.bytes();
        if (newest == null || day.compareTo(newest.getFileName().toString().substring(0, 10)) > 0) {
            Path file = dir.resolve(day + ".ckpt");
            try {
                StoreFiles.writePrivateFile(file, bytes);
            } catch (IOException e) {
                // A short write or a failed force (a full disk): no partial first block may stay for the retry to
                // append after.
                try {
                    Files.deleteIfExists(file);
                    StoreFiles.syncDirectory(dir);
                } catch (IOException cleanup) {
                    e.addSuppressed(cleanup);
                }
                throw e;
            }
            StoreFiles.syncDirectory(dir);
            return;
        }
        StoreFiles.checkPrivateFile(newest, "checkpoint file");
        try (RandomAccessFile raf = new RandomAccessFile(newest.toFile(), "rw")) {
            long length = raf.length();
            raf.seek(length);
            try {
                raf.write(bytes);
                raf.getFD().sync();
            } catch (IOException e) {
                // A full disk: take the partial block back, so that the file stays a sequence of whole blocks.
                raf.setLength(length);
                throw e;
            }
        }
    }

    /** The newest complete block, read only (no signature checked, nothing repaired), or null when there is none. */
    static SealBlock lastBlock(Path dir) throws IOException {
        List<Path> files = list(dir);
        for (int i = files.size() - 1; i >= 0; i--) {
            Scan scan = scan(files.get(i));
            if (scan.last != null) {
                return scan.last;
            }
        }
        return null;
    }

    private record Scan(SealBlock last, long completeLength) {
    }

    // Parses a file's blocks without checking signatures (the server trusts its own files; verify checks them).
    private static Scan scan(Path file) throws IOException {
        SealBlock.Parser parser = new SealBlock.Parser();
        SealBlock last = null;
        long offset = 0;
        long complete = 0;
        try (InputStream in = Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS);
             LineReader lines = new LineReader(in, SealBlock.MAX_LINE)) {
            while (lines.next()) {
                if (!lines.terminated()) {
                    break;
                }
                offset += lines.length() + 1;
                SealBlock b;
                try {
                    b = parser.line(new String(lines.line(), 0, lines.length(), StandardCharsets.US_ASCII));
                } catch (IllegalArgumentException e) {
                    throw new IOException(file + ": " + e.getMessage() + "; run loghost verify");
                }
                if (b != null) {
                    last = b;
                    complete = offset;
                }
            }
        } catch (LineReader.LineTooLongException e) {
            throw new IOException(file + ": line too long for a checkpoint file; run loghost verify");
        }
        return new Scan(last, complete);
    }
}
