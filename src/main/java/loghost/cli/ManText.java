package loghost.cli;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import loghost.refusal.ExitStatus;

/**
 * The parts of each command's man page that picocli's model does not hold: EXAMPLES, FILES and EXIT STATUS. The one
 * place this text lives ({@link ManPages} renders it); the exit statuses name the constants the commands return.
 */
final class ManText {

    /** One command's page: examples (command, what it does), files (path, what it is), exit statuses in order. */
    record Page(List<String[]> examples, List<String[]> files, Map<Integer, String> exits) {
    }

    private static final String[] CONFIG = {"/etc/loghost/loghost.conf", "the config file the installed launcher "
            + "names in $LOGHOST_CONFIG (--config FILE overrides it); loghost.data-dir in it is the data directory"};
    private static final String[] DATA = {"/var/lib/loghost", "the data directory of the package (--data DIR "
            + "overrides it; without a config file: ./data); docs/FORMAT.md, \"Files\", lists what it holds"};
    private static final String[] HOSTS = {"DATA/hosts/HOST/DAY.log, DAY.log.gz, MANIFEST", "a host's day files, "
            + "compressed ones, and the MANIFEST listing them and marking those archived or deleted"};
    private static final String[] KEYS = {"DATA/enrolled_keys, DATA/revoked_keys", "the enrolled client keys, and "
            + "those revoke removed"};
    private static final String USAGE = "usage error: an unknown option or command, a missing argument";

    private ManText() {
    }

    /** The page text of command {@code name} ("loghost" for the command itself), or null when there is none. */
    static Page page(String name) {
        return switch (name) {
            case "loghost" -> new Page(List.of(
                    ex("loghost help cat", "what cat takes (as loghost cat --help)"),
                    ex("loghost status --nagios", "a monitoring check")),
                    List.of(CONFIG, DATA), exits(0, "the command succeeded", Main.ERROR, "an error (one line on stderr,"
                            + " loghost: error: ...); each command's page lists its own statuses", Main.USAGE, USAGE));
            case "serve" -> new Page(List.of(
                    ex("systemctl start loghost", "as packaged: loghost serve as the loghost user"),
                    ex("loghost serve --data ./data --listen 127.0.0.1:2222", "by hand, on a port of its own")),
                    List.of(CONFIG, DATA, HOSTS, KEYS, new String[] {"DATA/ssh_host_ed25519_key", "the server's host "
                            + "key"}), exits(0, "stopped by SIGTERM or SIGINT with every log sealed and synced",
                            Main.ERROR, "it could not start, or not every log was synced at the stop", Main.USAGE,
                            USAGE));
            case "enroll" -> simple(List.of(
                    ex("loghost enroll web01 /tmp/web01.pub", "bind web01's public key to the host name web01"),
                    ex("loghost enroll --from 10.0.0.0/8 web01 -", "the key from stdin, usable only from 10/8")),
                    List.of(CONFIG, DATA, KEYS));
            case "revoke" -> simple(List.of(
                    ex("loghost revoke web01", "remove every key of web01"),
                    ex("loghost revoke SHA256:abc...", "remove one key by its fingerprint")), List.of(CONFIG, DATA, KEYS));
            case "keys" -> simple(List.of(
                    ex("loghost keys", "the enrolled keys, tab-separated"),
                    ex("loghost keys --revoked", "the keys revoke removed")), List.of(CONFIG, DATA, KEYS));
            case "verify" -> new Page(List.of(
                    ex("loghost verify", "every host's chain, manifest and seals"),
                    ex("loghost verify --host web01 --archives", "web01, online and in every archive destination")),
                    List.of(CONFIG, DATA, HOSTS, new String[] {"DATA/seal/, DATA/seal.pub", "the seal chain"}),
                    exits(0, "everything checked holds", Main.ERROR, "a problem was found (verify: FAIL: lines), or "
                            + "an error", Main.USAGE, USAGE));
            case "forward" -> new Page(List.of(
                    ex("systemctl start loghost-forward", "as packaged, with /etc/loghost/forward.conf"),
                    ex("loghost forward --to loghost.example:2222 --key KEY --known-hosts KNOWN --spool DIR --stdin",
                            "send stdin, exit once all of it is acknowledged")),
                    List.of(new String[] {"/etc/loghost/forward.conf", "the forwarder's config the installed launcher "
                            + "names in $LOGHOST_CONFIG for forward (--config FILE overrides it)"},
                            new String[] {"SPOOL/", "the spool (--spool): lines until every loghost acknowledged them"}),
                    exits(0, "with --stdin: everything read was acknowledged; otherwise stopped by a signal",
                            Main.ERROR, "an error", Main.USAGE, USAGE, ForwardCommand.DESTINATION_BEHIND, "with "
                            + "--stdin: a loghost lagged beyond --destination-max-lag and lacks entries",
                            ForwardCommand.HOST_KEY_REFUSED, "a loghost's host key is not the one in known_hosts"));
            case "status" -> new Page(List.of(
                    ex("loghost status", "one line per host; exit 1 when one needs attention"),
                    ex("loghost status --nagios --max-silence 'db*=1h'", "a Nagios check, db hosts allowed 1h quiet"),
                    ex("loghost status --json", "the same as JSON"),
                    ex("loghost status --gaps", "also the gap records (lines never received) of today and yesterday")),
                    List.of(CONFIG, DATA, HOSTS, KEYS, new String[] {"DATA/archive.state", "each archive destination's"
                            + " last pass"}),
                    exits(0, "every host is ok (--nagios: OK)", Main.ERROR, "a host is SILENT, NO-LOGS or NEVER-SEEN, "
                            + "or an error (--nagios: WARNING, a host never seen or an unproven seal epoch)",
                            Main.USAGE, USAGE + " (--nagios: CRITICAL, a host silent or without log lines)", 3,
                            "--nagios: UNKNOWN, the data directory or the config cannot be read"));
            case "cat" -> read(List.of(
                    ex("loghost cat --host web01", "web01's lines exactly as sent"),
                    ex("loghost cat --since '10 min ago'", "every host, merged in time order, each line prefixed"),
                    ex("loghost cat --host web01 --since '2026-11-22 23:00' --until 2026-11-23", "what happened in "
                            + "that hour by event time (when the forwarder read it), lines delivered late included"),
                    ex("loghost cat --host web01 --since 2026-11-23 --receive-time", "what the loghost received "
                            + "from that day on"),
                    ex("loghost cat --host 'web*' -p warning..err -o json", "by syslog priority, with journald's "
                            + "fields; time is the event time, received the receive time"),
                    ex("loghost cat --host web01 -u sshd -p err", "web01's journal entries of sshd.service, err and "
                            + "worse, as journalctl -o short-iso shows them")), 0, "every day asked for was read", Main.ERROR, "an error (loghost: error: ...)");
            case "tail" -> read(List.of(
                    ex("loghost tail --host web01 -n 50 -f", "the last 50 lines, then every new one"),
                    ex("loghost tail --host 'web*' --host db01 -f", "a pattern and a name, merged, followed")),
                    0, "every day asked for was read", Main.ERROR, "an error (loghost: error: ...)");
            case "grep" -> read(List.of(
                    ex("loghost grep --host web01 -i 'failed password'", "the lines a pattern finds"),
                    ex("loghost grep -c -F 'session opened' --since yesterday", "how many, per host")),
                    0, "a line was selected, and every day asked for was read", 1, "no line was selected", 2,
                    "an error (loghost: error: ...) or " + USAGE);
            case "compress" -> simple(List.of(
                    ex("loghost compress", "compress every closed day file (serve does it by itself)"),
                    ex("loghost compress --host web01 --before 2026-11-01", "only web01's days before November")),
                    List.of(CONFIG, DATA, HOSTS, new String[] {"DATA/compress.lock", "held while a pass runs"}));
            case "archive" -> new Page(List.of(
                    ex("loghost archive verify --dest nas", "re-read the destination nas against MANIFEST and chain"),
                    ex("loghost archive restore --host web01 --day 2026-10-01 --to /tmp/restored", "write "
                            + "/tmp/restored/hosts/web01/2026-10-01.log, checked"),
                    ex("loghost cat --data /tmp/restored --host web01", "read the restored day")),
                    List.of(CONFIG, DATA, HOSTS, new String[] {"DEST/hosts/HOST/DAY.log.gz, MANIFEST", "an archive "
                            + "destination (a directory, or keys in an S3 bucket)"}),
                    exits(0, "every archived file checked holds (verify); the day was restored (restore)",
                            Main.ERROR, "a problem or an error; restore: no checked copy, or the target exists",
                            Main.USAGE, USAGE + "; a bare loghost archive"));
            case "init-seal" -> simple(List.<String[]>of(ex("loghost init-seal", "create the seal chain, print its key")),
                    List.of(CONFIG, DATA, new String[] {"DATA/seal/, DATA/seal.pub", "the seal chain"}));
            case "pull" -> new Page(List.<String[]>of(ex("loghost pull --once web01", "run the pull source web01 once")),
                    List.of(CONFIG, DATA, HOSTS, new String[] {"DATA/pull/", "the pull sources' state"}),
                    exits(0, "the source was collected", Main.ERROR, "a failure", Main.USAGE, USAGE,
                            PullCommand.HOST_KEY_REFUSED, "the source's host key was refused"));
            case "serve-logs" -> new Page(List.<String[]>of(ex("command=\"loghost serve-logs --allow /etc/loghost/pull-allow\"",
                    "the forced command in the source host's authorized_keys")),
                    List.<String[]>of(new String[] {"ALLOW", "the allow file (--allow): the paths served, one per line"}),
                    exits(ExitStatus.OK, "served", Main.ERROR, "an error before serving", Main.USAGE, USAGE,
                            ExitStatus.USAGE, "a command string outside the grammar", ExitStatus.NO_INPUT,
                            "no such file", ExitStatus.UNAVAILABLE, "not the file asked for (its identity changed)",
                            ExitStatus.IO_ERROR, "a file cannot be read", ExitStatus.NO_PERMISSION, "refused: not "
                                    + "allowed", ExitStatus.CONFIG, "the allow file cannot be read"));
            case "compare-streams" -> new Page(List.<String[]>of(
                    ex("loghost compare-streams --host web01 /var/lib/loghost /mnt/other/data", "two loghosts' "
                            + "copies of web01's streams")), List.<String[]>of(HOSTS),
                    exits(0, "identical", CompareStreamsCommand.DIFFERENT, "different (the first difference is named)",
                            CompareStreamsCommand.TROUBLE, "a side cannot be read, or " + USAGE));
            default -> null;
        };
    }

    private static Page simple(List<String[]> examples, List<String[]> files) {
        return new Page(examples, files, exits(0, "done", Main.ERROR, "an error (loghost: error: ...)", Main.USAGE,
                USAGE));
    }

    // cat, tail, grep: their own 0 and 1 (and grep's 2), then usage and days not read.
    private static Page read(List<String[]> examples, Object... own) {
        Map<Integer, String> exits = exits(own);
        exits.putIfAbsent(Main.USAGE, USAGE);
        exits.put(ReadOptions.DAYS_NOT_READ, "a day asked for is archived or deleted and could not be read; each is "
                + "named on stderr with how to restore it; what could be read is printed");
        return new Page(examples, List.of(CONFIG, DATA, HOSTS, new String[] {"DEST/hosts/HOST/DAY.log.gz", "an archived"
                + " day, read from a directory destination (archive.destinations) after it is checked"}), exits);
    }

    private static String[] ex(String command, String what) {
        return new String[] {command, what};
    }

    private static Map<Integer, String> exits(Object... codeThenText) {
        Map<Integer, String> m = new LinkedHashMap<>();
        for (int i = 0; i < codeThenText.length; i += 2) {
            m.put((Integer) codeThenText[i], (String) codeThenText[i + 1]);
        }
        return m;
    }
}
