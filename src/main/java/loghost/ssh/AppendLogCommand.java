package loghost.ssh;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import loghost.metrics.HostMetrics;
import loghost.metrics.ServerMetrics;
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
 * for. Lines are split and escaped on this session's thread; chaining and writing happen under the host's lock,
 * one read's worth of lines at a time. Exit status 0 means every line was stored and synced.
 */
final class AppendLogCommand extends HostCommand {

    private static final Logger LOG = LoggerFactory.getLogger(AppendLogCommand.class);
    private static final int READ_SIZE = 32 * 1024;

    private final LogStore store;
    private final int maxLine;
    private final boolean syncEachWrite;
    private final ServerMetrics metrics;

    AppendLogCommand(LogStore store, ActiveSessions sessions, int maxLine, boolean syncEachWrite, Refusals refusals,
                     ServerMetrics metrics) {
        super(sessions, refusals);
        this.store = store;
        this.maxLine = maxLine;
        this.syncEachWrite = syncEachWrite;
        this.metrics = metrics;
    }

    @Override
    protected void serve(AuthenticatedHost who, ServerSession session) {
        String start = "host=" + who.host() + " source=" + Refusals.source(session) + " key=" + who.fingerprint();
        LOG.info("session-start {}", start);
        refusals.audit().event("session-start " + start);
        LineSplitter splitter = new LineSplitter(maxLine);
        LineBatch batch = new LineBatch();
        byte[] buf = new byte[READ_SIZE];
        long bytes = 0;
        long records = 0;
        HostLog log = null;
        String ending = "eof";
        HostMetrics counted = metrics.host(who.host());
        try {
            log = store.host(who.host());
            InputStream in = getInputStream();
            while (true) {
                int n;
                try {
                    n = in.read(buf);
                } catch (InterruptedIOException e) {
                    ending = "closed-by-server";
                    break;
                } catch (IOException e) {
                    // The connection died: keep everything received, including an unfinished last line.
                    ending = "connection-lost";
                    break;
                }
                if (n < 0) {
                    break;
                }
                bytes += n;
                splitter.feed(buf, 0, n, batch);
                int stored = store(log, batch);
                records += stored;
                counted.appended(stored, n);
            }
            splitter.finish(batch);
            int stored = store(log, batch);
            records += stored;
            counted.appended(stored, 0);
            sync(log);
            String end = "host=" + who.host() + " source=" + Refusals.source(session) + " ending=" + ending
                    + " bytes=" + bytes + " records=" + records + " last-seq=" + log.lastSeq();
            LOG.info("session-end {}", end);
            refusals.audit().event("session-end " + end);
            onExit(ExitCodes.OK);
        } catch (StorageException e) {
            String detail = "host=" + who.host() + " reason=" + Refusals.quote(e.getMessage()) + " bytes=" + bytes
                    + " records-stored=" + records;
            LOG.error("storage-error {}", detail);
            refusals.audit().event("storage-error " + detail);
            refuse(ExitCodes.IO_ERROR, "error: the loghost could not store your lines"
                    + (log == null ? "" : "; records up to seq " + log.lastSeq() + " are stored"));
        }
    }

    private int store(HostLog log, LineBatch batch) throws StorageException {
        if (batch.count() == 0) {
            return 0;
        }
        int n = log.append(batch).records();
        batch.clear();
        if (syncEachWrite) {
            sync(log);
        }
        return n;
    }

    private void sync(HostLog log) throws StorageException {
        long start = System.nanoTime();
        log.sync();
        metrics.synced(ServerMetrics.SyncTrigger.SESSION, System.nanoTime() - start);
    }

    @Override
    protected void refuse(int code, String message) {
        exitWithMessage(code, message);
    }
}
