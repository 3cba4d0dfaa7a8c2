package loghost.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Map;
import loghost.config.ConfigFile;
import loghost.config.SettingsLoader;
import loghost.store.HostName;
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
        write(completion.resolve("loghost"), completion(root));
    }

    /**
     * The bash completion script: picocli's (commands, options, -o's modes), and --host completing the host
     * directories of the data directory the command line would use, found as loghost finds it.
     */
    static String completion(CommandLine root) {
        String hostName = HostName.rule().substring(0, HostName.rule().indexOf(' '));
        return AutoComplete.bash("loghost", root) + """

                # loghost: --host completes the host names in DATA/hosts, DATA found as loghost finds it: --data DIR;
                # else loghost.data-dir in the config file (--config FILE, else $%1$s, else /etc/loghost/loghost.conf
                # when loghost is the packaged /usr/bin/loghost, whose launcher names it); else %2$s. Includes and
                # substitutions in the config file are not followed.
                _loghost_data_dir() {
                  local i word value data="" config="" named=""
                  for (( i=1; i < COMP_CWORD; i++ )); do
                    word=${COMP_WORDS[i]}
                    value=${COMP_WORDS[i+1]}
                    # bash splits --data=DIR into --data, =, DIR
                    if [[ $value == "=" ]]; then value=${COMP_WORDS[i+2]}; fi
                    case $word in
                      --data) data=$value ;;
                      --config) config=$value; named=1 ;;
                    esac
                  done
                  if [[ -n $data ]]; then printf '%%s\\n' "$data"; return; fi
                  if [[ -z $named ]]; then
                    if [[ -n ${%1$s+x} ]]; then
                      config=$%1$s
                    elif [[ $(readlink -f "$(type -P "${COMP_WORDS[0]}")" 2>/dev/null) == /usr/bin/loghost ]]; then
                      config=/etc/loghost/loghost.conf
                    fi
                  fi
                  if [[ -n $config && -r $config ]]; then
                    data=$(sed -n -E 's/^[[:space:]]*(loghost\\.)?data-dir[[:space:]]*[=:][[:space:]]*"?([^"#]*[^"#[:space:]])"?.*$/\\2/p' \\
                      "$config" | tail -n 1)
                  fi
                  printf '%%s\\n' "${data:-%2$s}"
                }

                # The entries of DATA/hosts that loghost reads as hosts: host names that are directories, not links.
                _loghost_hosts() {
                  local d n hosts
                  hosts="$(_loghost_data_dir)/hosts"
                  for d in "$hosts"/*; do
                    n=${d##*/}
                    if [[ -d $d && ! -L $d && $n =~ ^(%3$s|%4$s)$ ]]; then printf '%%s\\n' "$n"; fi
                  done
                }

                _loghost_complete() {
                  local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}
                  if [[ $cur == "=" ]]; then cur=""; fi
                  if [[ $prev == "=" && $COMP_CWORD -ge 2 ]]; then prev=${COMP_WORDS[COMP_CWORD-2]}; fi
                  if [[ $prev == --host ]]; then
                    local IFS=$'\\n'
                    COMPREPLY=( $(compgen -W "$(_loghost_hosts)" -- "$cur") )
                    return 0
                  fi
                  _complete_loghost "$@"
                }
                complete -F _loghost_complete -o default loghost
                """.formatted(ConfigFile.ENV, SettingsLoader.load(null).dataDir(), hostName, HostName.AUDIT);
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
