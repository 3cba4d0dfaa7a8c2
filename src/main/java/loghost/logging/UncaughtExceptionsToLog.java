package loghost.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.LoggerContextListener;
import ch.qos.logback.core.spi.ContextAwareBase;
import ch.qos.logback.core.spi.LifeCycle;

/**
 * Sends an exception that ends a thread to the log, instead of the JVM's default handler, which prints it raw
 * on stderr over several lines (and its message may carry client text). Installed by logback.xml as a context
 * listener, so that everything the server writes to stderr goes through the one-line layout; a default handler
 * someone else installed first is left alone.
 */
public class UncaughtExceptionsToLog extends ContextAwareBase implements LoggerContextListener, LifeCycle {

    private Thread.UncaughtExceptionHandler installed;

    /** Installs the handler, unless the JVM already has a default one. */
    @Override
    public void start() {
        if (Thread.getDefaultUncaughtExceptionHandler() != null) {
            addInfo("a default uncaught-exception handler is already set: left in place");
            return;
        }
        Logger log = ((LoggerContext) getContext()).getLogger("loghost.uncaught");
        installed = (thread, e) -> log.error("uncaught-exception thread={}", thread.getName(), e);
        Thread.setDefaultUncaughtExceptionHandler(installed);
    }

    /** Removes the handler if it is still the one installed. */
    @Override
    public void stop() {
        if (installed != null && Thread.getDefaultUncaughtExceptionHandler() == installed) {
            Thread.setDefaultUncaughtExceptionHandler(null);
        }
        installed = null;
    }

    /** True while the handler is installed. */
    @Override
    public boolean isStarted() {
        return installed != null;
    }

    /** The handler survives a reconfiguration of the context. */
    @Override
    public boolean isResetResistant() {
        return true;
    }

    /** Nothing to do when the context starts: the handler is installed when the listener starts. */
    @Override
    public void onStart(LoggerContext context) {
        // installed by start()
    }

    /** Nothing to do on a reset: the handler logs through the context, whatever its appenders become. */
    @Override
    public void onReset(LoggerContext context) {
        // reset resistant
    }

    /** The context is stopping (JVM shutdown): the handler goes with it. */
    @Override
    public void onStop(LoggerContext context) {
        stop();
    }

    /** Levels do not concern the handler. */
    @Override
    public void onLevelChange(Logger logger, Level level) {
        // not needed
    }
}
