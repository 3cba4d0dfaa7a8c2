package loghost.forward;

import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Where lines come from: a FIFO, a file followed like {@code tail -F}, or stdin. Each runs on its own thread. */
final class Sources {

    private static final Logger LOG = LoggerFactory.getLogger(Sources.class);

    private Sources() {
    }

    /** A source: reads until stopped (FIFO, file) or until end of input (stdin). */
    interface Source {
        /** Reads lines into the spool; returns when the source is exhausted or the thread is interrupted. */
        void run() throws IOException, InterruptedException;

        /** True for a source that ends (stdin), false for one that follows forever. */
        boolean ends();
    }

    /** Standard input, until end of file. */
    static Source stdin(Spool spool, InputStream in) {
        return new Source() {
            @Override
            public void run() throws IOException {
                LineCutter cut = new LineCutter(spool, null, -1, true);
                byte[] buf = new byte[1 << 16];
                for (int n; (n = in.read(buf)) >= 0; ) {
                    cut.feed(buf, 0, n);
                    spool.requestSync();
                }
                cut.finish();
                spool.sync();
            }

            @Override
            public boolean ends() {
                return true;
            }
        };
    }

    /**
     * A named pipe. It is read continuously, whatever the network does, so the writer (syslog) never blocks on it;
     * when the writer closes it, it is opened again for the next writer.
     */
    static Source fifo(Spool spool, Path path) {
        return new Source() {
            @Override
            public void run() throws IOException {
                // Never wait for spool room here: a FIFO writer (syslog) would block. A full spool counts lines.
                LineCutter cut = new LineCutter(spool, null, -1, false);
                byte[] buf = new byte[1 << 16];
                while (!Thread.currentThread().isInterrupted()) {
                    LOG.info("fifo-wait path={} (ready: waiting for a writer)", path);
                    // Opening a FIFO for reading waits for a writer. FileInputStream, not an NIO channel stream: its
                    // available() asks the kernel (FIONREAD) instead of seeking, which a FIFO cannot do.
                    try (InputStream in = new java.io.FileInputStream(path.toFile())) {
                        LOG.info("fifo-open path={}", path);
                        for (int n; (n = in.read(buf)) >= 0; ) {
                            cut.feed(buf, 0, n);
                            if (in.available() == 0) {
                                spool.requestSync();
                            }
                        }
                    }
                    spool.requestSync();
                    LOG.info("fifo-writer-closed path={}: reopening", path);
                }
            }

            @Override
            public boolean ends() {
                return false;
            }
        };
    }

    /**
     * A file followed like {@code tail -F}: from where the spool says it was left, through truncation (start
     * again at 0) and rotation by rename (finish the old file, then read the new one). On a first start (no
     * position in the spool) an existing file is read from its end, or from its start with {@code fromStart}, and
     * a file that does not exist yet from its start when it appears. That position is kept in the spool before
     * the first line is read, so a restart before the first line neither loses nor repeats one.
     */
    static Source file(Spool spool, Path path, boolean fromStart, long pollMillis) {
        return new FileSource(spool, path, fromStart, pollMillis);
    }

    /** The source {@link #file} makes. */
    private static final class FileSource implements Source {
        private final Spool spool;
        private final Path path;
        private final boolean fromStart;
        private final long pollMillis;
        private final String sourceId;

        FileSource(Spool spool, Path path, boolean fromStart, long pollMillis) {
            this.spool = spool;
            this.path = path;
            this.fromStart = fromStart;
            this.pollMillis = pollMillis;
            this.sourceId = fileSourceId(path);
        }

        @Override
        public void run() throws IOException, InterruptedException {
            long offset = spool.sourceOffset(sourceId);
            if (offset < 0) {
                offset = startOffset(path, fromStart);
                spool.keepSourceOffset(sourceId, offset);
                LOG.info("file-start path={} offset={} ({})", path, offset, offset > 0 ? "its end at first start"
                        : fromStart ? "its start, as --from-start says" : "its start: it appeared after us");
            }
            byte[] buf = new byte[1 << 16];
            while (!Thread.currentThread().isInterrupted()) {
                RandomAccessFile f = openWhenPresent(path, pollMillis);
                Object identity = identity(path);
                try (f) {
                    if (offset > f.length()) {
                        LOG.warn("file-truncated path={} offset={} size={}: reading from the start", path, offset,
                                f.length());
                        offset = 0;
                        spool.keepSourceOffset(sourceId, 0);
                    }
                    // A file keeps its lines on disk: waiting for spool room loses nothing.
                    LineCutter cut = new LineCutter(spool, sourceId, offset, true);
                    f.seek(offset);
                    LOG.info("file-follow path={} offset={}", path, offset);
                    while (!Thread.currentThread().isInterrupted()) {
                        int n = f.read(buf);
                        if (n > 0) {
                            cut.feed(buf, 0, n);
                            continue;
                        }
                        spool.requestSync();
                        if (!Objects.equals(identity, identity(path))) {
                            // Renamed away (rotated): the old file is read to its end above; follow the new one.
                            LOG.info("file-rotated path={}", path);
                            offset = 0;
                            // The new file is read from its start, also after a restart before its first line.
                            spool.keepSourceOffset(sourceId, 0);
                            break;
                        }
                        if (f.length() < f.getFilePointer()) {
                            LOG.warn("file-truncated path={}: reading from the start", path);
                            spool.keepSourceOffset(sourceId, 0);
                            cut.reset(0);
                            f.seek(0);
                            continue;
                        }
                        Thread.sleep(pollMillis);
                    }
                    if (Thread.currentThread().isInterrupted()) {
                        return;
                    }
                }
            }
        }

        @Override
        public boolean ends() {
            return false;
        }
    }

    // A first start: the end of a file that is there, else (or with fromStart) its start.
    private static long startOffset(Path path, boolean fromStart) {
        if (fromStart) {
            return 0;
        }
        try {
            return Files.size(path);
        } catch (NoSuchFileException e) {
            return 0;
        } catch (IOException e) {
            LOG.warn("file-stat-failed path={} reason=\"{}\": reading it from its start when it can be read", path,
                    e.getMessage());
            return 0;
        }
    }

    /**
     * The spool's name for a file source: {@code file:} and its absolute path, every byte outside printable ASCII
     * (and space, {@code %}) as {@code %XX}, so the name is one ASCII word whatever the path holds.
     */
    static String fileSourceId(Path path) {
        StringBuilder b = new StringBuilder("file:");
        for (byte c : path.toAbsolutePath().toString().getBytes(java.nio.charset.StandardCharsets.UTF_8)) {
            if (c > 0x20 && c < 0x7f && c != '%') {
                b.append((char) c);
            } else {
                b.append('%').append(String.format("%02X", c & 0xff));
            }
        }
        return b.toString();
    }

    private static RandomAccessFile openWhenPresent(Path path, long pollMillis) throws InterruptedException {
        while (true) {
            try {
                return new RandomAccessFile(path.toFile(), "r");
            } catch (IOException e) {
                Thread.sleep(pollMillis);
            }
        }
    }

    private static Object identity(Path path) {
        try {
            return Files.readAttributes(path, BasicFileAttributes.class).fileKey();
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            LOG.warn("file-stat-failed path={} reason=\"{}\"", path, e.getMessage());
            return null;
        }
    }
}
