package loghost.store;

/**
 * Told after each crash-safe step of compressing, archiving and retention ({@code tmp-synced}, {@code renamed},
 * {@code archive-copied}, ...): the places where a crash must leave a state the next pass repairs. The program
 * passes {@link #NONE}; the tests' launcher passes one that stops the process there, as kill -9 would.
 */
@FunctionalInterface
public interface StepObserver {

    /** Observes nothing. */
    StepObserver NONE = step -> { };

    /** The step named {@code step} has just completed. */
    void after(String step);
}
