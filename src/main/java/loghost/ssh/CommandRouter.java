package loghost.ssh;

import java.util.function.Function;
import loghost.refusal.Refusal;
import org.apache.sshd.server.channel.ChannelSession;
import org.apache.sshd.server.command.Command;
import org.apache.sshd.server.command.CommandFactory;
import org.apache.sshd.server.shell.ShellFactory;

/**
 * Maps an exec or shell request to the only thing a key may do. The command string must be exactly
 * {@code append-log} (raw mode) or {@code append-log --ack} (acknowledged mode, for {@code loghost forward}):
 * nothing is parsed, so no metacharacter or argument can change what runs.
 */
final class CommandRouter implements CommandFactory, ShellFactory {

    /** The one command. */
    static final String APPEND_LOG = "append-log";

    private final Function<ChannelSession, Command> appendLog;
    private final Function<ChannelSession, Command> ackedAppendLog;
    private final Refusals refusals;

    CommandRouter(Function<ChannelSession, Command> appendLog, Function<ChannelSession, Command> ackedAppendLog,
                  Refusals refusals) {
        this.appendLog = appendLog;
        this.ackedAppendLog = ackedAppendLog;
        this.refusals = refusals;
    }

    @Override
    public Command createCommand(ChannelSession channel, String command) {
        if (APPEND_LOG.equals(command)) {
            return appendLog.apply(channel);
        }
        if (loghost.protocol.Frames.COMMAND.equals(command)) {
            return ackedAppendLog.apply(channel);
        }
        return new RefusalCommand(refusals.refuse(Refusal.COMMAND_REFUSED, channel.getSession(),
                "command=" + Refusals.quote(command)));
    }

    @Override
    public Command createShell(ChannelSession channel) {
        return new RefusalCommand(refusals.refuse(Refusal.SHELL_REFUSED, channel.getSession(), null));
    }
}
