package loghost.ssh;

import java.io.IOException;
import java.io.OutputStream;
import org.apache.sshd.server.Environment;
import org.apache.sshd.server.ExitCallback;
import org.apache.sshd.server.channel.ChannelSession;
import org.apache.sshd.server.command.Command;

/** Answers a request the loghost does not serve with one line on stderr and an exit status, then ends. */
final class RefusalCommand implements Command {

    private final Failure failure;
    private OutputStream err;
    private ExitCallback callback;

    RefusalCommand(Failure failure) {
        this.failure = failure;
    }

    @Override
    public void start(ChannelSession channel, Environment env) throws IOException {
        err.write(failure.stderrLine());
        err.flush();
        callback.onExit(failure.exitStatus(), failure.message());
    }

    @Override
    public void destroy(ChannelSession channel) {
        // Nothing runs after start().
    }

    @Override
    public void setInputStream(java.io.InputStream in) {
        // Input is never read: the request is refused before any.
    }

    @Override
    public void setOutputStream(OutputStream out) {
        // Nothing is written to stdout.
    }

    @Override
    public void setErrorStream(OutputStream err) {
        this.err = err;
    }

    @Override
    public void setExitCallback(ExitCallback callback) {
        this.callback = callback;
    }
}
