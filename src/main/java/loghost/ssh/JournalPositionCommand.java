package loghost.ssh;

import java.nio.charset.StandardCharsets;
import loghost.journal.JournalCursor;
import loghost.refusal.Refusal;
import loghost.store.HostLog;
import loghost.store.LogStore;
import org.apache.sshd.server.session.ServerSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code append-log --journal-position SEQNUM_ID}: prints where the host's journal stream {@code j.SEQNUM_ID} stands
 * durably, {@code s=SEQNUM_ID;i=HEX} (journalctl's {@code --after-cursor}) or {@code none}, and exits 0. Only the
 * key's own host is read; the answer goes out after an fsync of that host's log, so what it names is on disk.
 */
final class JournalPositionCommand extends PositionCommand {

    private static final Logger LOG = LoggerFactory.getLogger(JournalPositionCommand.class);

    private final String seqnumId;
    private long at;

    JournalPositionCommand(LogStore store, ActiveSessions sessions, Refusals refusals, SessionWorkers workers,
            PositionRate rate, String seqnumId) {
        super(store, sessions, refusals, workers, rate);
        this.seqnumId = seqnumId;
    }

    @Override
    protected Refusal rateRefusal() {
        return Refusal.JOURNAL_POSITION_RATE;
    }

    @Override
    protected String request() {
        return "seqnum-id=" + seqnumId;
    }

    @Override
    protected String what() {
        return "journal position";
    }

    @Override
    protected byte[] answer(HostLog log) {
        at = log.streamPosition(JournalAppendCommand.STREAM_PREFIX + seqnumId);
        String text = at > 0 ? new JournalCursor(seqnumId, at).resume() : "none";
        return (text + "\n").getBytes(StandardCharsets.US_ASCII);
    }

    @Override
    protected void answered(AuthenticatedHost who, ServerSession session) {
        LOG.info("journal-position host={} source={} seqnum-id={} at={}", who.host(), Refusals.source(session),
                seqnumId, at);
    }
}
