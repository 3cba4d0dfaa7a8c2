package loghost.store;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Recovery of one host's chain when its log is opened: the head from the newest day file (a torn final line, a
 * write cut short by a crash, is truncated and logged; anything else unexpected is a refusal) and the positions of
 * its acknowledged streams.
 */
final class ChainRecovery {

    // The operator's log lines keep the logger name they have always had: these are HostLog's events.
    private static final Logger LOG = LoggerFactory.getLogger(HostLog.class);

    /**
     * What an opened log continues from: its head, its current day file, whether records follow the last seal, the
     * bytes of a torn tail removed, and its streams' positions.
     */
    record Recovered(ChainHead head, DayFile file, boolean unsealed, long tornBytes, StreamPositions streams) {
    }

    private ChainRecovery() {
    }

    /**
     * Recovers the chain of {@code host} in {@code dir}, with stream state {@code streamState}; a new chain uses
     * {@code preferred}, an existing one keeps the algorithm its files were written with.
     */
    static Recovered recover(String host, Path dir, Path streamState, DigestAlgorithm preferred)
            throws IOException, StorageException {
        StoreFiles.checkPrivateDirectory(dir.getParent(), "hosts directory");
        StoreFiles.createOrCheckPrivateDirectory(dir, "host directory");
        StoreFiles.removeUnfinishedDayFiles(dir);
        List<Path> dayFiles = StoreFiles.dayFiles(dir);
        for (Path f : dayFiles) {
            // Recovery reads them all (stream positions): none may lead outside the store.
            StoreFiles.checkPrivateFile(f, "day file");
        }
        StoreFiles.checkPrivateDirectory(streamState.getParent(), "streams directory");
        if (Files.exists(streamState, LinkOption.NOFOLLOW_LINKS)) {
            StoreFiles.checkPrivateFile(streamState, "stream state file");
        }
        Path newest = StoreFiles.newestDayFile(dir);
        Recovered r = newest == null
                ? new Recovered(new ChainHead(preferred, 0, preferred.genesis(host)), new DayFile(host, dir), false, 0,
                        null)
                : fromNewest(host, dir, newest, preferred);
        StreamPositions streams;
        try {
            // Compressed days too: a stream's last cseq may be only there when streams/HOST is lost.
            streams = StreamPositions.recover(dir, streamState, StoreFiles.storedDayFiles(dir));
        } catch (IOException | RuntimeException e) {
            closeAfterFailure(r.file(), e); // the log is not opened: its day file is not left open either
            throw e;
        }
        return new Recovered(r.head(), r.file(), r.unsealed(), r.tornBytes(), streams);
    }

    private static Recovered fromNewest(String host, Path dir, Path file, DigestAlgorithm preferred)
            throws IOException, StorageException {
        RandomAccessFile raf = StoreFiles.openDayFile(file);
        try {
            TailReader.Tail tail = TailReader.read(raf);
            FileHeader header = header(host, file, tail, preferred);
            if (tail.tornBytes() > 0) {
                raf.setLength(tail.completeLength());
                raf.getFD().sync();
                LOG.warn("torn-tail host={} file={} truncated={} bytes (an incomplete last line from a crash)",
                        host, file.getFileName(), tail.tornBytes());
            }
            ChainHead head;
            boolean unsealed = false;
            if (tail.lastLine() == null) {
                head = new ChainHead(header.algorithm(), header.firstSeq() - 1, header.prevDigest());
            } else {
                RecordView view = new RecordView();
                byte[] line = tail.lastLine();
                String problem = view.parse(line, line.length, header.algorithm(), header.version());
                if (problem != null) {
                    throw new StorageException(file + ": last record is malformed (" + problem
                            + "); refusing to continue this chain; run loghost verify");
                }
                head = new ChainHead(header.algorithm(), view.seq(), view.digest());
                unsealed = !view.type().equals(RecordType.SEAL.word());
            }
            DayFile day = new DayFile(host, dir, raf, header, tail.completeLength());
            return new Recovered(head, day, unsealed, tail.tornBytes(), null);
        } catch (IOException | StorageException | RuntimeException e) {
            raf.close();
            throw e;
        }
    }

    private static void closeAfterFailure(DayFile file, Exception cause) {
        try {
            file.close();
        } catch (IOException e) {
            cause.addSuppressed(e);
        }
    }

    private static FileHeader header(String host, Path file, TailReader.Tail tail, DigestAlgorithm preferred)
            throws StorageException {
        FileHeader header;
        try {
            header = FileHeader.parse(tail.header());
        } catch (IllegalArgumentException e) {
            throw new StorageException(file + ": bad header: " + e.getMessage() + "; run loghost verify");
        }
        if (!header.host().equals(host)) {
            throw new StorageException(file + ": header names host " + header.host() + "; run loghost verify");
        }
        if (header.algorithm() != preferred) {
            LOG.warn("host={} keeps digest {} (configured {} applies to new hosts only)",
                    host, header.algorithm().headerName(), preferred.headerName());
        }
        return header;
    }
}
