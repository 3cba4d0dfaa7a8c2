package loghost.ssh;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import loghost.journal.JournalCursor;
import loghost.refusal.Refusal;
import org.apache.sshd.server.channel.ChannelSession;
import org.apache.sshd.server.command.Command;
import org.apache.sshd.server.command.CommandFactory;
import org.apache.sshd.server.shell.ShellFactory;

/**
 * Maps an exec or shell request to the only thing a key may do: append to its own host. The command string must be
 * exactly {@code append-log} (raw mode), {@code append-log --ack} (acknowledged mode, for {@code loghost forward}),
 * {@code append-log --journal} (journal entries), {@code append-log --journal-position SEQNUM_ID} (where that
 * journal stands), {@code append-log --file NAME} (a file's chunks) or {@code append-log --file-position NAME DEV INO
 * FP...} (where those files stand): arguments are taken only when the whole string matches their grammar, so no
 * metacharacter or argument can change what runs.
 */
final class CommandRouter implements CommandFactory, ShellFactory {

    /** The one command. */
    static final String APPEND_LOG = "append-log";

    /** Pushed journal entries ({@code journalctl -o export} on stdin). */
    static final String APPEND_JOURNAL = "append-log --journal";
    /** The stored position of one pushed journal, followed by a space and its seqnum id. */
    static final String JOURNAL_POSITION = "append-log --journal-position";

    /** A pushed file's chunks, followed by a space and its NAME. */
    static final String APPEND_FILE = "append-log --file";
    /** Where pushed files stand, followed by a space, the NAME and 1 to 4 identities. */
    static final String FILE_POSITION = "append-log --file-position";
    private static final Pattern FILE_ARGS = Pattern.compile(" (" + PushedFile.NAME.pattern() + ")");
    private static final Pattern POSITION_ARGS = Pattern.compile(" (" + PushedFile.NAME.pattern() + ")((?: "
            + PushedFile.IDENTITY + "){1,4})");

    /** What {@code append-log --file NAME} and {@code --file-position} run: made per channel from their arguments. */
    interface FileCommands {
        /** {@code append-log --file NAME}. */
        Command append(ChannelSession channel, String name);

        /** {@code append-log --file-position NAME DEV INO FP...}. */
        Command position(ChannelSession channel, List<PushedFile> files);
    }

    private final Function<ChannelSession, Command> appendLog;
    private final Function<ChannelSession, Command> ackedAppendLog;
    private final Function<ChannelSession, Command> appendJournal;
    private final BiFunction<ChannelSession, String, Command> journalPosition;
    private final FileCommands files;
    private final Refusals refusals;

    CommandRouter(Function<ChannelSession, Command> appendLog, Function<ChannelSession, Command> ackedAppendLog,
                  Function<ChannelSession, Command> appendJournal,
                  BiFunction<ChannelSession, String, Command> journalPosition, FileCommands files,
                  Refusals refusals) {
        this.files = files;
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
        if (command.startsWith(FILE_POSITION + " ") || command.equals(FILE_POSITION)
                || command.startsWith(APPEND_FILE + " ") || command.equals(APPEND_FILE)) {
            return file(channel, command);
        }
        return new RefusalCommand(refusals.refuse(Refusal.COMMAND_REFUSED, channel.getSession(),
                "command=" + Refusals.quote(command)));
    }

    // append-log --file NAME, or --file-position NAME DEV INO FP..., each matched whole.
    private Command file(ChannelSession channel, String command) {
        if (command.startsWith(FILE_POSITION)) {
            Matcher m = POSITION_ARGS.matcher(command.substring(FILE_POSITION.length()));
            if (m.matches()) {
                String[] p = m.group(2).substring(1).split(" ");
                List<PushedFile> asked = new ArrayList<>();
                for (int i = 0; i < p.length; i += 3) {
                    asked.add(new PushedFile(m.group(1), p[i], p[i + 1], p[i + 2]));
                }
                return files.position(channel, asked);
            }
        } else {
            Matcher m = FILE_ARGS.matcher(command.substring(APPEND_FILE.length()));
            if (m.matches()) {
                return files.append(channel, m.group(1));
            }
        }
        return new RefusalCommand(refusals.refuse(Refusal.FILE_ARGS_MALFORMED, channel.getSession(),
                "command=" + Refusals.quote(command)));
    }

    @Override
    public Command createShell(ChannelSession channel) {
        return new RefusalCommand(refusals.refuse(Refusal.SHELL_REFUSED, channel.getSession(), null));
    }
}
