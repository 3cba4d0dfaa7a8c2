package loghost.forward;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import loghost.journal.ExportException;
import loghost.journal.ExportParser;
import loghost.journal.JournalCursor;
import loghost.journal.JournalEntry;
import loghost.protocol.Frames;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This host's systemd journal, read with {@code journalctl -o export -f} from the position the spool holds
 * (docs/PROTOCOL.md, "loghost forward --journal"). Each entry becomes one LINE entry {@code IDENT[PID]: MESSAGE} (PART
 * entries first when it is longer than a spool piece), spooled under the source name {@code journal:SEQNUM_ID} with
 * the position {@link JournalPosition#encode}: so a restart, after any kill, resumes after the last entry spooled,
 * and the pieces of an entry cut by a kill are not spooled twice. Entries the journal no longer holds (vacuumed before
 * they were read) become one GAP entry naming them.
 */
final class JournalSource implements Sources.Source {

    private static final Logger LOG = LoggerFactory.getLogger(JournalSource.class);

    private final Spool spool;
    private final List<String> journalctl;
    private final boolean fromStart;
    private final long retryMillis;
    private JournalPosition at;

    /** A source running {@code journalctl} with {@code options} (e.g. {@code --directory=DIR}) added. */
    JournalSource(Spool spool, List<String> options, boolean fromStart, long retryMillis) {
        this.spool = spool;
        List<String> cmd = new ArrayList<>(List.of("journalctl", "--no-pager", "-q"));
        cmd.addAll(options);
        this.journalctl = List.copyOf(cmd);
        this.fromStart = fromStart;
        this.retryMillis = retryMillis;
    }

    @Override
    public void run() throws IOException, InterruptedException {
        at = JournalPosition.newest(spool);
        if (at == null) {
            at = firstPosition();
        }
        while (!Thread.currentThread().isInterrupted()) {
            int exit = follow();
            LOG.warn("journal-ended exit={} at={}: journalctl again in {} ms", exit, at == null ? "none" : at,
                    retryMillis);
            Thread.sleep(retryMillis);
        }
    }

    @Override
    public boolean ends() {
        return false;
    }

    // A first start: the newest entry's position, kept before anything is read, so the entries written from then on
    // are all read even if a restart comes first; with --from-start (or an empty journal) none: every entry.
    private JournalPosition firstPosition() throws IOException, InterruptedException {
        if (fromStart) {
            LOG.info("journal-start from=start (--from-start)");
            return null;
        }
        List<String> cmd = new ArrayList<>(journalctl);
        // Only trusted fields: no MESSAGE, so no entry's text can pose as the cursor.
        cmd.addAll(List.of("-n", "1", "-o", "export", "--output-fields=_BOOT_ID"));
        String out = new String(run(cmd), StandardCharsets.US_ASCII);
        JournalCursor newest = null;
        for (String line : out.split("\n")) {
            if (line.startsWith("__CURSOR=")) {
                newest = JournalCursor.parse(line.substring("__CURSOR=".length()));
                break;
            }
        }
        if (newest == null) {
            LOG.info("journal-start from=start (the journal is empty)");
            return null;
        }
        JournalPosition p = new JournalPosition(newest.seqnumId(), newest.seqnum(), 0);
        spool.keepSourceOffset(p.source(), p.encode());
        LOG.info("journal-start from={} (its newest entry at first start)", p);
        return p;
    }

    private static byte[] run(List<String> cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        try {
            byte[] out = p.getInputStream().readAllBytes();
            int exit = p.waitFor();
            if (exit != 0) {
                throw new IOException(String.join(" ", cmd) + " exited " + exit);
            }
            return out;
        } finally {
            p.destroyForcibly();
        }
    }

    // One run of journalctl -f until it ends (it fails, or the thread is interrupted); returns its exit status.
    private int follow() throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(journalctl);
        cmd.addAll(List.of("-o", "export", "-f", "--no-tail"));
        if (at != null) {
            cmd.add("--after-cursor=" + at.cursor());
        }
        LOG.info("journal-follow from={}", at == null ? "start" : at);
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        try (InputStream in = p.getInputStream()) {
            ExportParser<IOException> parser = new ExportParser<>(this::entry);
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) >= 0; ) {
                try {
                    parser.feed(buf, n);
                } catch (ExportException e) {
                    LOG.error("journal-unreadable reason=\"{}\": journalctl's output is not the export format",
                            e.getMessage());
                    return -1;
                }
                spool.flush();
                if (in.available() == 0) {
                    spool.requestSync();
                }
            }
        } finally {
            p.destroy();
        }
        return p.waitFor();
    }

    // One entry: a GAP for seqnums it skips, then its pieces, each with the position it leaves the source at.
    // The entry's line (IDENT[PID]: MESSAGE); its other fields are not sent: the line protocol carries lines only.
    private void entry(String cursor, JournalEntry entry) throws IOException {
        byte[] line = entry.line();
        JournalCursor c = JournalCursor.parse(cursor);
        if (c == null || c.seqnum() <= 0 || c.seqnum() > JournalPosition.MAX_SEQNUM) {
            LOG.warn("journal-entry-skipped cursor=\"{}\": not a cursor this source can resume by", cursor);
            return;
        }
        int skipPieces = 0;
        if (at != null && at.seqnumId().equals(c.seqnumId())) {
            if (c.seqnum() <= at.seqnum()) {
                return; // at or before the position: already spooled
            }
            if (c.seqnum() == at.seqnum() + 1) {
                skipPieces = at.pieces();
            } else {
                closeCutEntry();
                gap(c.seqnumId(), at.seqnum() + 1, c.seqnum() - 1);
            }
        } else if (at != null) {
            closeCutEntry();
            LOG.info("journal-seqnum-id from={} to={}", at.seqnumId(), c.seqnumId());
        }
        int piece = spool.maxPiece();
        int pieces = Math.max(1, (line.length + piece - 1) / piece);
        if (skipPieces >= pieces) {
            // Spooled in more pieces than now (a smaller spool since): its text is there but for the line's end.
            LOG.warn("journal-entry-pieces seqnum={} spooled={} now={}: ending the line spooled before",
                    c.seqnum(), skipPieces, pieces);
            at = new JournalPosition(c.seqnumId(), c.seqnum(), 0);
            append(Frames.LINE, at, new byte[0]);
            return;
        }
        for (int i = skipPieces; i < pieces; i++) {
            int from = i * piece;
            int to = Math.min(line.length, from + piece);
            boolean last = i == pieces - 1;
            JournalPosition after = last ? new JournalPosition(c.seqnumId(), c.seqnum(), 0)
                    : new JournalPosition(c.seqnumId(), c.seqnum() - 1, i + 1);
            append(last ? Frames.LINE : Frames.PART, after, java.util.Arrays.copyOfRange(line, from, to));
            at = after;
        }
        at = new JournalPosition(c.seqnumId(), c.seqnum(), 0);
    }

    // The pieces of an entry a kill cut, when that entry is no longer the next one read: an empty LINE ends the line
    // they began, so the next entry's text is not joined to them.
    private void closeCutEntry() throws IOException {
        if (at.pieces() > 0) {
            LOG.warn("journal-entry-cut seqnum-id={} seqnum={} pieces={}: the journal no longer has the rest",
                    at.seqnumId(), at.seqnum() + 1, at.pieces());
            at = new JournalPosition(at.seqnumId(), at.seqnum() + 1, 0);
            append(Frames.LINE, at, new byte[0]);
        }
    }

    private void gap(String seqnumId, long from, long to) throws IOException {
        long count = to - from + 1;
        LOG.warn("journal-lost seqnum-id={} from={} to={} count={}", seqnumId, from, to, count);
        byte[] text = ("journal-lost seqnum-id=" + seqnumId + " from=" + from + " to=" + to + " count=" + count
                + " (not in the journal when read)").getBytes(StandardCharsets.US_ASCII);
        at = new JournalPosition(seqnumId, to, 0);
        append(Frames.GAP, at, text);
    }

    private void append(byte kind, JournalPosition after, byte[] data) throws IOException {
        try {
            // The journal keeps its entries: waiting for spool room loses nothing (what it vacuums meanwhile is a gap).
            spool.appendWaiting(kind, after.source(), after.encode(), data);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("stopped while waiting for spool room");
        }
    }
}
