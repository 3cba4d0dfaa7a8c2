package loghost.ssh;

import loghost.metrics.HostMetrics;
import loghost.metrics.ServerMetrics;
import loghost.refusal.ExitStatus;
import loghost.ssh.SessionInbox.InputEnd;
import loghost.store.HostLog;
import loghost.store.LineBatch;
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
final class AppendLogCommand extends HostCommand {

    private static final Logger LOG = LoggerFactory.getLogger(AppendLogCommand.class);

    private final LogStore store;
    private final int maxLine;
    private final ServerMetrics metrics;
    // The session's state, touched by one worker at a time.
    private AuthenticatedHost who;
    private ServerSession session;
    private LineSplitter splitter;
    private HostLog log;
    private HostMetrics counted;
    private long bytes;
    private long records;
    private long receivedSinceAppend;

    AppendLogCommand(LogStore store, ActiveSessions sessions, int maxLine, Refusals refusals, ServerMetrics metrics,
                     SessionWorkers workers) {
        super(sessions, refusals, workers);
        this.store = store;
        this.maxLine = maxLine;
        this.metrics = metrics;
    }

    @Override
    protected boolean begin(AuthenticatedHost host, ServerSession s) {
        this.who = host;
        this.session = s;
        String start = "host=" + who.host() + " source=" + Refusals.source(session) + " key=" + who.fingerprint();
        LOG.info("session-start {}", start);
        refusals.audit().event("session-start " + start);
        splitter = new LineSplitter(maxLine);
        counted = metrics.host(who.host());
        try {
            log = store.host(who.host());
        } catch (StorageException e) {
            storageFailed(e);
            return false;
        }
        return true;
    }

    @Override
    protected void received(byte[] buf, int length) {
        bytes += length;
        receivedSinceAppend += length;
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
        try {
            // Kept whatever the ending, an unfinished last line included: the connection may die mid-line.
            splitter.finish(batch());
            store();
        } catch (StorageException e) {
            storageFailed(e);
            return;
        }
        // The exit status 0 says "on disk": it goes out once an fsync covers this session's records.
        workers.commits().request(log, new GroupCommit.Waiter() {
            private long start;

            @Override
            public void capture() {
                start = System.nanoTime();
            }

            @Override
            public void synced() {
                metrics.synced(ServerMetrics.SyncTrigger.SESSION, System.nanoTime() - start);
                String end = "host=" + who.host() + " source=" + Refusals.source(session) + " ending=" + how.word
                        + " bytes=" + bytes + " records=" + records + " last-seq=" + log.lastSeq();
                LOG.info("session-end {}", end);
                refusals.audit().event("session-end " + end);
                exitOk();
            }

            @Override
            public void failed(Throwable e) {
                if (e instanceof StorageException se) {
                    storageFailed(se);
                } else {
                    refuse(Failure.INTERNAL);
                }
            }
        });
    }

    private void store() throws StorageException {
        LineBatch batch = batch();
        if (batch.count() == 0) {
            return;
        }
        int n = log.append(batch).records();
        batch.clear();
        records += n;
        counted.appended(n, receivedSinceAppend);
        if (n > 0) {
            counted.logged(); // a raw session stores only log and cont records
        }
        receivedSinceAppend = 0; // with fsync-interval 0s the append above returned only once it was on disk
    }

    private void storageFailed(StorageException e) {
        String detail = "host=" + who.host() + " reason=" + Refusals.quote(e.getMessage()) + " bytes=" + bytes
                + " records-stored=" + records;
        LOG.error("storage-error {}", detail);
        refusals.audit().event("storage-error " + detail);
        refuse(new Failure(ExitStatus.IO_ERROR, "error: the loghost could not store your lines"
                + (log == null ? "" : "; records up to seq " + log.lastSeq() + " are stored")));
    }

    @Override
    protected void refuse(Failure failure) {
        exitWith(failure);
    }
}
