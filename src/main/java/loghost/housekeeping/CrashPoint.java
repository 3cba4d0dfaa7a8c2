package loghost.housekeeping;

/**
 * Test-only crash injection for housekeeping steps: with {@code -Dloghost.test.halt-after=STEP}, the JVM halts
 * (no cleanup, like kill -9) right after the step of that name.
 */
public final class CrashPoint {

    private static final String HALT_AFTER = System.getProperty(Compressor.HALT_PROPERTY);

    private CrashPoint() {
    }

    /** Halts the JVM with status 137 when {@code step} is the one named by the test property. */
    public static void after(String step) {
        if (step.equals(HALT_AFTER)) {
            Runtime.getRuntime().halt(137);
        }
    }
}
