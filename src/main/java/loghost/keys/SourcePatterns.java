package loghost.keys;

import java.math.BigInteger;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The {@code from="..."} restriction, with OpenSSH's meaning: comma-separated address patterns, {@code *} and
 * {@code ?} wildcards on IPv4 text, CIDR blocks, {@code !} to negate; a negated match refuses, else any match
 * admits. Host names are refused: the loghost never trusts DNS for identity.
 */
public final class SourcePatterns {

    private static final Pattern IPV4_WILDCARD = Pattern.compile("[0-9*?]{1,3}(\\.[0-9*?]{1,3}){0,3}|\\*");
    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");
    private static final Pattern IPV6 = Pattern.compile("[0-9a-fA-F:]*:[0-9a-fA-F:.]*");

    private record Entry(boolean negated, String glob, byte[] network, int prefix) {
    }

    private final String text;
    private final List<Entry> entries;

    private SourcePatterns(String text, List<Entry> entries) {
        this.text = text;
        this.entries = entries;
    }

    /** Parses a pattern list; throws {@link IllegalArgumentException} naming the bad entry. */
    public static SourcePatterns parse(String text) {
        if (text == null || text.isEmpty()) {
            throw new IllegalArgumentException("empty from= pattern list");
        }
        List<Entry> entries = new ArrayList<>();
        for (String raw : text.split(",", -1)) {
            boolean neg = raw.startsWith("!");
            String p = neg ? raw.substring(1) : raw;
            if (p.isEmpty()) {
                throw new IllegalArgumentException("empty entry in from= list: \"" + text + "\"");
            }
            int slash = p.indexOf('/');
            if (slash >= 0) {
                String addr = p.substring(0, slash);
                int prefix = parsePrefix(p.substring(slash + 1), p);
                byte[] net = literal(addr, p);
                if (prefix > net.length * 8) {
                    throw new IllegalArgumentException("CIDR prefix too long in from= entry \"" + p + "\"");
                }
                entries.add(new Entry(neg, null, net, prefix));
            } else if (IPV4.matcher(p).matches() || IPV6.matcher(p).matches()) {
                byte[] addr = literal(p, p);
                entries.add(new Entry(neg, null, addr, addr.length * 8));
            } else if (IPV4_WILDCARD.matcher(p).matches()) {
                entries.add(new Entry(neg, p, null, 0));
            } else {
                throw new IllegalArgumentException("from= entry \"" + p + "\" is not an IP address, CIDR block or "
                        + "IPv4 wildcard (host names are not accepted: the loghost does not trust DNS)");
            }
        }
        return new SourcePatterns(text, List.copyOf(entries));
    }

    private static int parsePrefix(String s, String entry) {
        if (!s.matches("\\d{1,3}")) {
            throw new IllegalArgumentException("bad CIDR prefix in from= entry \"" + entry + "\"");
        }
        return Integer.parseInt(s);
    }

    private static byte[] literal(String addr, String entry) {
        if (!IPV4.matcher(addr).matches() && !IPV6.matcher(addr).matches()) {
            throw new IllegalArgumentException("not an IP address in from= entry \"" + entry + "\"");
        }
        try {
            // Literal syntax only (checked above): no name resolution happens here.
            return InetAddress.getByName(addr).getAddress();
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("not an IP address in from= entry \"" + entry + "\"", e);
        }
    }

    /** The list as written. */
    public String text() {
        return text;
    }

    /** True when {@code address} may use the key. */
    public boolean admits(InetAddress address) {
        byte[] a = address.getAddress();
        String dotted = address.getHostAddress();
        boolean admitted = false;
        for (Entry e : entries) {
            boolean match = e.glob != null ? a.length == 4 && globMatch(e.glob, dotted)
                    : a.length == e.network.length && prefixMatch(a, e.network, e.prefix);
            if (match && e.negated) {
                return false;
            }
            admitted |= match;
        }
        return admitted;
    }

    private static boolean prefixMatch(byte[] a, byte[] net, int prefix) {
        if (prefix == 0) {
            return true;
        }
        BigInteger mask = BigInteger.ONE.shiftLeft(a.length * 8).subtract(BigInteger.ONE)
                .shiftRight(prefix).not();
        return new BigInteger(1, a).and(mask).equals(new BigInteger(1, net).and(mask));
    }

    private static boolean globMatch(String glob, String s) {
        return globMatch(glob, 0, s, 0);
    }

    private static boolean globMatch(String g, int gi, String s, int si) {
        while (gi < g.length()) {
            char c = g.charAt(gi);
            if (c == '*') {
                for (int k = si; k <= s.length(); k++) {
                    if (globMatch(g, gi + 1, s, k)) {
                        return true;
                    }
                }
                return false;
            }
            if (si >= s.length() || (c != '?' && c != s.charAt(si))) {
                return false;
            }
            gi++;
            si++;
        }
        return si == s.length();
    }
}
