package loghost.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Map;
import picocli.AutoComplete;
import picocli.CommandLine;

/**
 * Build-time generator (run by the package phase, not a user command): a man page per command, from the same
 * picocli model as {@code --help} so the two cannot drift, and the bash completion script.
 */
public final class ManPages {

    private ManPages() {
    }

    /** {@code ManPages DIR}: writes DIR/man1/loghost*.1 and DIR/bash-completion/loghost. */
    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            throw new IllegalArgumentException("usage: ManPages OUTPUT_DIR");
        }
        Path out = Path.of(args[0]);
        CommandLine root = Main.commandLine(null);
        Path man = Files.createDirectories(out.resolve("man1"));
        write(man.resolve("loghost.1"), page("loghost", root));
        for (Map.Entry<String, CommandLine> e : root.getSubcommands().entrySet()) {
            if (!e.getKey().equals("help")) {
                write(man.resolve("loghost-" + e.getKey() + ".1"), page("loghost-" + e.getKey(), e.getValue()));
            }
        }
        Path completion = Files.createDirectories(out.resolve("bash-completion"));
        write(completion.resolve("loghost"), AutoComplete.bash("loghost", root));
    }

    private static String page(String name, CommandLine cl) {
        String description = String.join(" ", cl.getCommandSpec().usageMessage().description());
        StringBuilder b = new StringBuilder();
        b.append(".TH ").append(name.toUpperCase(java.util.Locale.ROOT)).append(" 1 \"")
                .append(LocalDate.now(ZoneOffset.UTC)).append("\" \"loghost\" \"loghost manual\"\n");
        b.append(".SH NAME\n").append(name).append(" \\- ").append(roff(description)).append('\n');
        b.append(".SH SYNOPSIS AND OPTIONS\n.nf\n");
        String usage = cl.getUsageMessage(CommandLine.Help.Ansi.OFF);
        for (String line : usage.split("\n", -1)) {
            b.append(roff(line)).append('\n');
        }
        b.append(".fi\n.SH SEE ALSO\nloghost(1); /usr/share/doc/loghost/README.md and docs/\n");
        return b.toString();
    }

    // Backslashes and a leading dot or quote would be read as roff requests.
    private static String roff(String text) {
        String t = text.replace("\\", "\\e");
        return t.startsWith(".") || t.startsWith("'") ? "\\&" + t : t;
    }

    private static void write(Path file, String text) throws IOException {
        Files.writeString(file, text, StandardCharsets.UTF_8);
    }
}
