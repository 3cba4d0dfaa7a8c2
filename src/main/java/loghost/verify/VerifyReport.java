package loghost.verify;

import java.util.ArrayList;
import java.util.List;

/** Counts and findings of a {@link Verifier} run, in the order they were found. */
public final class VerifyReport {

    /** How much a finding weighs: a failure makes the run fail; a warning or a note does not. */
    public enum Kind {
        /** A broken chain or a store that must not be trusted as is: exit status 1. */
        FAIL("FAIL"),
        /** A weakness that does not break a chain (group or others may read the logs). */
        WARNING("warning"),
        /** Something expected that verify ignores (an unfinished day file holding at most a header). */
        NOTE("note"),
        /** Up to when a host's log (or the checkpoints) is sealed: information, not a failure. */
        SEALED("sealed");

        private final String word;

        Kind(String word) {
            this.word = word;
        }
    }

    /**
     * One finding: the path relative to the data directory (names escaped as messages are), the 1-based line of a
     * day file (0 when the finding is about the file or directory as a whole), and the reason.
     */
    public record Finding(Kind kind, String path, long line, String reason) {
        /** The finding as {@code loghost verify} prints it. */
        @Override
        public String toString() {
            return "verify: " + kind.word + ": " + path + (line > 0 ? ":" + line : "") + ": " + reason;
        }
    }

    private int hosts;
    private int files;
    private long records;
    private final List<Finding> findings = new ArrayList<>();

    void host() {
        hosts++;
    }

    void file() {
        files++;
    }

    void record() {
        records++;
    }

    /** Adds a finding about a path as a whole (for checks made outside this package). */
    public void addFinding(Kind kind, String path, String reason) {
        add(kind, path, 0, reason);
    }

    void add(Kind kind, String path, long line, String reason) {
        findings.add(new Finding(kind, path, line, reason));
    }

    // Appends a report made on another thread (one host's), counts and findings, as if found here.
    void merge(VerifyReport other) {
        hosts += other.hosts;
        files += other.files;
        records += other.records;
        findings.addAll(other.findings);
    }

    // Counts only, for a progress display summing hosts checked at once.
    void addCounts(int moreFiles, long moreRecords) {
        files += moreFiles;
        records += moreRecords;
    }

    /** Host directories whose files were examined. */
    public int hosts() {
        return hosts;
    }

    /** Day files whose chain check began. */
    public int files() {
        return files;
    }

    /** Records whose digest was checked and held. */
    public long records() {
        return records;
    }

    /** Every finding, in the order found. */
    public List<Finding> findings() {
        return List.copyOf(findings);
    }

    /** The failures only: at most one per host, plus any about {@code hosts/} itself. */
    public List<Finding> problems() {
        return findings.stream().filter(f -> f.kind() == Kind.FAIL).toList();
    }

    /** True when nothing failed (warnings and notes may remain). */
    public boolean ok() {
        return problems().isEmpty();
    }

    /** The last line {@code loghost verify} prints. */
    public String summary() {
        String counts = count(hosts, "host") + ", " + count(files, "file") + ", " + count(records, "record");
        if (ok()) {
            return "verify: OK: " + counts;
        }
        return "verify: FAILED: " + count(problems().size(), "problem") + " (" + counts + " checked)";
    }

    private static String count(long n, String noun) {
        return n + " " + noun + (n == 1 ? "" : "s");
    }
}
