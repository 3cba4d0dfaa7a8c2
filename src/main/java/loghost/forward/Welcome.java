package loghost.forward;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import loghost.protocol.Frames;

/**
 * The loghost's WELCOME, the one parser of it (the forwarder's, and the tests'): {@code last} is any decimal u64,
 * 0 to 18446744073709551615 (docs/PROTOCOL.md; a stream someone else wrote can carry any of them); one beyond
 * 2^63-1 is kept as {@link Long#MAX_VALUE}, which is above anything a spool numbers. Anything else, a number beyond
 * the u64 range included, is {@link Unparseable}.
 */
public record Welcome(String host, long last, String lastText) {

    private static final Pattern BODY = Pattern.compile("loghost-ack 1 host=(\\S{1,255}) last=(\\d{1,20})");
    private static final BigInteger LONG_MAX = BigInteger.valueOf(Long.MAX_VALUE);
    private static final BigInteger U64_MAX = BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE);

    /** Reads a WELCOME frame; throws for an ERROR frame, a missing one, or one that does not parse. */
    public static Welcome parse(Frames.Frame f) throws java.io.IOException {
        if (f == null) {
            throw new Frames.ProtocolException("the loghost closed the stream before WELCOME");
        }
        String text = new String(f.body(), StandardCharsets.UTF_8);
        if (f.kind() == Frames.ERROR) {
            throw new Frames.ProtocolException("loghost refused the stream: " + printable(text));
        }
        Matcher m = BODY.matcher(text);
        if (f.kind() != Frames.WELCOME || !m.matches()) {
            throw new Unparseable("expected WELCOME \"loghost-ack 1 host=HOST last=N\", got frame '"
                    + printable(String.valueOf((char) f.kind())) + "' \"" + printable(text) + "\"");
        }
        BigInteger last = new BigInteger(m.group(2));
        if (last.compareTo(U64_MAX) > 0) {
            throw new Unparseable("WELCOME last=" + m.group(2) + " is beyond the u64 range");
        }
        return new Welcome(m.group(1), last.compareTo(LONG_MAX) > 0 ? Long.MAX_VALUE : last.longValue(),
                m.group(2));
    }

    // What the loghost sent goes into our log: one line of printable ASCII, cut short.
    private static String printable(String s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length() && b.length() < 200; i++) {
            char c = s.charAt(i);
            b.append(c >= 0x20 && c < 0x7f && c != '"' && c != '\\' ? String.valueOf(c)
                    : String.format("\\x{%x}", (int) c));
        }
        return b.toString();
    }

    /** A WELCOME that does not say what it must: a loghost of another protocol version, or a broken one. */
    public static final class Unparseable extends java.io.IOException {
        private static final long serialVersionUID = 1L;

        Unparseable(String message) {
            super(message);
        }
    }
}
