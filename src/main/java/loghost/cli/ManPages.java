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

    /** The man page of command {@code cl}, named {@code name}: picocli's usage, then {@link ManText}'s sections. */
    static String page(String name, CommandLine cl) {
        ManText.Page text = ManText.page(name.equals("loghost") ? name : name.substring("loghost-".length()));
        if (text == null) {
            throw new IllegalStateException("no EXAMPLES, FILES and EXIT STATUS for " + name + " in ManText");
        }
        String description = String.join(" ", cl.getCommandSpec().usageMessage().description());
        StringBuilder b = new StringBuilder();
        b.append(".TH ").append(name.toUpperCase(java.util.Locale.ROOT)).append(" 1 \"")
                .append(LocalDate.now(ZoneOffset.UTC)).append("\" \"loghost\" \"loghost manual\"\n");
        b.append(".SH NAME\n").append(name).append(" \\- ").append(roff(description)).append('\n');
        b.append(".SH SYNOPSIS AND OPTIONS\n.nf\n");
        usage(b, cl);
        // archive's page holds its subcommands' usage too: there is no loghost-archive-verify page.
        for (Map.Entry<String, CommandLine> sub : cl.getSubcommands().entrySet()) {
            if (!sub.getKey().equals("help") && !name.equals("loghost")) {
                usage(b, sub.getValue());
            }
        }
        b.append(".fi\n.SH EXIT STATUS\n");
        for (Map.Entry<Integer, String> e : text.exits().entrySet()) {
            b.append(".TP\n.B ").append(e.getKey()).append('\n').append(roff(e.getValue())).append('\n');
        }
        b.append(".SH FILES\n");
        for (String[] f : text.files()) {
            b.append(".TP\n.I ").append(argument(f[0])).append('\n').append(roff(f[1])).append('\n');
        }
        b.append(".SH EXAMPLES\n");
        for (String[] e : text.examples()) {
            b.append(".TP\n.B ").append(argument(e[0])).append('\n').append(roff(e[1])).append('\n');
        }
        b.append(".SH SEE ALSO\nloghost(1); /usr/share/doc/loghost/README.md and docs/\n");
        return b.toString();
    }

    private static void usage(StringBuilder b, CommandLine cl) {
        for (String line : cl.getUsageMessage(CommandLine.Help.Ansi.OFF).split("\n", -1)) {
            b.append(roff(line)).append('\n');
        }
    }

    // A macro's argument: quoted as a whole, its own double quotes written as roff's \(dq.
    private static String argument(String text) {
        return "\"" + text.replace("\\", "\\e").replace("\"", "\\(dq") + "\"";
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
