package loghost.testing;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import loghost.cli.Main;

/** The loghost command line, run in this JVM against a data directory. */
public final class Cli {

    private Cli() {
    }

    /** Runs {@code loghost SUBCOMMAND --data DATA ARGS...}; returns exit status, stdout, stderr. */
    public static Run.Result run(Path data, String subcommand, String... args) {
        List<String> a = new ArrayList<>(List.of(subcommand, "--data", data.toString()));
        a.addAll(List.of(args));
        return main(a.toArray(String[]::new));
    }

    /** Runs {@code loghost ARGS...} as given; returns exit status, stdout, stderr. */
    public static Run.Result main(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(new PrintWriter(out), new PrintWriter(err), args);
        return new Run.Result(code, out.toString(), err.toString());
    }
}
