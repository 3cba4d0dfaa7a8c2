package loghost.testing;

import java.time.Duration;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * Waits for an event (a line in a log, a file, a count) instead of sleeping a fixed time. Every wait is sized for a
 * loaded 2-core machine and multiplied by one factor CI can set, the environment variable
 * {@code LOGHOST_TEST_WAIT_SCALE} (default 1; README, "Tests"). A wait that is met returns at once, so a generous
 * timeout costs a passing test nothing; it only bounds how long a broken one takes to fail.
 */
public final class Await {

    /** The factor every wait is multiplied by: {@code LOGHOST_TEST_WAIT_SCALE}, a positive number, default 1. */
    public static final double SCALE = scale(System.getenv("LOGHOST_TEST_WAIT_SCALE"));
    /** How long any event may take on a loaded machine: a JVM starting, a line crossing a forwarder, a file. */
    public static final Duration WAIT = scaled(Duration.ofSeconds(180));

    private Await() {
    }

    /** A code path that may throw, probed until it says what the test waits for. */
    @FunctionalInterface
    public interface Probe<T> {
        /** The current value. */
        T get() throws Exception;
    }

    /** {@code base} times {@link #SCALE}: for a wait whose length is not the test's subject. */
    public static Duration scaled(Duration base) {
        return Duration.ofNanos((long) (base.toNanos() * SCALE));
    }

    /** Waits up to {@link #WAIT} until {@code condition} holds; fails the test naming {@code what} otherwise. */
    public static void until(Supplier<String> what, Probe<Boolean> condition) throws Exception {
        until(WAIT, what, condition, Boolean.TRUE::equals);
    }

    /** Waits up to {@link #WAIT} until {@code done} holds for the probed value, and returns that value. */
    public static <T> T until(Supplier<String> what, Probe<T> probe, Predicate<? super T> done) throws Exception {
        return until(WAIT, what, probe, done);
    }

    /**
     * Waits up to {@code timeout} (already scaled: {@link #WAIT} or {@link #scaled}) until {@code done} holds for the
     * probed value, and returns that value; fails the test with {@code what} and the last value otherwise.
     */
    public static <T> T until(Duration timeout, Supplier<String> what, Probe<T> probe, Predicate<? super T> done)
            throws Exception {
        long end = System.nanoTime() + timeout.toNanos();
        long pause = 10;
        while (true) {
            T value = probe.get();
            if (done.test(value)) {
                return value;
            }
            if (System.nanoTime() - end > 0) {
                throw new AssertionError("waited " + timeout.toSeconds() + " s (LOGHOST_TEST_WAIT_SCALE=" + SCALE
                        + ") for " + what.get() + "; last: " + value);
            }
            Thread.sleep(pause);
            pause = Math.min(pause * 2, 200);
        }
    }

    /** Whether {@code condition} held within {@code timeout} scaled, and never less than {@link #WAIT}. */
    public static boolean within(Duration timeout, java.util.function.BooleanSupplier condition)
            throws InterruptedException {
        Duration limit = scaled(timeout).compareTo(WAIT) < 0 ? WAIT : scaled(timeout);
        long end = System.nanoTime() + limit.toNanos();
        long pause = 10;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - end > 0) {
                return false;
            }
            Thread.sleep(pause);
            pause = Math.min(pause * 2, 200);
        }
        return true;
    }

    /**
     * Waits until {@code done} holds for the probed value, or until the value stopped changing for {@link #WAIT}
     * (a count that still grows is progress, however slow the machine), and returns the last value either way: for
     * a caller that asserts on it, with a better message than a timeout.
     */
    public static <T> T whileProgressing(Probe<T> probe, Predicate<? super T> done) throws Exception {
        T value = probe.get();
        long quietSince = System.nanoTime();
        long pause = 10;
        while (!done.test(value) && System.nanoTime() - quietSince < WAIT.toNanos()) {
            Thread.sleep(pause);
            pause = Math.min(pause * 2, 200);
            T next = probe.get();
            if (!java.util.Objects.equals(next, value)) {
                quietSince = System.nanoTime();
            }
            value = next;
        }
        return value;
    }

    static double scale(String env) {
        if (env == null || env.isBlank()) {
            return 1;
        }
        double s = Double.parseDouble(env.strip());
        if (!(s > 0) || Double.isInfinite(s)) {
            throw new IllegalArgumentException("LOGHOST_TEST_WAIT_SCALE must be a positive number, got " + env);
        }
        return s;
    }
}
