package loghost.ssh;

import java.nio.charset.StandardCharsets;
import loghost.journal.JournalCursor;
import loghost.refusal.Refusal;
import loghost.ssh.SessionInbox.InputEnd;
import loghost.store.HostLog;
import loghost.store.LogStore;
import loghost.store.StorageException;
import org.apache.sshd.server.session.ServerSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code append-log --journal-position SEQNUM_ID}: prints where the host's journal stream {@code j.SEQNUM_ID} stands
 * durably, {@code s=SEQNUM_ID;i=HEX} (journalctl's {@code --after-cursor}) or {@code none}, and exits 0. Only the
 * key's own host is read; the answer goes out after an fsync of that host's log, so what it names is on disk.
 */
final class JournalPositionCommand extends HostCommand {

    private static final Logger LOG = LoggerFactory.getLogger(JournalPositionCommand.class);

    private final LogStore store;
    private final JournalPositionRate rate;
    private final String seqnumId;

    JournalPositionCommand(LogStore store, ActiveSessions sessions, Refusals refusals, SessionWorkers workers,
            JournalPositionRate rate, String seqnumId) {
        super(sessions, refusals, workers);
        this.store = store;
        this.rate = rate;
        this.seqnumId = seqnumId;
    }

    @Override
    protected boolean begin(AuthenticatedHost who, ServerSession session) {
        endInput(); // nothing is read: the answer depends on the store alone
        JournalPositionRate.Decision d = rate.admit(who.host());
        if (!d.allowed()) {
            // Refused before the log is opened or synced: a flood costs no fsync and writes nothing but its report.
            refuse(d.report() ? refusals.refuse(Refusal.JOURNAL_POSITION_RATE, session, "seqnum-id=" + seqnumId
                    + " refused-unreported=" + d.notReported(), who.host())
                    : Failure.of(Refusal.JOURNAL_POSITION_RATE, who.host()));
            return true;
        }
        HostLog log;
        try {
            log = store.host(who.host());
        } catch (StorageException e) {
            storageFailed(who, e);
            return true;
        }
        // Read before the fsync is asked for: the fsync then covers every record up to this position.
        long at = log.streamPosition(JournalAppendCommand.STREAM_PREFIX + seqnumId);
        byte[] answer = ((at > 0 ? new JournalCursor(seqnumId, at).resume() : "none") + "\n")
                .getBytes(StandardCharsets.US_ASCII);
        workers.commits().request(log, new GroupCommit.Waiter() {
            @Override
            public void capture() {
                // nothing to time
            }

            @Override
            public void synced() {
                LOG.info("journal-position host={} source={} seqnum-id={} at={}", who.host(),
                        Refusals.source(session), seqnumId, at);
                out().write(answer);
                exitOk();
            }

            @Override
            public void failed(Throwable e) {
                if (e instanceof StorageException se) {
                    storageFailed(who, se);
                } else {
                    refuse(Failure.INTERNAL);
                }
            }
        });
        return true;
    }

    private void storageFailed(AuthenticatedHost who, StorageException e) {
        String detail = "host=" + who.host() + " reason=" + Refusals.quote(e.getMessage());
        LOG.error("storage-error {}", detail);
        refusals.audit().event("storage-error " + detail);
        refuse(new Failure(loghost.refusal.ExitStatus.IO_ERROR,
                "error: the loghost cannot read the journal position now"));
    }

    @Override
    protected void received(byte[] buf, int length) {
        // Never called: the input was closed in begin.
    }

    @Override
    protected void caughtUp() {
        // Nothing is held.
    }

    @Override
    protected void inputEnded(InputEnd how) {
        // The answer ends the session, not the input.
    }

    @Override
    protected void refuse(Failure failure) {
        exitWith(failure);
    }
}
