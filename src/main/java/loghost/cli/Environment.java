package loghost.cli;

import java.time.Clock;
import loghost.store.StepObserver;

/**
 * What a command takes from outside its arguments and configuration: the clock {@code serve} stamps records with, and
 * who hears housekeeping's crash-safe steps. {@link #SYSTEM} for the program; tests start a process with their own.
 */
public record Environment(Clock clock, StepObserver steps) {

    /** The system's UTC clock, and no observer. */
    public static final Environment SYSTEM = new Environment(Clock.systemUTC(), StepObserver.NONE);
}
