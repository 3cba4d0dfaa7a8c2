package loghost.cli;

import java.io.BufferedOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import loghost.read.HostLines;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code loghost grep}: the lines of a host's log that a pattern finds, as {@code cat} would print them. */
@Command(name = "grep", mixinStandardHelpOptions = true, description = "Print the lines of a host's log that a "
        + "Java regular expression finds (in the line as sent, decoded as UTF-8); exit 0 when a line matched, 1 when "
        + "none did (or on an error, with a loghost: error: line).")
final class GrepCommand implements Callable<Integer> {

    @Mixin
    ReadOptions read;

    @Parameters(index = "0", paramLabel = "PATTERN", description = "a java.util.regex pattern, found anywhere in the line")
    String pattern;

    @Option(names = {"-i", "--ignore-case"}, description = "match without regard to case")
    boolean ignoreCase;

    @Option(names = {"-v", "--invert-match"}, description = "print the lines the pattern does not find")
    boolean invert;

    @Option(names = {"-f", "--follow"}, description = "keep reading as records arrive")
    boolean follow;

    @Override
    public Integer call() throws Exception {
        Pattern p;
        try {
            p = Pattern.compile(pattern, ignoreCase ? Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE : 0);
        } catch (PatternSyntaxException e) {
            throw new IllegalArgumentException("not a pattern: " + e.getDescription().replaceAll("[^ -~]", "?"));
        }
        OutputStream out = new BufferedOutputStream(new FileOutputStream(FileDescriptor.out), 1 << 16);
        HostLines lines = new HostLines(read.hostDir(), read.filter().matching(p, invert), read.writer(out));
        try {
            (read.verify ? lines.verifying() : lines).cat(follow, Duration.ofMillis(200));
        } finally {
            out.flush(); // what was read before an error is printed before the error line
        }
        return lines.written() > 0 ? 0 : Main.ERROR;
    }
}
