package loghost.ssh;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
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
 * only queues a copy; a shared worker ({@link SessionWorkers}) then hands it to the command, one piece at a time
 * and in order, never two workers for one session at once. The channel's window is released only once a piece
 * is handled, so a client can never have more in flight than the window (backpressure). A session waiting for
 * input holds no thread. Whatever a command throws ends that session, audited, never a worker.
 */
abstract class HostCommand implements AsyncCommand, ChannelSessionAware, ChannelDataReceiver {

    private static final Logger LOG = LoggerFactory.getLogger(HostCommand.class);
    /** Bytes one worker handles for a session before it lets the other sessions' work go first. */
    private static final int TURN_BYTES = 512 * 1024;
    /** Room of a queued piece that small packets share, so the inbox's memory follows the bytes received. */
    private static final int CHUNK = 8192;

    /** How the input of a session ended: the word in {@code session-end}/{@code stream-end}. */
    enum InputEnd {
        EOF("eof"), LOST("connection-lost"), CLOSED("closed-by-server");

        final String word;

        InputEnd(String word) {
            this.word = word;
        }
    }

    /** Where refusals go; subclasses report through it too. */
    protected final Refusals refusals;
    private final ActiveSessions sessions;
    /** The shared threads. */
    protected final SessionWorkers workers;
    private SessionChannel channel;
    private AsyncOutput out;
    private AsyncOutput err;
    private ExitCallback exitCallback;

    // Between MINA's threads and the worker: guarded by this.
    private final ArrayDeque<Piece> inbox = new ArrayDeque<>();
    private InputEnd inputEnd;
    private boolean started;
    private boolean scheduled;
    private boolean finished;
    private boolean exited;

    // The worker's own (one at a time, handed over through the lock above).
    private boolean begun;
    private ActiveSessions.Active registration;
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
        synchronized (this) {
            // MINA may hand over data received before the command started: it waited in the inbox for this.
            started = true;
            scheduled = true; // the first turn checks the key before any input is looked at
        }
        workers.execute(this::turn);
    }

    @Override
    public int data(ChannelSession session, byte[] buf, int start, int len) {
        if (len == 0) {
            return 0; // an empty packet takes no window and holds nothing: it is not queued
        }
        synchronized (this) {
            if (finished || inputEnd != null) {
                return len; // the session is over: nothing more is read, and the client is not held back
            }
            // A packet goes into the last queued piece when it has room (no worker holds a queued piece), else
            // into a new one of at least CHUNK bytes: queued memory stays within twice the bytes queued plus one
            // CHUNK (and those bytes within the window), however small the client makes its packets.
            Piece last = inbox.peekLast();
            if (last == null || last.buf.length - last.length < len) {
                last = new Piece(new byte[Math.max(len, CHUNK)]);
                inbox.add(last);
            }
            System.arraycopy(buf, start, last.buf, last.length, len);
            last.length += len;
            if (scheduled || !started) {
                return 0;
            }
            scheduled = true;
        }
        workers.execute(this::turn);
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
        synchronized (this) {
            if (inputEnd != null || finished) {
                return;
            }
            inputEnd = how;
            if (scheduled || !started) {
                return;
            }
            scheduled = true;
        }
        workers.execute(this::turn);
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
        boolean again;
        synchronized (this) {
            again = !finished && (!inbox.isEmpty() || inputEnd != null);
            scheduled = again;
        }
        if (again) {
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
            while (true) {
                Piece piece;
                int length = 0;
                InputEnd end;
                synchronized (this) {
                    if (finished) {
                        return;
                    }
                    piece = inbox.poll();
                    end = piece == null ? inputEnd : null;
                    if (piece != null) {
                        length = piece.length; // out of the inbox, the piece grows no more
                    }
                }
                if (piece != null) {
                    received(piece.buf, length);
                    release(length);
                    handled += length;
                    if (handled >= TURN_BYTES && more()) {
                        caughtUp();
                        return;
                    }
                    continue;
                }
                if (end != null) {
                    endInput();
                    inputEnded(end);
                    return;
                }
                caughtUp();
                if (!more()) {
                    return;
                }
            }
        } catch (Throwable t) {
            endInput();
            failed(t);
        }
    }

    private synchronized boolean more() {
        return !inbox.isEmpty();
    }

    /** Stops reading this session's input: what is queued is dropped, later data discarded. */
    protected final void endInput() {
        synchronized (this) {
            finished = true;
            inbox.clear();
        }
    }

    private void release(int n) throws IOException {
        channel.release(n);
    }

    // The checks before a byte is read; false when the session was refused (and has ended).
    private boolean begin() {
        ServerSession session = channel == null ? null : channel.session();
        AuthenticatedHost who = channel == null ? null : channel.who();
        if (who == null) {
            refusals.log("no-identity", session, null);
            refuse(ExitCodes.SOFTWARE, "internal error");
            return false;
        }
        // The key may have been revoked since this connection authenticated: ask the enrolled keys again.
        String withdrawn = sessions.withdrawn(who, session);
        if (withdrawn != null) {
            refusals.log(withdrawn, session, "key=" + who.fingerprint());
            switch (withdrawn) {
                case "keys-unavailable" -> refuse(ExitCodes.TEMP_FAIL,
                        "refused: the enrolled keys cannot be read; try again later");
                case "source-not-allowed" -> refuse(ExitCodes.NO_PERMISSION,
                        "refused: this key is no longer allowed from this address");
                default -> refuse(ExitCodes.NO_PERMISSION,
                        "refused: this key is no longer enrolled for host " + who.host());
            }
            return false;
        }
        ActiveSessions.Active active = sessions.open(who);
        if (active == null) {
            refusals.log("too-many-sessions", session, "limit=" + sessions.maxPerHost());
            refuse(ExitCodes.TEMP_FAIL, "refused: host " + who.host() + " already has " + sessions.maxPerHost()
                    + " open sessions");
            return false;
        }
        synchronized (this) {
            registration = active;
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
            exit(ExitCodes.SOFTWARE, "internal error");
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

    /** The input has ended; the command finishes and must end by calling {@link #exit}. Runs on a worker. */
    protected abstract void inputEnded(InputEnd how) throws Exception;

    /** Tells the client why the session ends, in the command's own way, and ends it with {@code code}. */
    protected abstract void refuse(int code, String message);

    /** Logs and audits an unexpected failure ({@code command-failed}) and ends the session with exit status 70. */
    protected void failedInside(Throwable t) {
        ServerSession session = channel == null ? null : channel.session();
        AuthenticatedHost who = channel == null ? null : channel.who();
        String detail = "host=" + (who == null ? "-" : who.host()) + " source=" + Refusals.source(session)
                + " reason=" + Refusals.quote(t.toString());
        LOG.error("command-failed {}", detail, t);
        refusals.audit().event("command-failed " + detail);
        refuse(ExitCodes.SOFTWARE, "internal error");
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

    /** Ends the session with {@code code} after one line {@code loghost: MESSAGE} on the client's stderr. */
    protected final void exitWithMessage(int code, String message) {
        err.write(("loghost: " + message + "\n").getBytes(StandardCharsets.UTF_8));
        exit(code, message);
    }

    /**
     * Ends the session with {@code code}, once: the host's session slot is given back, and the exit status goes
     * out after everything queued on stdout and stderr (an exit status before the last ACK would lose it).
     */
    protected final void exit(int code, String message) {
        ActiveSessions.Active active;
        synchronized (this) {
            if (exited) {
                return;
            }
            exited = true;
            finished = true;
            inbox.clear();
            active = registration;
        }
        if (active != null) {
            sessions.close(active);
        }
        out.whenWritten(() -> err.whenWritten(() -> exitCallback.onExit(code, message == null ? "" : message)));
    }

    // Queued input: buf[0, length), filled by data() while it is the inbox's last piece.
    private static final class Piece {
        final byte[] buf;
        int length;

        Piece(byte[] buf) {
            this.buf = buf;
        }
    }
}
