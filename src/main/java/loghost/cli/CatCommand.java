package loghost.cli;

import java.io.BufferedOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.concurrent.Callable;
import loghost.read.HostLines;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code loghost cat}: hosts' logs as the hosts sent them, every day file in order, several hosts merged by time. */
@Command(name = "cat", mixinStandardHelpOptions = true, description = "Print hosts' logs as the hosts sent them: "
        + "escapes decoded, long lines rejoined, day files in order; several hosts merged in receive-time order, each "
        + "line prefixed by its host; -f follows new records. Days archived to a directory destination are read from it, "
        + "checked; a day asked for that cannot be read is named on stderr with how to restore it, exit 66.")
final class CatCommand implements Callable<Integer> {

    @Mixin
    ReadOptions read;

    @Option(names = {"-f", "--follow"}, description = "keep reading as records arrive (across day files)")
    boolean follow;

    @Override
    public Integer call() throws Exception {
        OutputStream out = new BufferedOutputStream(new FileOutputStream(FileDescriptor.out), 1 << 16);
        try {
            read.lines(out).cat(follow, Duration.ofMillis(200));
        } finally {
            out.flush(); // what was read before an error is printed before the error line
        }
        return read.status(0);
    }
}
