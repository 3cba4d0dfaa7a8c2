package loghost.forward;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.FileInputStream;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads entries back from the spool's segment files for the senders and the lag rule. It holds no lock while it
 * reads a file: which segment to read is looked up in {@link Segments} under the spool's monitor, and a segment
 * deleted meanwhile reads as gone.
 */
final class SpoolReader {

    private static final Logger LOG = LoggerFactory.getLogger(SpoolReader.class);

    /** The spool's monitor: guards the segments. */
    private final Object monitor;
    private final Segments segments;
    private final SyncGate gate;

    SpoolReader(Object monitor, Segments segments, SyncGate gate) {
        this.monitor = monitor;
        this.segments = segments;
        this.gate = gate;
    }

    /** What one read found: the entries, and where the cursor goes on from. */
    private static final class Batch {
        final List<SpoolEntry> out = new ArrayList<>();
        long bytes;
        boolean hole;
    }

    /**
     * Reads synced entries with cseq greater than {@code after} (see {@link Spool#read}); {@code cursor} saves the
     * rescan of a segment when the next read goes on from where this one stopped.
     */
    List<SpoolEntry> read(Spool.Cursor cursor, long after, int max, long maxBytes, long syncedUpTo)
            throws IOException {
        Batch b = new Batch();
        Map.Entry<Long, Path> seg;
        synchronized (monitor) {
            seg = segments.holding(after + 1);
        }
        long offset = seg != null && cursor.cseq == after && cursor.segment == seg.getKey() ? cursor.offset : 0;
        while (seg != null && b.out.size() < max && b.bytes < maxBytes) {
            int before = b.out.size();
            long position = readSegment(seg, offset, after, max, maxBytes, syncedUpTo, b);
            if (b.out.size() > before) {
                cursor.cseq = b.out.get(b.out.size() - 1).cseq();
                cursor.segment = seg.getKey();
                cursor.offset = position;
            }
            if (b.hole) {
                break;
            }
            offset = 0;
            synchronized (monitor) {
                seg = segments.after(seg.getKey());
            }
            if (!b.out.isEmpty() && b.out.get(b.out.size() - 1).cseq() >= syncedUpTo) {
                break;
            }
        }
        return b.out;
    }

    // Reads one segment from offset into b; returns the offset after the last entry read.
    private static long readSegment(Map.Entry<Long, Path> seg, long offset, long after, int max, long maxBytes,
                                    long syncedUpTo, Batch b) throws IOException {
        long position = offset;
        // The cseq of the entry before the one at position.
        long previous = offset == 0 ? seg.getKey() - 1 : after;
        try (FileInputStream file = new FileInputStream(seg.getValue().toFile())) {
            file.getChannel().position(offset);
            DataInputStream in = new DataInputStream(new BufferedInputStream(file, 1 << 16));
            while (b.out.size() < max && b.bytes < maxBytes) {
                SpoolEntry e;
                try {
                    e = SpoolEntry.read(in);
                } catch (SpoolEntry.Corrupt partial) {
                    if (previous < syncedUpTo) {
                        throw corrupt(seg.getValue(), position, previous + 1, partial);
                    }
                    break; // a write in progress: read it next time
                }
                if (e == null || e.cseq() > syncedUpTo) {
                    break;
                }
                // Segments deleted while this read went on (trim, for a lagging destination) leave a hole: the
                // batch ends before it, so the sender meets it at the next batch's start and names it in a GAP.
                if (!b.out.isEmpty() && e.cseq() > after && e.cseq() != b.out.get(b.out.size() - 1).cseq() + 1) {
                    b.hole = true;
                    break;
                }
                previous = e.cseq();
                position += e.size();
                if (e.cseq() > after) {
                    b.out.add(e);
                    b.bytes += e.data().length;
                }
            }
        } catch (FileNotFoundException deleted) {
            // acknowledged and deleted meanwhile: continue with the next segment
        }
        return position;
    }

    // An entry that was fsynced and now fails its checksum cannot be "a write in progress": waiting for it would
    // stall this destination for ever (and spin), skipping it would be a silent hole.
    private static SpoolFailedException corrupt(Path f, long offset, long cseq, IOException cause) {
        LOG.error("spool-corrupt file={} offset={} cseq={}: an entry written and fsynced before fails its checksum",
                f, offset, cseq);
        return new SpoolFailedException("spool segment " + f + " is corrupt at offset " + offset + " (cseq " + cseq
                + " was fsynced, and now fails its checksum): nothing from it on can be sent; keep the spool for "
                + "inspection, and start with an empty --spool to go on as a new stream", cause);
    }

    /** When entry {@code cseq} was spooled (0 if it is not on disk now). */
    long entryTime(long cseq) throws IOException {
        Path f;
        synchronized (monitor) {
            Map.Entry<Long, Path> seg = segments.floor(cseq);
            if (seg == null) {
                return 0;
            }
            f = seg.getValue();
            gate.checkFailed();
            segments.writeCurrent(); // so that the file holds the entry if it is spooled
        }
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(f)))) {
            for (SpoolEntry e; (e = SpoolEntry.read(in)) != null; ) {
                if (e.cseq() == cseq) {
                    return e.timeMillis();
                }
            }
        } catch (NoSuchFileException | SpoolEntry.Corrupt gone) {
            return 0; // deleted meanwhile, or the entry is still being written
        }
        return 0;
    }
}
