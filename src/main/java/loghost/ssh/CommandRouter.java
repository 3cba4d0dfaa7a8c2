package loghost.ssh;

import java.util.function.Function;
import org.apache.sshd.server.channel.ChannelSession;
import org.apache.sshd.server.command.Command;
import org.apache.sshd.server.command.CommandFactory;
import org.apache.sshd.server.shell.ShellFactory;

/**
 * Maps an exec or shell request to the only thing a key may do. The command string must be exactly
 * {@code append-log}: nothing is parsed, so no metacharacter or argument can change what runs.
 */
final class CommandRouter implements CommandFactory, ShellFactory {

    /** The one command. */
    static final String APPEND_LOG = "append-log";

    private final Function<ChannelSession, Command> appendLog;
    private final Refusals refusals;

    CommandRouter(Function<ChannelSession, Command> appendLog, Refusals refusals) {
        this.appendLog = appendLog;
        this.refusals = refusals;
    }

    @Override
    public Command createCommand(ChannelSession channel, String command) {
        if (APPEND_LOG.equals(command)) {
            return appendLog.apply(channel);
        }
        refusals.log("command-refused", channel.getSession(), "command=" + Refusals.quote(command));
        return new RefusalCommand("refused: the only command here is " + APPEND_LOG, ExitCodes.NO_PERMISSION);
    }

    @Override
    public Command createShell(ChannelSession channel) {
        refusals.log("shell-refused", channel.getSession(), null);
        return new RefusalCommand("refused: no shell here; the only command is " + APPEND_LOG,
                ExitCodes.NO_PERMISSION);
    }
}
