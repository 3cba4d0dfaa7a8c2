package loghost.ssh;

import java.nio.charset.StandardCharsets;
import java.util.List;
import loghost.ssh.SessionInbox.InputEnd;
import loghost.store.HostLog;
import loghost.store.LogStore;
import loghost.store.StorageException;
import org.apache.sshd.server.session.ServerSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code append-log --file-position NAME DEV INO FP ...}: prints, for each identity asked about, one line
 * {@code DEV INO FP OFFSET}: the byte offset up to which the host's log holds that file's newest generation (0 for
 * nothing), and exits 0. Only the key's own host is read; the answer goes out after an fsync of that host's log,
 * so what it names is on disk.
 */
final class FilePositionCommand extends HostCommand {

    private static final Logger LOG = LoggerFactory.getLogger(FilePositionCommand.class);

    private final LogStore store;
    private final List<PushedFile> files;

    FilePositionCommand(LogStore store, ActiveSessions sessions, Refusals refusals, SessionWorkers workers,
            List<PushedFile> files) {
        super(sessions, refusals, workers);
        this.store = store;
        this.files = files;
    }

    @Override
    protected boolean begin(AuthenticatedHost who, ServerSession session) {
        endInput(); // nothing is read: the answer depends on the store alone
        HostLog log;
        try {
            log = store.host(who.host());
        } catch (StorageException e) {
            storageFailed(who, e);
            return true;
        }
        // Read before the fsync is asked for: the fsync then covers every record up to this position.
        StringBuilder text = new StringBuilder();
        for (PushedFile f : files) {
            text.append(f.identity()).append(' ').append(log.streamPosition(f.stream(f.generation(log))))
                    .append('\n');
        }
        String answer = text.toString();
        workers.commits().request(log, new GroupCommit.Waiter() {
            @Override
            public void capture() {
                // nothing to time
            }

            @Override
            public void synced() {
                LOG.info("file-position host={} source={} name={} answer=\"{}\"", who.host(),
                        Refusals.source(session), files.get(0).name(), answer.strip().replace('\n', ','));
                out().write(answer.getBytes(StandardCharsets.US_ASCII));
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
                "error: the loghost cannot read the file position now"));
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
