package loghost.verify;

import java.util.ArrayList;
import java.util.List;

/** Counts and problems found by a {@link Verifier} run. */
public final class VerifyReport {

    /** One broken chain: the file (relative to the hosts directory), the 1-based line (0 when not a line) and why. */
    public record Problem(String host, String file, long line, String reason) {
        /** The problem as printed by {@code loghost verify}. */
        @Override
        public String toString() {
            return file + (line > 0 ? ":" + line : "") + ": " + reason;
        }
    }

    private int hosts;
    private int files;
    private long records;
    private final List<Problem> problems = new ArrayList<>();

    void host() {
        hosts++;
    }

    void file() {
        files++;
    }

    void record() {
        records++;
    }

    void problem(String host, String file, long line, String reason) {
        problems.add(new Problem(host, file, line, reason));
    }

    /** Host directories checked. */
    public int hosts() {
        return hosts;
    }

    /** Day files checked. */
    public int files() {
        return files;
    }

    /** Records whose digest was checked and held. */
    public long records() {
        return records;
    }

    /** Broken chains, at most one per host. */
    public List<Problem> problems() {
        return List.copyOf(problems);
    }

    /** True when every chain holds. */
    public boolean ok() {
        return problems.isEmpty();
    }
}
