package loghost.cli;

import java.io.IOException;
import java.io.PrintWriter;
import loghost.config.SettingsLoader;
import loghost.store.StorageException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code loghost} command line: serve, enroll, revoke, keys, verify. */
@Command(name = "loghost", mixinStandardHelpOptions = true, version = "loghost 0.1.0",
        description = "Central secure log server: SSH append-only ingest into hash-chained per-host logs.",
        subcommands = {ServeCommand.class, EnrollCommand.class, RevokeCommand.class, KeysCommand.class,
            VerifyCommand.class, ForwardCommand.class, StatusCommand.class, CatCommand.class,
            TailCommand.class})
public final class Main implements Runnable {

    /** Exit status for a runtime error (bad input, unreadable file, failed check). */
    static final int ERROR = 1;

    @Override
    public void run() {
        new CommandLine(this).usage(System.err);
    }

    /** Runs a command line and returns its exit status; used by {@link #main} and by tests. */
    public static int run(PrintWriter out, PrintWriter err, String... args) {
        CommandLine cl = new CommandLine(new Main());
        cl.setOut(out);
        cl.setErr(err);
        cl.setExecutionExceptionHandler((e, cmd, parsed) -> {
            // Expected failures become one line; anything else is a bug and keeps its stack trace.
            if (e instanceof SettingsLoader.ConfigError || e instanceof IOException
                    || e instanceof IllegalArgumentException || e instanceof StorageException
                    || e instanceof java.security.GeneralSecurityException) {
                err.println("loghost: error: " + e.getMessage());
                err.flush();
                return ERROR;
            }
            throw e;
        });
        int code = cl.execute(args);
        out.flush();
        err.flush();
        return code;
    }

    /** Entry point. */
    public static void main(String[] args) {
        int code = run(new PrintWriter(System.out, true), new PrintWriter(System.err, true), args);
        if (code != 0 || !ServeCommand.isServing()) {
            System.exit(code);
        }
    }
}
