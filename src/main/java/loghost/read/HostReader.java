package loghost.read;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import loghost.names.DayFileName;
import loghost.store.DigestAlgorithm;
import loghost.store.FileHeader;
import loghost.store.RecordView;

/**
 * The records of one host, day file after day file in chain order, as they are on disk. It checks only what it
 * needs to read (header, record grammar), not the chain: that is {@code loghost verify}'s job (an archived day is
 * checked by {@link HostDays} before it is read). Following a live
 * log, it waits at a partial last line and moves to a newer day file once one exists.
 */
final class HostReader implements AutoCloseable {


    private final HostDays days;
    private final Path dir;
    private final String first;
    private final RecordView view = new RecordView();
    private java.security.MessageDigest chain;
    private long lastSeq;
    private byte[] lastDigest;
    private String chainFrom;
    private GrowingFile file;
    private String fileName;
    private DigestAlgorithm algorithm;
    private final int chunkBytes;

    /**
     * Reads the day files of {@code days} from the one named {@code firstFile} (null: the oldest), {@code chunkBytes}
     * at a time; a day that cannot be read (reported by {@code days}) is passed over.
     */
    HostReader(HostDays days, String firstFile, int chunkBytes) throws IOException {
        this.days = days;
        this.dir = days.dir();
        this.chunkBytes = chunkBytes;
        this.first = firstFile;
        String start = firstFile;
        if (start == null) {
            List<String> files = days.names();
            start = files.isEmpty() ? null : files.get(0);
        }
        if (start != null) {
            openFrom(start);
        }
    }

    /**
     * The day files of a host directory as stored ({@code DAY.log} or {@code DAY.log.gz}), oldest first; for a day
     * that has both (a compression not yet finished) the {@code .log}, which is whole until it is deleted.
     */
    static List<String> dayFiles(Path hostDir) throws IOException {
        java.util.TreeMap<String, String> byDay = new java.util.TreeMap<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(hostDir)) {
            for (Path p : entries) {
                String n = p.getFileName().toString();
                if (DayFileName.isStored(n)) {
                    byDay.merge(day(n), n, (a, b) -> a.endsWith(".log") ? a : b);
                }
            }
        }
        return new ArrayList<>(byDay.values());
    }

    private static String day(String fileName) {
        return fileName.substring(0, 10);
    }

    /** The SEQ of the first record of a day file, from its header. */
    static long firstSeq(Path dayFile) throws IOException {
        try (GrowingFile f = new GrowingFile(dayFile, 4096, 8192)) {
            if (!f.next()) {
                throw new IOException(dayFile + ": no complete header line");
            }
            try {
                return FileHeader.parse(new String(f.line(), 0, f.length(), StandardCharsets.ISO_8859_1)).firstSeq();
            } catch (IllegalArgumentException e) {
                throw new IOException(dayFile + ": bad header: " + e.getMessage() + " (run loghost verify)", e);
            }
        }
    }

    /**
     * The next record, parsed into the returned view (valid until the next call), or null when there is none now;
     * a later call sees records appended meanwhile.
     */
    RecordView next() throws IOException {
        while (true) {
            if (file == null) {
                String start = fileName != null ? newerDayFile() : first != null ? first : oldest();
                if (start == null || !openFrom(start)) {
                    return null;
                }
            }
            if (algorithm == null && !readHeader()) {
                return null;
            }
            if (file.next()) {
                String problem = view.parse(file.line(), file.length(), algorithm);
                if (problem != null) {
                    throw new IOException(where() + ": " + problem + " (run loghost verify)");
                }
                if (chain != null) {
                    checkChain();
                }
                return view;
            }
            String newer = newerDayFile();
            if (newer == null) {
                return null;
            }
            // The chain went on in a newer file; an unfinished line left here is a torn write, never a record.
            if (!openFrom(newer)) {
                return null;
            }
        }
    }

    /** The bytes the record returned by {@link #next} was parsed from. */
    byte[] currentLine() {
        return file.line();
    }

    /** {@code hosts/HOST/DAY.log:LINE} of the current record, for messages. */
    String where() {
        return dir.getFileName() + "/" + fileName + ":" + file.lineNumber();
    }

    private boolean readHeader() throws IOException {
        if (!file.next()) {
            return false;
        }
        String line = new String(file.line(), 0, file.length(), StandardCharsets.ISO_8859_1);
        FileHeader header;
        try {
            header = FileHeader.parse(line);
        } catch (IllegalArgumentException e) {
            throw new IOException(where() + ": bad header: " + e.getMessage() + " (run loghost verify)", e);
        }
        algorithm = header.algorithm();
        if (chain != null) {
            if (lastDigest == null) {
                // The first file read anchors the check: the genesis value for the host's first file, otherwise
                // the digest its header names (files before it are not read).
                if (header.firstSeq() == 1 && !java.util.Arrays.equals(header.prevDigest(),
                        algorithm.genesis(dir.getFileName().toString()))) {
                    throw broken("header: prev is not the genesis value of this host");
                }
                chainFrom = where();
            } else if (header.firstSeq() != lastSeq + 1 || !java.util.Arrays.equals(header.prevDigest(), lastDigest)) {
                throw broken("header does not continue the chain from seq " + lastSeq);
            }
            lastSeq = header.firstSeq() - 1;
            lastDigest = header.prevDigest();
            chain = algorithm.newDigest();
        }
        return true;
    }

    /** Checks every record's SEQ and digest against the chain as it is read ({@code cat --verify}). */
    void verifyChain() {
        chain = DigestAlgorithm.SHA256.newDigest(); // replaced by the chain's own algorithm at each header
    }

    /** Where the chain check started: the first day file read, or null when not checking. */
    String chainCheckedFrom() {
        return chainFrom;
    }

    private void checkChain() throws IOException {
        if (view.seq() != lastSeq + 1) {
            throw broken("seq " + view.seq() + " does not follow " + lastSeq);
        }
        chain.reset();
        chain.update(lastDigest);
        view.updateCanonical(chain);
        byte[] d = chain.digest();
        if (!view.digestEquals(d)) {
            throw broken("digest does not match the chain");
        }
        lastSeq = view.seq();
        lastDigest = d;
    }

    private IOException broken(String what) {
        return new IOException("chain broken at hosts/" + where() + ": " + what + " (run loghost verify)");
    }

    private String oldest() throws IOException {
        List<String> files = days.names();
        return files.isEmpty() ? null : files.get(0);
    }

    private String newerDayFile() throws IOException {
        for (String n : days.names()) {
            if (day(n).compareTo(day(fileName)) > 0) {
                return n;
            }
        }
        return null;
    }

    // Opens day file name, or the first one after it that can be read; false when none can (now).
    private boolean openFrom(String name) throws IOException {
        for (String n = name; n != null; n = newerDayFile()) {
            if (open(n)) {
                return true;
            }
        }
        return false;
    }

    // False when the day cannot be read here (days said why): nothing is open, and the chain check, if any, starts
    // again at the next file read, since the records between are not seen.
    private boolean open(String name) throws IOException {
        if (file != null) {
            file.close();
            file = null;
        }
        fileName = name;
        algorithm = null;
        String stored = name;
        if (!days.online(name)) {
            Path archived = days.open(name);
            if (archived == null) {
                lastDigest = null;
                return false;
            }
            file = new GrowingFile(archived, RecordView.MAX_LINE_BYTES, chunkBytes);
            return true;
        }
        if (name.endsWith(".log") && !Files.exists(dir.resolve(name), LinkOption.NOFOLLOW_LINKS)
                && Files.exists(dir.resolve(name + ".gz"), LinkOption.NOFOLLOW_LINKS)) {
            stored = name + ".gz"; // loghost compress finished this day since it was listed
        }
        file = new GrowingFile(dir.resolve(stored), RecordView.MAX_LINE_BYTES, chunkBytes);
        fileName = stored;
        return true;
    }

    @Override
    public void close() throws IOException {
        if (file != null) {
            file.close();
        }
    }
}
