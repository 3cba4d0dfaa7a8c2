package loghost.ssh;

import java.io.InputStream;
import java.io.OutputStream;
import loghost.refusal.ExitStatus;
import loghost.refusal.Refusal;
import loghost.ssh.SessionInbox.InputEnd;
import loghost.store.LineBatch;
import org.apache.sshd.common.io.IoOutputStream;
import org.apache.sshd.server.Environment;
import org.apache.sshd.server.ExitCallback;
import org.apache.sshd.server.channel.ChannelDataReceiver;
import org.apache.sshd.server.channel.ChannelSession;
import org.apache.sshd.server.channel.ChannelSessionAware;
import org.apache.sshd.server.command.AsyncCommand;
import org.apache.sshd.server.session.ServerSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What both append-log commands share. Before reading a byte: find the host the session's key is enrolled for
 * (set at authentication, never taken from the client), check that the key is still enrolled, and take one of
 * that host's session slots.
 *
 * <p>No thread of its own: the channel hands each SSH packet's data to {@link #data} on MINA's I/O thread, which
 * only queues a copy in the session's {@link SessionInbox}; a shared worker ({@link SessionWorkers}) then hands it
 * to the command, one piece at a time and in order, never two workers for one session at once. The channel's
 * window is released only once a piece is handled, so a client can never have more in flight than the window
 * (backpressure). A session waiting for input holds no thread. Whatever a command throws ends that session,
 * audited, never a worker.
 */
abstract class HostCommand implements AsyncCommand, ChannelSessionAware, ChannelDataReceiver {

    private static final Logger LOG = LoggerFactory.getLogger(HostCommand.class);
    /** Bytes one worker handles for a session before it lets the other sessions' work go first. */
    private static final int TURN_BYTES = 512 * 1024;

    /** Where refusals go; subclasses report through it too. */
    protected final Refusals refusals;
    private final ActiveSessions sessions;
    /** The shared threads. */
    protected final SessionWorkers workers;
    private final SessionInbox inbox = new SessionInbox();
    private SessionChannel channel;
    private AsyncOutput out;
    private AsyncOutput err;
    private ExitCallback exitCallback;
    // Guarded by this: the exit goes out once, and gives back the slot registered by the first turn.
    private boolean exited;
    private ActiveSessions.Active registration;

    // The worker's own (one at a time, handed over through the inbox's lock).
    private boolean begun;
    private LineBatch batch;
    private String batchStream;
    private long batchSession;

    HostCommand(ActiveSessions sessions, Refusals refusals, SessionWorkers workers) {
        this.sessions = sessions;
        this.refusals = refusals;
        this.workers = workers;
    }

    // ---- what MINA calls ----

    @Override
    public void setChannelSession(ChannelSession session) {
        attach(SessionChannel.of(session));
        // Installed before MINA would install its own: the data comes here, not through a pipe and a thread.
        session.setDataReceiver(this);
    }

    /** The channel this command serves (MINA's, or a test's). */
    void attach(SessionChannel c) {
        this.channel = c;
    }

    @Override
    public void setIoOutputStream(IoOutputStream stream) {
        this.out = new AsyncOutput(stream);
    }

    @Override
    public void setIoErrorStream(IoOutputStream stream) {
        this.err = new AsyncOutput(stream);
    }

    @Override
    public void setIoInputStream(org.apache.sshd.common.io.IoInputStream stream) {
        // Not used: this command is the channel's data receiver.
    }

    @Override
    public void setInputStream(InputStream in) {
        // Not used: the input arrives through data().
    }

    @Override
    public void setOutputStream(OutputStream stream) {
        // Not used: MINA gives an asynchronous command the IoOutputStream above.
    }

    @Override
    public void setErrorStream(OutputStream stream) {
        // Not used, as above.
    }

    @Override
    public void setExitCallback(ExitCallback callback) {
        this.exitCallback = callback;
    }

    @Override
    public void start(ChannelSession session, Environment env) {
        inbox.start();
        workers.execute(this::turn);
    }

    @Override
    public int data(ChannelSession session, byte[] buf, int start, int len) {
        if (len == 0) {
            return 0; // an empty packet takes no window and holds nothing: it is not queued
        }
        switch (inbox.add(buf, start, len)) {
            case DROPPED -> {
                return len; // the session is over: nothing more is read, and the client is not held back
            }
            case SCHEDULE -> workers.execute(this::turn);
            case QUEUED -> {
                // a turn is coming already, or the command has not started
            }
        }
        return 0;
    }

    @Override
    public void close() {
        // The client's EOF, or the channel closing: either way no more input comes.
        ended(channel != null && channel.eofSignalled() ? InputEnd.EOF : lostOrClosed());
    }

    @Override
    public void destroy(ChannelSession session) {
        ended(lostOrClosed());
    }

    private InputEnd lostOrClosed() {
        return workers.stopping() ? InputEnd.CLOSED : InputEnd.LOST;
    }

    private void ended(InputEnd how) {
        if (inbox.end(how)) {
            workers.execute(this::turn);
        }
    }

    // ---- the worker's turn ----

    // One turn: the checks (first turn only), then the pieces queued, then either the end or idleness.
    private void turn() {
        LineBatch b = workers.lendBatch();
        b.rebind(batchStream, batchSession);
        batch = b;
        try {
            turnInside();
        } finally {
            // Whatever happened, the worker's batch leaves empty: the next turn may be another host's.
            batchSession = b.sessionId();
            batch = null;
            workers.giveBack(b);
        }
        // Only now may another turn start (the state above is this turn's until here): at once if input is left,
        // at the back of the queue so that the others' turns go first; otherwise at the next data.
        if (inbox.turnEnded()) {
            workers.execute(this::turn);
        }
    }

    // Handles the queued input until it is used up, the session's share of a turn is, or the session ends.
    private void turnInside() {
        try {
            if (!begun) {
                begun = true;
                if (!begin()) {
                    endInput();
                    return;
                }
            }
            long handled = 0;
            for (SessionInbox.Taken t; (t = inbox.take()) != null; ) {
                if (t.buf() != null) {
                    received(t.buf(), t.length());
                    channel.release(t.length());
                    handled += t.length();
                    if (handled >= TURN_BYTES && inbox.more()) {
                        caughtUp();
                        return;
                    }
                } else if (t.end() != null) {
                    endInput();
                    inputEnded(t.end());
                    return;
                } else {
                    caughtUp();
                    if (!inbox.more()) {
                        return;
                    }
                }
            }
        } catch (Throwable t) {
            endInput();
            failed(t);
        }
    }

    /** Stops reading this session's input: what is queued is dropped, later data discarded. */
    protected final void endInput() {
        inbox.finish();
    }

    // The checks before a byte is read; false when the session was refused (and has ended).
    private boolean begin() {
        ServerSession session = channel == null ? null : channel.session();
        AuthenticatedHost who = channel == null ? null : channel.who();
        if (who == null) {
            refuse(refusals.refuse(Refusal.NO_IDENTITY, session, null));
            return false;
        }
        ActiveSessions.Admission admitted = sessions.admit(who, session, refusals);
        if (admitted.refused() != null) {
            refuse(admitted.refused());
            return false;
        }
        synchronized (this) {
            registration = admitted.active();
        }
        try {
            return begin(who, session);
        } catch (Throwable t) {
            endInput();
            failed(t);
            return false;
        }
    }

    // A bug or an exhausted JVM (OutOfMemoryError) must end this session, not leave it hanging.
    private void failed(Throwable t) {
        try {
            failedInside(t);
        } catch (Throwable again) {
            // Even logging failed (the heap is gone): the session must still end.
            exit(Failure.INTERNAL.exitStatus(), Failure.INTERNAL.message());
            channel.closeNow();
        }
    }

    // ---- for the commands ----

    /** Session start, after the checks; false if it refused (and ended) the session. Runs on a worker. */
    protected abstract boolean begin(AuthenticatedHost who, ServerSession session) throws Exception;

    /** The next piece of input, {@code buf[0, length)}, in order. Runs on a worker. */
    protected abstract void received(byte[] buf, int length) throws Exception;

    /** No more input is queued for now: store what is held. Runs on a worker. */
    protected abstract void caughtUp() throws Exception;

    /** The input has ended; the command finishes, ending by {@link #exitOk} or {@link #exitWith}. On a worker. */
    protected abstract void inputEnded(InputEnd how) throws Exception;

    /** Tells the client why the session ends, in the command's own way, and ends it as {@code failure} says. */
    protected abstract void refuse(Failure failure);

    /** Logs and audits an unexpected failure ({@code command-failed}) and ends the session with exit status 70. */
    protected void failedInside(Throwable t) {
        ServerSession session = channel == null ? null : channel.session();
        AuthenticatedHost who = channel == null ? null : channel.who();
        String detail = "host=" + (who == null ? "-" : who.host()) + " source=" + Refusals.source(session)
                + " reason=" + Refusals.quote(t.toString());
        LOG.error("command-failed {}", detail, t);
        refusals.audit().event("command-failed " + detail);
        refuse(Failure.INTERNAL);
    }

    /** The worker's batch, bound to this session; only during a turn, and empty when the turn ends. */
    protected final LineBatch batch() {
        return batch;
    }

    /** Makes this session's batches carry {@code c=STREAM:CSEQ}; called during a turn. */
    protected final void batchStream(String stream) {
        batchStream = stream;
        batch.rebind(stream, batch.sessionId());
    }

    /** The session's stdout. */
    protected final AsyncOutput out() {
        return out;
    }

    /** The session's channel. */
    protected final SessionChannel channel() {
        return channel;
    }

    /**
     * Ends the session as {@code failure} says: its line, if it has one, on the client's stderr as
     * {@code loghost: MESSAGE}, then its exit status. The one place a failed command's client is told.
     */
    protected final void exitWith(Failure failure) {
        if (failure.message() != null) {
            err.write(failure.stderrLine());
        }
        exit(failure.exitStatus(), failure.message());
    }

    /** Ends the session with exit status 0, every line received stored and synced. */
    protected final void exitOk() {
        exit(ExitStatus.OK, null);
    }

    /**
     * Ends the session with {@code code}, once: the host's session slot is given back, and the exit status goes
     * out after everything queued on stdout and stderr (an exit status before the last ACK would lose it).
     */
    private void exit(int code, String message) {
        ActiveSessions.Active active;
        synchronized (this) {
            if (exited) {
                return;
            }
            exited = true;
            active = registration;
        }
        inbox.finish();
        if (active != null) {
            sessions.close(active);
        }
        out.whenWritten(() -> err.whenWritten(() -> exitCallback.onExit(code, message == null ? "" : message)));
    }
}
