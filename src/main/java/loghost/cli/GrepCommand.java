package loghost.cli;

import java.io.BufferedOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import loghost.read.HostLines;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code loghost grep}: the lines of hosts' logs that a pattern finds, as {@code cat} would print them. Its options
 * and exit status are GNU grep's where they share a letter: {@code -f} is not "follow" (GNU grep reads patterns
 * from a file with it), so following is {@code --follow} only.
 */
@Command(name = "grep", mixinStandardHelpOptions = true, exitCodeOnExecutionException = Main.USAGE,
        description = "Print the lines of hosts' logs that a Java regular expression finds (in the line as sent, "
        + "decoded as UTF-8). Exit status as GNU grep's: 0 when a line matched, 1 when none did, 2 on an error "
        + "(with a loghost: error: line) or a usage error; 66 when a day asked for is archived or deleted and was not "
        + "read (named on stderr with how to restore it). There is no -f: GNU grep's -f FILE (patterns from a file) "
        + "is not offered, and following is --follow.")
final class GrepCommand implements Callable<Integer> {

    /** GNU grep's status when no line was selected. */
    private static final int NO_MATCH = 1;

    @Mixin
    ReadOptions read;

    @Parameters(index = "0", paramLabel = "PATTERN", description = "a java.util.regex pattern, found anywhere in the line")
    String pattern;

    @Option(names = {"-i", "--ignore-case"}, description = "match without regard to case")
    boolean ignoreCase;

    @Option(names = {"-v", "--invert-match"}, description = "print the lines the pattern does not find")
    boolean invert;

    @Option(names = {"-F", "--fixed-strings"}, description = "PATTERN is a plain string, not a regular expression")
    boolean fixed;

    @Option(names = {"-c", "--count"}, description = "print only how many lines matched (with several hosts, one "
            + "HOST COUNT line per host, 0 included) instead of the lines")
    boolean count;

    @Option(names = "--follow", description = "keep reading as records arrive (no -f: see above)")
    boolean follow;

    @Override
    public Integer call() throws Exception {
        if (count && follow) {
            throw new IllegalArgumentException("give -c or --follow, not both");
        }
        Pattern p;
        try {
            int flags = ignoreCase ? Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE : 0;
            p = Pattern.compile(pattern, fixed ? flags | Pattern.LITERAL : flags);
        } catch (PatternSyntaxException e) {
            throw new IllegalArgumentException("not a pattern: " + e.getDescription().replaceAll("[^ -~]", "?"));
        }
        OutputStream out = new BufferedOutputStream(new FileOutputStream(FileDescriptor.out), 1 << 16);
        HostLines lines = read.lines(out, read.filter().matching(p, invert));
        try {
            if (count) {
                boolean any = printCounts(out, lines.count(), read.hosts().several());
                out.flush();
                return read.status(any ? 0 : NO_MATCH);
            }
            lines.cat(follow, Duration.ofMillis(200));
        } finally {
            out.flush(); // what was read before an error is printed before the error line
        }
        return read.status(lines.written() > 0 ? 0 : NO_MATCH);
    }

    // GNU grep -c: the count alone for one file, FILE:COUNT for several; here HOST COUNT, as lines are prefixed.
    private static boolean printCounts(OutputStream out, Map<String, Long> counts, boolean several)
            throws java.io.IOException {
        long total = 0;
        for (Map.Entry<String, Long> e : counts.entrySet()) {
            String line = (several ? e.getKey() + " " : "") + e.getValue() + "\n";
            out.write(line.getBytes(StandardCharsets.US_ASCII));
            total += e.getValue();
        }
        return total > 0;
    }
}
