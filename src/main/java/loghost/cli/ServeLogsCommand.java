package loghost.cli;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import loghost.servelogs.ServeLogs;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code loghost serve-logs}: the forced command for the loghost's key on a source host (pull mode). Runs the one
 * read-only command in {@code SSH_ORIGINAL_COMMAND} on the files the allow file lists, and refuses anything else.
 */
@Command(name = "serve-logs", description = "Forced command on a source host for pull mode (authorized_keys "
        + "command=\"loghost serve-logs --allow FILE\"): serves only stat/read/follow/sha256/list of the files "
        + "FILE allows, from SSH_ORIGINAL_COMMAND; refuses everything else with one line and exit 77.")
final class ServeLogsCommand implements Callable<Integer> {

    @Option(names = "--allow", paramLabel = "FILE", required = true,
            description = "the allow file: one absolute path or pattern (* ? within a component) per line")
    Path allow;

    @Override
    public Integer call() {
        // Raw stdout, unbuffered by PrintStream and never mixed with logging (which goes to stderr).
        OutputStream out = new java.io.BufferedOutputStream(new FileOutputStream(FileDescriptor.out), 1 << 16);
        return ServeLogs.run(allow, System.getenv("SSH_ORIGINAL_COMMAND"), System.in, out,
                new FileOutputStream(FileDescriptor.err));
    }
}
