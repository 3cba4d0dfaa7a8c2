package loghost.cli;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import loghost.config.Units;

/**
 * The {@code --max-silence} values of {@code status}: how long each host may go without sending a log line. A
 * value is {@code DURATION} (every host) or {@code GLOB=DURATION} (hosts the glob matches, {@code *} and {@code ?}
 * as in the shell); the first glob that matches a host wins over the plain value, and a host none applies to is not
 * checked.
 */
final class MaxSilence {

    private static final Pattern GLOB = Pattern.compile("[a-z0-9._*?-]{1,64}");

    private record Rule(Pattern host, Duration limit) {
    }

    private final List<Rule> rules;
    private final Duration everyHost;

    private MaxSilence(List<Rule> rules, Duration everyHost) {
        this.rules = rules;
        this.everyHost = everyHost;
    }

    /** Reads the option's values, refusing a malformed one or two plain ones, naming the option. */
    static MaxSilence parse(List<String> values) {
        List<Rule> rules = new ArrayList<>();
        Duration everyHost = null;
        for (String v : values == null ? List.<String>of() : values) {
            int eq = v.indexOf('=');
            if (eq < 0) {
                if (everyHost != null) {
                    throw new IllegalArgumentException("--max-silence: two values for every host (" + v + ")");
                }
                everyHost = Units.duration("--max-silence", v);
                continue;
            }
            String glob = v.substring(0, eq);
            if (!GLOB.matcher(glob).matches()) {
                throw new IllegalArgumentException("--max-silence: not a host glob: "
                        + glob.replaceAll("[^ -~]", "?") + " (a host name with * and ?)");
            }
            rules.add(new Rule(Pattern.compile(glob.replace(".", "\\.").replace("*", ".*").replace("?", ".")),
                    Units.duration("--max-silence", v.substring(eq + 1))));
        }
        return new MaxSilence(List.copyOf(rules), everyHost);
    }

    /** True when no value was given: log lines are not checked. */
    boolean none() {
        return rules.isEmpty() && everyHost == null;
    }

    /** The limit of {@code host}, or null when none applies to it. */
    Duration of(String host) {
        for (Rule r : rules) {
            if (r.host().matcher(host).matches()) {
                return r.limit();
            }
        }
        return everyHost;
    }
}
