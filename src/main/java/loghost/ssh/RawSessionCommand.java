package loghost.ssh;

import java.util.ArrayList;
import java.util.List;
import loghost.metrics.HostMetrics;
import loghost.metrics.ServerMetrics;
import loghost.protocol.Frames;
import loghost.refusal.ExitStatus;
import loghost.ssh.SessionInbox.InputEnd;
import loghost.store.HostLog;
import loghost.store.LineBatch;
import loghost.store.LogStore;
import loghost.store.StorageException;
import org.apache.sshd.server.session.ServerSession;
import org.slf4j.Logger;

/**
 * What the commands that store their stdin without acknowledgements ({@code append-log}, {@code append-log
 * --journal}) share: the session's start and end records, the host's log, storing a turn's batch, and the exit
 * status 0 that goes out only once an fsync covers the session's records.
 */
abstract class RawSessionCommand extends HostCommand {

    private final LogStore store;
    private final ServerMetrics metrics;
    private final Logger logger;
    /** Longest record body; longer lines become {@code cont} records. */
    protected final int maxLine;
    // The session's state, touched by one worker at a time.
    protected AuthenticatedHost who;
    protected ServerSession session;
    protected HostLog log;
    private HostMetrics counted;
    protected long bytes;
    // Every stream of the host's log this session was admitted to: each is left once when the session ends.
    private final List<String> admitted = new ArrayList<>();
    protected long records;
    private long receivedSinceAppend;

    RawSessionCommand(LogStore store, ActiveSessions sessions, int maxLine, Refusals refusals, ServerMetrics metrics,
            SessionWorkers workers, Logger logger) {
        super(sessions, refusals, workers);
        this.store = store;
        this.maxLine = maxLine;
        this.metrics = metrics;
        this.logger = logger;
    }

    /** Added to the {@code session-start} line after the key (empty, or a leading space and more fields). */
    protected String startFields() {
        return "";
    }

    /** Added to the {@code session-end} line before {@code last-seq} (empty, or a leading space and fields). */
    protected String endFields() {
        return "";
    }

    /** Called after each append of the session's batch, before it is cleared. */
    protected void appended(LineBatch batch) {
    }


    @Override
    protected boolean begin(AuthenticatedHost host, ServerSession s) {
        this.who = host;
        this.session = s;
        String start = "host=" + who.host() + " source=" + Refusals.source(session) + " key=" + who.fingerprint()
                + startFields();
        logger.info("session-start {}", start);
        refusals.audit().event("session-start " + start);
        counted = metrics.host(who.host());
        try {
            log = store.host(who.host());
        } catch (StorageException e) {
            storageFailed(e);
            return false;
        }
        return true;
    }

    /** Counts {@code length} bytes received. */
    protected final void counted(int length) {
        bytes += length;
        receivedSinceAppend += length;
    }

    /** Appends the batch to the host's log. */
    protected final void store() throws StorageException {
        LineBatch batch = batch();
        if (batch.count() == 0) {
            return;
        }
        int n = log.append(batch).records();
        appended(batch);
        batch.clear();
        records += n;
        counted.appended(n, receivedSinceAppend);
        if (n > 0) {
            counted.logged(); // a raw session stores only log, cont and gap records
        }
        receivedSinceAppend = 0; // with fsync-interval 0s the append above returned only once it was on disk
    }

    /**
     * Stores what came before refused input, then ends the session with the refusal: nothing after it is stored.
     * {@code context} goes into the audit line before the detail (empty, or fields and a space; never the host,
     * which the refusal's line names already).
     */
    protected final void refusedInput(InputRefused r, String context) {
        endInput();
        try {
            store();
        } catch (StorageException e) {
            storageFailed(e);
            return;
        }
        refuse(refusals.refuse(r.reason(), session, context + "detail=" + Refusals.quote(r.detail()) + " bytes="
                + bytes, r.detail()));
    }

    /**
     * Admits this session to {@code stream} of its host's log ({@link HostLog#admitStream}), left again when the
     * session ends, however it ends; false when the host holds as many streams as there may be.
     */
    protected final boolean admitStream(String stream) {
        if (!log.admitStream(stream, Frames.MAX_STREAMS_PER_HOST)) {
            return false;
        }
        admitted.add(stream);
        return true;
    }

    private void leaveStreams() {
        for (String s : admitted) {
            log.leaveStream(s);
        }
        admitted.clear();
    }

    /** Stores what the turn brought; a storage error ends the session. */
    @Override
    protected void caughtUp() {
        try {
            store();
        } catch (StorageException e) {
            endInput();
            storageFailed(e);
        }
    }

    @Override
    protected void refuse(Failure failure) {
        if (log != null) {
            leaveStreams();
        }
        exitWith(failure);
    }

    /** Stores what remains, then ends with exit status 0 once an fsync covers this session's records. */
    protected final void storeAndExit(InputEnd how) {
        try {
            store();
        } catch (StorageException e) {
            storageFailed(e);
            return;
        }
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
                        + " bytes=" + bytes + " records=" + records + endFields() + " last-seq=" + log.lastSeq();
                logger.info("session-end {}", end);
                refusals.audit().event("session-end " + end);
                leaveStreams();
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

    /** Ends the session with exit status 74, saying up to which seq the host's log is stored. */
    protected final void storageFailed(StorageException e) {
        String detail = "host=" + who.host() + " reason=" + Refusals.quote(e.getMessage()) + " bytes=" + bytes
                + " records-stored=" + records;
        logger.error("storage-error {}", detail);
        refusals.audit().event("storage-error " + detail);
        refuse(new Failure(ExitStatus.IO_ERROR, "error: the loghost could not store your lines"
                + (log == null ? "" : "; records up to seq " + log.lastSeq() + " are stored")));
    }
}
