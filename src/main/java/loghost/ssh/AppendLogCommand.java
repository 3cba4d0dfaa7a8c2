package loghost.ssh;

import loghost.metrics.ServerMetrics;
import loghost.ssh.SessionInbox.InputEnd;
import loghost.store.LineSplitter;
import loghost.store.LogStore;
import loghost.store.StorageException;
import org.apache.sshd.server.session.ServerSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code append-log}: every line of stdin becomes a record in the log of the host the session's key is enrolled
 * for. Lines are split and escaped on a worker; chaining and writing happen under the host's lock, one turn's
 * worth of lines at a time. Exit status 0 means every line was stored and synced.
 */
final class AppendLogCommand extends RawSessionCommand {

    private static final Logger LOG = LoggerFactory.getLogger(AppendLogCommand.class);

    private LineSplitter splitter;

    AppendLogCommand(LogStore store, ActiveSessions sessions, int maxLine, Refusals refusals, ServerMetrics metrics,
                     SessionWorkers workers) {
        super(store, sessions, maxLine, refusals, metrics, workers, LOG);
    }

    @Override
    protected boolean begin(AuthenticatedHost host, ServerSession s) {
        splitter = new LineSplitter(maxLine);
        return super.begin(host, s);
    }

    @Override
    protected void received(byte[] buf, int length) {
        counted(length);
        splitter.feed(buf, 0, length, batch());
    }

    @Override
    protected void caughtUp() {
        splitter.release(); // an idle raw session holds no line buffer unless it holds part of a line
        try {
            store();
        } catch (StorageException e) {
            storageFailed(e);
        }
    }

    @Override
    protected void inputEnded(InputEnd how) {
        // Kept whatever the ending, an unfinished last line included: the connection may die mid-line.
        splitter.finish(batch());
        storeAndExit(how);
    }
}
