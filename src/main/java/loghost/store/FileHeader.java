package loghost.store;

import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.HexFormat;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The first line of every day file: format version, host, day, algorithm, and where the chain continues from
 * ({@code seq} of the file's first record and the digest of the record before it). Versions 1 and 2 are read;
 * new files are written as the current version ({@link Escaping#V2}).
 */
public record FileHeader(int version, String host, LocalDate day, DigestAlgorithm algorithm, long firstSeq,
                         byte[] prevDigest) {

    /** The version new day files are written with. */
    public static final int CURRENT_VERSION = Escaping.V2;

    private static final Pattern LINE = Pattern.compile(
            "#loghost v([12]) host=([a-z0-9_][a-z0-9._-]{0,62}) day=([0-9]{4}-[0-9]{2}-[0-9]{2})"
                    + " alg=(sha256|sha512|md5) seq=([1-9][0-9]{0,17}) prev=([0-9a-f]+)");

    /** A header of the current version. */
    public FileHeader(String host, LocalDate day, DigestAlgorithm algorithm, long firstSeq, byte[] prevDigest) {
        this(CURRENT_VERSION, host, day, algorithm, firstSeq, prevDigest);
    }

    /** The header as written, without its LF. */
    public String toLine() {
        return "#loghost v" + version + " host=" + host + " day=" + day + " alg=" + algorithm.headerName()
                + " seq=" + firstSeq + " prev=" + HexFormat.of().formatHex(prevDigest);
    }

    /**
     * Parses a header line (without LF); throws {@link IllegalArgumentException} whose message is the reason
     * {@code loghost verify} prints (docs/FORMAT.md, "Verifying").
     */
    public static FileHeader parse(String line) {
        Matcher m = LINE.matcher(line);
        if (!m.matches()) {
            throw new IllegalArgumentException("malformed header line");
        }
        DigestAlgorithm alg = DigestAlgorithm.byName(m.group(4))
                .orElseThrow(() -> new IllegalArgumentException("malformed header line"));
        if (m.group(6).length() != 2 * alg.length()) {
            throw new IllegalArgumentException("header prev is not " + 2 * alg.length() + " hex digits");
        }
        LocalDate day;
        try {
            day = LocalDate.parse(m.group(3));
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("header day " + m.group(3) + " is not a real date", e);
        }
        return new FileHeader(Integer.parseInt(m.group(1)), m.group(2), day, alg, Long.parseLong(m.group(5)),
                HexFormat.of().parseHex(m.group(6)));
    }
}
