package loghost.testing;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Clock;
import loghost.cli.Environment;
import loghost.cli.Main;
import loghost.store.StepObserver;

/**
 * {@code loghost} as a test process runs it: {@link Main} in an {@link Environment} taken from two properties that
 * only the tests set. {@code -Dloghost.test.clock-file=PATH}: the clock is the instant in that file ({@link
 * FileClock}); {@code -Dloghost.test.halt-after=STEP}: the JVM halts (no cleanup, like kill -9, status 137) right
 * after housekeeping's step of that name. The program itself reads neither.
 */
public final class TestMain {

    /** The property naming the clock file. */
    public static final String CLOCK_FILE = "loghost.test.clock-file";
    /** The property naming the step to halt after. */
    public static final String HALT_AFTER = "loghost.test.halt-after";

    private TestMain() {
    }

    /** Runs {@code loghost ARGS} in the environment the properties describe, and exits with its status. */
    public static void main(String[] args) {
        String clockFile = System.getProperty(CLOCK_FILE);
        String haltAfter = System.getProperty(HALT_AFTER);
        Clock clock = clockFile == null ? Clock.systemUTC() : new FileClock(Path.of(clockFile));
        StepObserver steps = haltAfter == null ? StepObserver.NONE : step -> {
            if (step.equals(haltAfter)) {
                Runtime.getRuntime().halt(137);
            }
        };
        System.exit(Main.run(new Environment(clock, steps), new PrintWriter(System.out, true),
                new PrintWriter(System.err, true), args));
    }
}
