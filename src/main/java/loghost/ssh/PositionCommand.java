package loghost.ssh;

import loghost.refusal.Refusal;
import loghost.ssh.SessionInbox.InputEnd;
import loghost.store.HostLog;
import loghost.store.LogStore;
import loghost.store.StorageException;
import org.apache.sshd.server.session.ServerSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A position request ({@code append-log --journal-position}, {@code --file-position}): reads no input, asks its
 * {@link PositionRate} first (a flood is refused before the log is opened: no fsync), reads the answer from the
 * key's own host's log, and sends it after an fsync of that log covering it, so that what it names is on disk.
 */
abstract class PositionCommand extends HostCommand {

    private static final Logger LOG = LoggerFactory.getLogger(PositionCommand.class);

    private final LogStore store;
    private final PositionRate rate;

    PositionCommand(LogStore store, ActiveSessions sessions, Refusals refusals, SessionWorkers workers,
            PositionRate rate) {
        super(sessions, refusals, workers);
        this.store = store;
        this.rate = rate;
    }

    /** The refusal of a request beyond the rate. */
    protected abstract Refusal rateRefusal();

    /** What a refusal or the answer's log line says of the request (e.g. {@code seqnum-id=ID}). */
    protected abstract String request();

    /** What cannot be read when the log fails, for the client's line ({@code journal position}). */
    protected abstract String what();

    /** The answer's bytes, read from {@code log} before the fsync that will cover it. */
    protected abstract byte[] answer(HostLog log);

    /** Logs the answer sent to {@code who} (an INFO line of the subclass's own logger). */
    protected abstract void answered(AuthenticatedHost who, ServerSession session);

    @Override
    protected final boolean begin(AuthenticatedHost who, ServerSession session) {
        endInput(); // nothing is read: the answer depends on the store alone
        PositionRate.Decision d = rate.admit(who.host());
        if (!d.allowed()) {
            // Refused before the log is opened or synced: a flood costs no fsync and writes nothing but its report.
            refuse(d.report() ? refusals.refuse(rateRefusal(), session, request() + " refused-unreported="
                    + d.notReported(), who.host()) : Failure.of(rateRefusal(), who.host()));
            return true;
        }
        HostLog log;
        try {
            log = store.host(who.host());
        } catch (StorageException e) {
            storageFailed(who, e);
            return true;
        }
        byte[] answer = answer(log);
        workers.commits().request(log, new GroupCommit.Waiter() {
            @Override
            public void capture() {
                // nothing to time
            }

            @Override
            public void synced() {
                answered(who, session);
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
        refuse(new Failure(loghost.refusal.ExitStatus.IO_ERROR, "error: the loghost cannot read the " + what()
                + " now"));
    }

    @Override
    protected final void received(byte[] buf, int length) {
        // Never called: the input was closed in begin.
    }

    @Override
    protected final void caughtUp() {
        // Nothing is held.
    }

    @Override
    protected final void inputEnded(InputEnd how) {
        // The answer ends the session, not the input.
    }

    @Override
    protected final void refuse(Failure failure) {
        exitWith(failure);
    }
}
