package loghost.ssh;

import java.util.function.BiFunction;
import java.util.function.Function;
import loghost.journal.JournalCursor;
import loghost.refusal.Refusal;
import org.apache.sshd.server.channel.ChannelSession;
import org.apache.sshd.server.command.Command;
import org.apache.sshd.server.command.CommandFactory;
import org.apache.sshd.server.shell.ShellFactory;

/**
 * Maps an exec or shell request to the only thing a key may do: append to its own host. The command string must be
 * exactly {@code append-log} (raw mode), {@code append-log --ack} (acknowledged mode, for {@code loghost forward}),
 * {@code append-log --journal} (journal entries) or {@code append-log --journal-position SEQNUM_ID} (where that
 * journal stands): nothing else is parsed, so no metacharacter or argument can change what runs.
 */
final class CommandRouter implements CommandFactory, ShellFactory {

    /** The one command. */
    static final String APPEND_LOG = "append-log";

    /** Pushed journal entries ({@code journalctl -o export} on stdin). */
    static final String APPEND_JOURNAL = "append-log --journal";
    /** The stored position of one pushed journal, followed by a space and its seqnum id. */
    static final String JOURNAL_POSITION = "append-log --journal-position";

    private final Function<ChannelSession, Command> appendLog;
    private final Function<ChannelSession, Command> ackedAppendLog;
    private final Function<ChannelSession, Command> appendJournal;
    private final BiFunction<ChannelSession, String, Command> journalPosition;
    private final Refusals refusals;

    CommandRouter(Function<ChannelSession, Command> appendLog, Function<ChannelSession, Command> ackedAppendLog,
                  Function<ChannelSession, Command> appendJournal,
                  BiFunction<ChannelSession, String, Command> journalPosition, Refusals refusals) {
        this.appendLog = appendLog;
        this.ackedAppendLog = ackedAppendLog;
        this.appendJournal = appendJournal;
        this.journalPosition = journalPosition;
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
        if (APPEND_JOURNAL.equals(command)) {
            return appendJournal.apply(channel);
        }
        if (command.equals(JOURNAL_POSITION) || command.startsWith(JOURNAL_POSITION + " ")) {
            // The one argument anywhere: taken only when it is exactly a seqnum id, never parsed further.
            String id = command.substring(JOURNAL_POSITION.length()).strip();
            if (command.equals(JOURNAL_POSITION + " " + id) && JournalCursor.SEQNUM_ID.matcher(id).matches()) {
                return journalPosition.apply(channel, id);
            }
            return new RefusalCommand(refusals.refuse(Refusal.JOURNAL_ID_MALFORMED, channel.getSession(),
                    "command=" + Refusals.quote(command)));
        }
        return new RefusalCommand(refusals.refuse(Refusal.COMMAND_REFUSED, channel.getSession(),
                "command=" + Refusals.quote(command)));
    }

    @Override
    public Command createShell(ChannelSession channel) {
        return new RefusalCommand(refusals.refuse(Refusal.SHELL_REFUSED, channel.getSession(), null));
    }
}
