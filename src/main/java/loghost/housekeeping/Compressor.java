package loghost.housekeeping;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.time.LocalDate;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import java.util.zip.GZIPOutputStream;
import loghost.names.DayFileName;
import loghost.store.Manifest;
import loghost.store.OneMemberGzip;
import loghost.store.StepObserver;
import loghost.store.StoreFiles;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code loghost compress}: replaces each closed day file of a host by {@code DAY.log.gz} and lists it in the
 * host's {@link Manifest}, in an order that a crash at any step cannot turn into a lost or half file
 * (docs/FORMAT.md, "Compressed day files"). Running it again finishes what a crash interrupted. It never touches
 * a host's newest {@code .log}, the only one the server writes, so it may run while {@code serve} does.
 */
public final class Compressor {

    private static final Logger LOG = LoggerFactory.getLogger(Compressor.class);
    private static final int CHUNK = 1 << 16;

    private final PrintWriter out;
    private final StepObserver steps;

    /** A compressor that reports each file it compresses on {@code out} and each crash-safe step to {@code steps}. */
    public Compressor(PrintWriter out, StepObserver steps) {
        this.out = out;
        this.steps = steps;
    }

    /** Compresses the closed day files of the host in {@code hostDir} whose day is before {@code before} (null: all). */
    public int compressHost(Path hostDir, LocalDate before) throws IOException {
        StoreFiles.checkPrivateDirectory(hostDir.getParent(), "hosts directory");
        StoreFiles.checkPrivateDirectory(hostDir, "host directory");
        String host = hostDir.getFileName().toString();
        removeLeftovers(hostDir);
        TreeSet<String> logs = new TreeSet<>();
        try (DirectoryStream<Path> s = Files.newDirectoryStream(hostDir, "*.log")) {
            for (Path p : s) {
                if (DayFileName.PLAIN.matcher(p.getFileName().toString()).matches()) {
                    logs.add(p.getFileName().toString());
                }
            }
        }
        if (logs.isEmpty()) {
            return 0;
        }
        String newest = logs.last(); // the server's current file: never touched
        int done = 0;
        for (String name : logs.headSet(newest)) {
            LocalDate day = LocalDate.parse(name.substring(0, 10));
            if (before != null && !day.isBefore(before)) {
                break;
            }
            compressFile(host, hostDir, name);
            done++;
        }
        return done;
    }

    private void compressFile(String host, Path dir, String name) throws IOException {
        Path log = dir.resolve(name);
        Path gz = dir.resolve(name + ".gz");
        Path tmp = dir.resolve(name + ".gz.tmp");
        String label = "hosts/" + host + "/" + name;
        StoreFiles.checkPrivateFile(log, "day file");
        DayFileEnds ends;
        Stored stored;
        if (Files.exists(gz, LinkOption.NOFOLLOW_LINKS)) {
            // An earlier run renamed it into place, then stopped: keep it only if it is exactly this file.
            StoreFiles.checkPrivateFile(gz, "compressed day file");
            ends = DayFileEnds.scan(log);
            stored = check(gz, ends.sha256);
            if (stored == null) {
                throw new IOException(label + ".gz exists and does not decompress to " + name
                        + "; refusing to touch either (run loghost verify)");
            }
        } else {
            try {
                ends = writeCompressed(log, tmp);
            } catch (IOException | RuntimeException e) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException cleanup) {
                    e.addSuppressed(cleanup);
                }
                throw e;
            }
            step("tmp-synced");
            stored = check(tmp, ends.sha256);
            if (stored == null) {
                throw new IOException(label + ".gz.tmp does not decompress to " + name + " (a disk error?); "
                        + "the day file is kept");
            }
            Files.move(tmp, gz, StandardCopyOption.ATOMIC_MOVE);
            StoreFiles.syncDirectory(dir);
            step("renamed");
        }
        Manifest.Entry entry = ends.entry(name + ".gz", stored);
        listInManifest(host, dir, entry, label);
        step("manifested");
        Files.delete(log);
        StoreFiles.syncDirectory(dir);
        step("deleted");
        out.println("compressed " + label + " -> " + name + ".gz (" + ends.size + " -> " + stored.size + " bytes)");
        out.flush();
        LOG.info("compressed host={} file={} bytes={} stored={}", host, name, ends.size, stored.size);
    }

    // Leftovers of an interrupted run: never part of the record (the day file they came from still exists).
    private static void removeLeftovers(Path dir) throws IOException {
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir, "*.log.gz.tmp")) {
            for (Path p : s) {
                LOG.warn("unfinished-compressed-file removed file={} (an interrupted compress)", p);
                Files.delete(p);
            }
        }
        if (Files.deleteIfExists(dir.resolve(Manifest.UNFINISHED))) {
            LOG.warn("unfinished-manifest removed host={} (an interrupted compress)", dir.getFileName());
        }
    }

    // Gzips the day file into tmp (0600, forced), returning what the manifest needs of the original.
    private DayFileEnds writeCompressed(Path log, Path tmp) throws IOException {
        DayFileEnds ends = new DayFileEnds();
        MessageDigest sha = Manifest.sha256();
        try (InputStream in = Files.newInputStream(log, LinkOption.NOFOLLOW_LINKS);
             FileChannel ch = FileChannel.open(tmp, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
                     PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")))) {
            GZIPOutputStream gzOut = new GZIPOutputStream(Channels.newOutputStream(ch), CHUNK);
            byte[] buf = new byte[CHUNK];
            int n;
            boolean first = true;
            while ((n = in.read(buf)) > 0) {
                sha.update(buf, 0, n);
                ends.see(buf, n);
                gzOut.write(buf, 0, n);
                if (first) {
                    gzOut.flush();
                    step("tmp-partial");
                    first = false;
                }
            }
            gzOut.flush();
            gzOut.finish(); // the trailer; closing would close the channel before its force
            ch.force(true);
        }
        ends.sha256 = sha.digest();
        ends.finish(log);
        return ends;
    }

    /** Size and SHA-256 of a compressed file as stored, when it decompresses to bytes of SHA-256 {@code original}. */
    record Stored(long size, String sha256) {
    }

    // Re-reads the compressed file from disk; null when it does not decompress to exactly the original bytes.
    private static Stored check(Path gz, byte[] original) throws IOException {
        MessageDigest storedSha = Manifest.sha256();
        MessageDigest plainSha = Manifest.sha256();
        try (InputStream raw = new DigestInputStream(Files.newInputStream(gz, LinkOption.NOFOLLOW_LINKS), storedSha)) {
            byte[] buf = new byte[CHUNK];
            try (OneMemberGzip in = new OneMemberGzip(raw, CHUNK)) {
                int n;
                while ((n = in.read(buf)) > 0) {
                    plainSha.update(buf, 0, n);
                }
            } catch (java.util.zip.ZipException | java.io.EOFException e) {
                return null;
            }
            while (raw.read(buf) > 0) {
                // the rest (normally nothing) still counts in the stored SHA-256
            }
        }
        long size = Files.size(gz);
        if (!Arrays.equals(plainSha.digest(), original)) {
            return null;
        }
        return new Stored(size, HexFormat.of().formatHex(storedSha.digest()));
    }

    // Appends the entry (or finds it already there), forced; the first entry creates the manifest by rename.
    private void listInManifest(String host, Path dir, Manifest.Entry entry, String label) throws IOException {
        Path file = dir.resolve(Manifest.NAME);
        if (!Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
            Path tmp = dir.resolve(Manifest.UNFINISHED);
            String text = Manifest.header(host) + "\n" + Manifest.entryLines(entry, Manifest.genesis(host));
            StoreFiles.writePrivateFile(tmp, text.getBytes(StandardCharsets.US_ASCII));
            step("manifest-tmp");
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
            StoreFiles.syncDirectory(dir);
            return;
        }
        StoreFiles.checkPrivateFile(file, "manifest");
        Manifest.Contents c = Manifest.read(file, host);
        if (c.problem() != null) {
            throw new IOException("hosts/" + host + "/" + Manifest.NAME + ":" + c.problemLine() + ": " + c.problem()
                    + "; run loghost verify");
        }
        for (Manifest.Entry e : c.entries()) {
            if (e.name().equals(entry.name())) {
                if (!e.equals(new Manifest.Entry(e.name(), entry.size(), entry.sha256(), entry.firstSeq(),
                        entry.lastSeq(), entry.end(), e.line()))) {
                    throw new IOException(label + ".gz is listed in " + Manifest.NAME
                            + " with other values; run loghost verify");
                }
                return;
            }
        }
        List<Manifest.Entry> listed = c.entries();
        if (!listed.isEmpty() && listed.get(listed.size() - 1).name().compareTo(entry.name()) > 0) {
            throw new IOException(label + ": a later day is already listed in " + Manifest.NAME
                    + "; run loghost verify");
        }
        byte[] lines = Manifest.entryLines(entry, c.chain()).getBytes(StandardCharsets.US_ASCII);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS)) {
            if (c.torn()) {
                LOG.warn("manifest-torn-tail host={} truncated={} bytes (an interrupted append)", host,
                        ch.size() - c.completeLength());
                ch.truncate(c.completeLength());
            }
            ch.position(c.completeLength());
            ByteBuffer bb = ByteBuffer.wrap(lines);
            // In two writes, so that a crash between them (a test stops the process there) leaves a torn line for
            // the next run's repair above.
            bb.limit(lines.length / 2);
            while (bb.hasRemaining()) {
                ch.write(bb);
            }
            step("manifest-partial");
            bb.limit(lines.length);
            while (bb.hasRemaining()) {
                ch.write(bb);
            }
            ch.force(true);
        }
    }

    /** The file in the data directory that {@code loghost compress} holds locked while it runs. */
    public static final String LOCK_FILE = "compress.lock";

    /**
     * Locks {@code DATA/compress.lock} (0600, created if missing) so that two compress runs never work on the same
     * files (one could rename the other's unfinished tmp file into place); refuses when another run holds it.
     */
    public static FileChannel lock(Path dataDir) throws IOException {
        Path file = dataDir.resolve(LOCK_FILE);
        if (Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
            StoreFiles.checkPrivateFile(file, "compress lock file");
        }
        FileChannel ch = FileChannel.open(file, Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                LinkOption.NOFOLLOW_LINKS), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        try {
            java.nio.channels.FileLock held;
            try {
                held = ch.tryLock();
            } catch (java.nio.channels.OverlappingFileLockException sameProcess) {
                held = null; // this JVM already holds it: another run all the same
            }
            if (held == null) {
                throw new IOException("another loghost compress is running on " + dataDir + " (it holds " + file + ")");
            }
            return ch;
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    private void step(String name) {
        steps.after(name);
    }

    /** Refuses, as a missing file, a host directory that does not exist. */
    public static void requireHostDir(Path hostDir) throws NoSuchFileException {
        if (!Files.isDirectory(hostDir, LinkOption.NOFOLLOW_LINKS)) {
            throw new NoSuchFileException(hostDir.toString());
        }
    }
}
