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

/** {@code loghost tail}: the last lines of hosts' logs, and with -f everything that arrives after them. */
@Command(name = "tail", mixinStandardHelpOptions = true, description = "Print the last lines of hosts' logs (of "
        + "several hosts merged in receive-time order); -f follows new records like tail -F, across day files. Stepping back into archived days, it reads those of a "
        + "directory destination, checked; a day it cannot read is named on stderr, exit 66.")
final class TailCommand implements Callable<Integer> {

    @Mixin
    ReadOptions read;

    @Option(names = {"-n", "--lines"}, paramLabel = "N", defaultValue = "10", description = "how many (default 10)")
    int lines;

    @Option(names = {"-f", "--follow"}, description = "keep reading as records arrive")
    boolean follow;

    @Override
    public Integer call() throws Exception {
        if (lines < 0) {
            throw new IllegalArgumentException("-n takes a number of lines, 0 or more");
        }
        OutputStream out = new BufferedOutputStream(new FileOutputStream(FileDescriptor.out), 1 << 16);
        try {
            read.lines(out).tail(lines, follow, Duration.ofMillis(200));
        } finally {
            out.flush(); // what was read before an error is printed before the error line
        }
        return read.status(0);
    }
}
