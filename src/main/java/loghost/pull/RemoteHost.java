package loghost.pull;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.EnumSet;
import loghost.refusal.ExitStatus;
import org.apache.sshd.client.channel.ChannelExec;
import org.apache.sshd.client.channel.ClientChannelEvent;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.channel.ChannelPipedInputStream;

/** The commands of {@code loghost serve-logs} run on one authenticated connection to a source. */
final class RemoteHost {

    /** Exit status of serve-logs for a file that does not exist. */
    static final int NO_SUCH_FILE = ExitStatus.NO_INPUT;
    /** Exit status of serve-logs for a file that is not the identity asked for. */
    static final int NOT_THIS_FILE = ExitStatus.UNAVAILABLE;
    private static final int MAX_REPLY = 4 << 20;

    private final ClientSession session;
    private final Duration timeout;
    private final Duration idle;

    /**
     * Commands on {@code session}: {@code timeout} for opening and closing a channel, {@code idle} the longest wait
     * for data from a command that must end (all but {@code follow} and {@code journal}).
     */
    RemoteHost(ClientSession session, Duration timeout, Duration idle) {
        this.session = session;
        this.timeout = timeout;
        this.idle = idle;
    }

    /** What a short command left: exit status, stdout, stderr. */
    record Reply(int exit, byte[] out, String err) {
        String text() {
            return new String(out, StandardCharsets.US_ASCII);
        }
    }

    /** Receives a streamed command's stdout as it arrives. */
    interface Sink {
        /** Takes {@code b[0, n)}. */
        void accept(byte[] b, int n) throws IOException, PullFailure;
    }

    /**
     * A command's stdout went beyond the bytes asked for: its channel was closed at once, and nothing beyond was
     * passed on. For a reply whose length the loghost fixed ({@code read ID FROM TO}), a source outside the protocol.
     */
    static final class ReplyTooLong extends PullFailure {
        private static final long serialVersionUID = 1L;
        private final long limit;

        ReplyTooLong(String command, long limit) {
            super("reply to '" + command + "' is longer than " + limit + " bytes");
            this.limit = limit;
        }

        /** The most bytes the command was allowed to send. */
        long limit() {
            return limit;
        }
    }

    /** Runs {@code command} to its end, keeping at most 4 MiB of its stdout; no data for the idle time is a failure. */
    Reply exec(String command) throws PullFailure {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[][] kept = new byte[1][];
        int exit = stream(command, (b, n) -> out.write(b, 0, n), kept, MAX_REPLY, idle);
        return new Reply(exit, out.toByteArray(), new String(kept[0], StandardCharsets.UTF_8));
    }

    /**
     * Runs {@code command}, passing its stdout to {@code sink} as it arrives; returns its exit status. Neither length
     * nor pauses are bounded: for {@code follow} and {@code journal}, which wait for new lines.
     */
    int stream(String command, Sink sink) throws PullFailure {
        return checked(command, sink, Long.MAX_VALUE, null);
    }

    /**
     * Runs {@code command}, which must send at most {@code limit} bytes, passing them to {@code sink}; returns its
     * exit status. One byte more, and the channel is closed at once and {@link ReplyTooLong} thrown; no byte for the
     * idle time, and the channel is closed and a {@link PullFailure} thrown: so a source that floods or stalls costs
     * at most {@code limit} bytes and never waits forever.
     */
    int stream(String command, long limit, Sink sink) throws PullFailure {
        return checked(command, sink, limit, idle);
    }

    private int checked(String command, Sink sink, long limit, Duration idle) throws PullFailure {
        byte[][] err = new byte[1][];
        int exit = stream(command, sink, err, limit, idle);
        if (exit != 0 && exit != NO_SUCH_FILE && exit != NOT_THIS_FILE) {
            throw new FailedOnSource(command, exit, new String(err[0], StandardCharsets.UTF_8));
        }
        return exit;
    }

    /** The command ran and ended with an exit status serve-logs gives for a refusal or an error (64, 74, 77, 78). */
    static final class FailedOnSource extends PullFailure {
        private static final long serialVersionUID = 1L;
        private final int exit;
        private final String err;

        FailedOnSource(String command, int exit, String err) {
            super("'" + command + "' failed on the source (exit " + exit + "): " + PullFailure.quote(err));
            this.exit = exit;
            this.err = err;
        }

        /** The command's exit status. */
        int exit() {
            return exit;
        }

        /** The command's stderr (at most 4 KiB). */
        String err() {
            return err;
        }
    }

    private int stream(String command, Sink sink, byte[][] errOut, long limit, Duration idle) throws PullFailure {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try (ChannelExec ch = session.createExecChannel(command)) {
            ch.setErr(new BoundedOutput(err, 4096));
            ch.open().verify(timeout);
            byte[] buf = new byte[64 * 1024];
            long received = 0;
            long lastData = System.nanoTime();
            try (InputStream in = ch.getInvertedOut()) {
                if (idle != null) {
                    if (!(in instanceof ChannelPipedInputStream piped)) {
                        throw new IllegalStateException("no read timeout on " + in.getClass());
                    }
                    piped.setTimeout(idle.toMillis());
                }
                for (int n; (n = in.read(buf)) > 0; ) {
                    if (n > limit - received) {
                        ch.close(true); // not a graceful close: that would wait for the flood to end
                        throw new ReplyTooLong(command, limit);
                    }
                    received += n;
                    lastData = System.nanoTime();
                    sink.accept(buf, n);
                }
            } catch (IOException e) {
                // MINA says a read timed out with a plain SocketException: the clock tells a stall from a loss.
                if (idle != null && System.nanoTime() - lastData >= idle.toNanos()) {
                    ch.close(true);
                    throw new PullFailure("no data for " + idle.toSeconds() + " s during '" + command + "'", e);
                }
                throw e;
            }
            ch.waitFor(EnumSet.of(ClientChannelEvent.CLOSED, ClientChannelEvent.EXIT_STATUS), timeout);
            Integer status = ch.getExitStatus();
            errOut[0] = err.toByteArray();
            if (status == null) {
                throw new PullFailure("connection lost during '" + command + "'");
            }
            return status;
        } catch (IOException e) {
            throw new PullFailure("connection lost during '" + command + "': " + e.getMessage(), e);
        }
    }

    /** Keeps the first {@code limit} bytes written to it: a source's stderr is one line, never a flood. */
    private static final class BoundedOutput extends java.io.OutputStream {
        private final ByteArrayOutputStream to;
        private final int limit;

        BoundedOutput(ByteArrayOutputStream to, int limit) {
            this.to = to;
            this.limit = limit;
        }

        @Override
        public void write(int b) {
            if (to.size() < limit) {
                to.write(b);
            }
        }

        @Override
        public void write(byte[] b, int off, int len) {
            to.write(b, off, Math.max(0, Math.min(len, limit - to.size())));
        }
    }
}
