package loghost.forward;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads one segment file back at start: cuts off a crash's torn last entry, refuses any other bad entry (nothing is
 * dropped silently), notes the sources' positions its entries carry, and fsyncs what it keeps.
 */
final class SegmentRecovery {

    private static final Logger LOG = LoggerFactory.getLogger(SegmentRecovery.class);

    private SegmentRecovery() {
    }

    /** What a segment held: its bytes kept, its highest cseq (0: none) and its newest entry's receive time. */
    record Recovered(long bytes, long lastCseq, long newestMillis) {
    }

    /**
     * Recovers segment {@code f}; {@code last} when it is the spool's last, the only one a crash can have torn: one
     * is finished (written and fsynced) before the next is started, and a run starts a segment of its own after
     * recovering the one a crash left.
     */
    static Recovered recover(Path f, boolean last, SpoolState state) throws IOException {
        long good = 0;
        long lastCseq = 0;
        long newest = 0;
        SpoolEntry.Corrupt bad = null;
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(f)))) {
            for (SpoolEntry e; (e = SpoolEntry.read(in)) != null; ) {
                good += e.size();
                lastCseq = Math.max(lastCseq, e.cseq());
                newest = Math.max(newest, e.timeMillis());
                if (e.source() != null && e.sourceOffset() >= 0) {
                    state.note(e.source(), e.sourceOffset(), e.cseq());
                }
            }
        } catch (SpoolEntry.Corrupt e) {
            bad = e;
        }
        // Fewer bytes than a length field after the last entry read as a clean end: they are a bad entry too.
        if (bad != null || Files.size(f) != good) {
            if (!last || !tornTail(f, good)) {
                LOG.error("spool-corrupt file={} offset={}: an entry fails its checksum where no crash can have torn"
                        + " it; the forwarder does not start", f, good);
                throw new SpoolFailedException("spool segment " + f + " is corrupt at offset " + good + " (an entry "
                        + "that fails its checksum where no crash can have torn it): the forwarder does not start; "
                        + "keep the spool for inspection, and start with an empty --spool to go on as a new stream",
                        bad);
            }
            LOG.warn("spool-torn-entry file={} kept={} bytes (a crash cut the last entry short)", f, good);
        }
        // Every recovered entry counts as synced, so a sender may send it at once; a run killed before its fsync
        // leaves entries in the page cache only. Sent and then lost in a power cut, their cseqs would be numbered
        // again and the loghost would take the new lines for duplicates: fsync first.
        try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
            if (raf.length() != good) {
                raf.setLength(good);
            }
            raf.getFD().sync();
        }
        return new Recovered(good, lastCseq, newest);
    }

    // Whether the bad entry at offset is a crash's torn last write: it runs to the file's end or past it, or all
    // from it on is zeros (a file extended without its data). An entry with more bytes after it is not.
    private static boolean tornTail(Path f, long offset) throws IOException {
        try (FileChannel ch = FileChannel.open(f)) {
            long remaining = ch.size() - offset;
            ByteBuffer b = ByteBuffer.allocate((int) Math.min(remaining, 1 << 16));
            if (remaining < 4) {
                return true;
            }
            ch.read(b, offset);
            int len = b.getInt(0);
            if (SpoolEntry.plausibleLength(len) && 4L + len >= remaining) {
                return true;
            }
            for (long at = offset; at < ch.size(); at += b.limit()) {
                b.clear();
                if (ch.read(b, at) <= 0) {
                    break;
                }
                for (int i = 0; i < b.position(); i++) {
                    if (b.get(i) != 0) {
                        return false;
                    }
                }
                b.flip();
            }
            return true;
        }
    }
}
