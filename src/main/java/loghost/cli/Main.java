package loghost.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.util.List;
import java.util.concurrent.Callable;
import loghost.config.SettingsLoader;
import loghost.store.StorageException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * The {@code loghost} command line: serve, enroll, revoke, keys, verify, forward, status, cat, tail, grep, compress,
 * archive, compare-streams, init-seal, pull, serve-logs, help.
 */
@Command(name = "loghost", mixinStandardHelpOptions = true, version = "loghost 0.1.0",
        description = "Central secure log server: SSH append-only ingest into hash-chained per-host logs.")
public final class Main implements Callable<Integer> {

    // The commands, in the order help lists them. Only the one named on the command line is built: picocli's model
    // of all of them costs ~0.1 s at every start. A bare loghost, help, or an unknown name builds them all.
    private static final List<Class<?>> COMMANDS = List.of(ServeCommand.class, EnrollCommand.class,
            RevokeCommand.class, KeysCommand.class, VerifyCommand.class, ForwardCommand.class, StatusCommand.class,
            CatCommand.class, TailCommand.class, GrepCommand.class, CompressCommand.class, ArchiveCommand.class,
            InitSealCommand.class, PullCommand.class, ServeLogsCommand.class, CompareStreamsCommand.class,
            CommandLine.HelpCommand.class);

    /** Exit status for a runtime error (bad input, unreadable file, failed check). */
    static final int ERROR = 1;

    /** Exit status for a usage error, as picocli gives for bad options. */
    static final int USAGE = 2;

    @Spec
    CommandSpec spec;

    private final Environment environment;

    private Main(Environment environment) {
        this.environment = environment;
    }

    /** The clock and observers the commands of this run use. */
    Environment environment() {
        return environment;
    }

    /** Bare {@code loghost}: usage on stderr, exit 2, since no command was given. */
    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return USAGE;
    }

    /**
     * The command line with the subcommand named {@code first} only, or with every subcommand when {@code first} is
     * null, {@code help} or not a command's name (the man pages are made from the full one).
     */
    static CommandLine commandLine(String first) {
        return commandLine(first, Environment.SYSTEM);
    }

    private static CommandLine commandLine(String first, Environment environment) {
        CommandLine cl = new CommandLine(new Main(environment));
        Class<?> named = first == null ? null : COMMANDS.stream()
                .filter(c -> c != CommandLine.HelpCommand.class && c.getAnnotation(Command.class).name().equals(first))
                .findFirst().orElse(null);
        for (Class<?> c : COMMANDS) {
            if (named == null || c == named) {
                cl.addSubcommand(c);
            }
        }
        // Every subcommand answers --help and --version, whether or not it declares them itself.
        for (CommandLine sub : cl.getSubcommands().values()) {
            if (!sub.getCommandSpec().mixinStandardHelpOptions()) {
                sub.getCommandSpec().mixinStandardHelpOptions(true);
            }
        }
        return cl;
    }

    /** Runs a command line and returns its exit status; used by {@link #main} and by tests. */
    public static int run(PrintWriter out, PrintWriter err, String... args) {
        return run(Environment.SYSTEM, out, err, args);
    }

    /** As {@link #run(PrintWriter, PrintWriter, String...)} in {@code environment} (a test's clock, say). */
    public static int run(Environment environment, PrintWriter out, PrintWriter err, String... args) {
        CommandLine cl = commandLine(args.length == 0 ? null : args[0], environment);
        cl.setOut(out);
        cl.setErr(err);
        cl.setExecutionExceptionHandler((e, cmd, parsed) -> {
            // Expected failures become one line; anything else is a bug and keeps its stack trace. The status is 1
            // unless the command says otherwise (grep: 2, as GNU grep, since its 1 means "no match").
            int status = cmd.getCommandSpec().exitCodeOnExecutionException();
            if (e instanceof NoSuchFileException) {
                err.println("loghost: error: no such file: " + ((NoSuchFileException) e).getFile());
                err.flush();
                return status;
            }
            if (e instanceof AccessDeniedException) {
                err.println("loghost: error: permission denied: " + ((AccessDeniedException) e).getFile());
                err.flush();
                return status;
            }
            if (e instanceof SettingsLoader.ConfigError || e instanceof IOException
                    || e instanceof IllegalArgumentException || e instanceof StorageException
                    || e instanceof java.security.GeneralSecurityException) {
                err.println("loghost: error: " + e.getMessage());
                err.flush();
                return status;
            }
            throw e;
        });
        // picocli answers "loghost bogus --help" with the top-level help and exit 0: an unknown command must be an error.
        if (args.length > 0 && !args[0].startsWith("-") && !cl.getSubcommands().containsKey(args[0])) {
            err.println("loghost: error: unknown command '" + args[0].replaceAll("[^ -~]", "?") + "'; commands: "
                    + String.join(", ", cl.getSubcommands().keySet()));
            err.flush();
            return USAGE;
        }
        int code = cl.execute(args);
        out.flush();
        err.flush();
        return code;
    }

    /** Entry point. */
    public static void main(String[] args) {
        // serve returns only once it has stopped cleanly: exit with its status, whatever threads MINA left.
        System.exit(run(new PrintWriter(System.out, true), new PrintWriter(System.err, true), args));
    }
}
