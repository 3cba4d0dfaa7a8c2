package loghost.store;

import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.HexFormat;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The first line of every day file: format version, host, day, algorithm, and where the chain continues from
 * ({@code seq} of the file's first record and the digest of the record before it).
 */
public record FileHeader(String host, LocalDate day, DigestAlgorithm algorithm, long firstSeq, byte[] prevDigest) {

    private static final Pattern LINE = Pattern.compile(
            "#loghost v1 host=([a-z0-9_][a-z0-9._-]{0,62}) day=(\\d{4}-\\d{2}-\\d{2}) alg=([a-z0-9]+)"
                    + " seq=([1-9][0-9]{0,18}) prev=([0-9a-f]+)");

    /** The header as written, without its LF. */
    public String toLine() {
        return "#loghost v1 host=" + host + " day=" + day + " alg=" + algorithm.headerName()
                + " seq=" + firstSeq + " prev=" + HexFormat.of().formatHex(prevDigest);
    }

    /** Parses a header line (without LF); throws {@link IllegalArgumentException} saying what is wrong. */
    public static FileHeader parse(String line) {
        Matcher m = LINE.matcher(line);
        if (!m.matches()) {
            throw new IllegalArgumentException("not a loghost v1 header line");
        }
        DigestAlgorithm alg = DigestAlgorithm.byName(m.group(3))
                .orElseThrow(() -> new IllegalArgumentException("unknown digest algorithm " + m.group(3)));
        if (m.group(5).length() != 2 * alg.length()) {
            throw new IllegalArgumentException("prev digest length does not match " + alg.headerName());
        }
        LocalDate day;
        try {
            day = LocalDate.parse(m.group(2));
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("bad day " + m.group(2), e);
        }
        long seq;
        try {
            seq = Long.parseLong(m.group(4));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("seq out of range", e);
        }
        return new FileHeader(m.group(1), day, alg, seq, HexFormat.of().parseHex(m.group(5)));
    }
}
