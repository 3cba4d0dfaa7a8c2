package loghost.verify;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The entries of {@code hosts/} checked on a bounded pool of threads, each into a report of its own, the reports
 * merged in name order: hosts are independent chains, so the result is exactly that of checking them one by one,
 * whichever finishes first.
 */
final class HostsInParallel {

    /** The check of one entry of {@code hosts/}, writing into its own report. */
    interface EntryCheck {
        /** Checks the entry {@code name}, adding counts and findings to {@code report}. */
        void check(String name, VerifyReport report);
    }

    private HostsInParallel() {
    }

    /** Checks every name with {@code check} on up to {@code threads} threads; adds the results to {@code report}. */
    static void run(List<String> names, int threads, EntryCheck check, VerifyReport report) {
        int n = Math.min(threads, names.size());
        if (n <= 1) {
            for (String name : names) {
                check.check(name, report);
            }
            return;
        }
        ExecutorService pool = Executors.newFixedThreadPool(n, task -> {
            Thread t = new Thread(task, "verify");
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<VerifyReport>> results = new ArrayList<>(names.size());
            for (String name : names) {
                results.add(pool.submit(() -> {
                    VerifyReport own = new VerifyReport();
                    check.check(name, own);
                    return own;
                }));
            }
            for (Future<VerifyReport> f : results) {
                report.merge(result(f));
            }
        } finally {
            pool.shutdownNow();
        }
    }

    /** Hands each finished day file on to a progress display with the counts of every host so far. */
    static final class Totals implements Verifier.FileDone {

        private final Verifier.FileDone display;
        private final VerifyReport totals = new VerifyReport();
        private final Map<VerifyReport, long[]> seen = new IdentityHashMap<>();

        Totals(Verifier.FileDone display) {
            this.display = display;
        }

        @Override
        public synchronized void fileDone(Path file, VerifyReport soFar) {
            long[] last = seen.computeIfAbsent(soFar, r -> new long[2]);
            totals.addCounts((int) (soFar.files() - last[0]), soFar.records() - last[1]);
            last[0] = soFar.files();
            last[1] = soFar.records();
            display.fileDone(file, totals);
        }
    }

    /**
     * The result of a check run on another thread. The checks report every input as a finding; anything else
     * is a bug, raised as it would be on one thread.
     */
    static <T> T result(Future<T> f) {
        try {
            return f.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            if (e.getCause() instanceof Error err) {
                throw err;
            }
            throw new IllegalStateException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while verifying", e);
        }
    }
}
