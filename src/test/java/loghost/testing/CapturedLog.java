package loghost.testing;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.time.Duration;
import java.util.List;
import org.slf4j.LoggerFactory;

/** The operator's log lines, as the server writes them, captured for assertions. */
public final class CapturedLog implements AutoCloseable {

    private final Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    private final ListAppender<ILoggingEvent> appender = new ListAppender<>();

    /** Starts capturing every log line. */
    public CapturedLog() {
        appender.start();
        root.addAppender(appender);
    }

    /** The formatted lines so far. */
    public List<String> lines() {
        // ListAppender adds under the appender's own lock (AppenderBase.doAppend is synchronized): copy under it.
        List<ILoggingEvent> copy;
        synchronized (appender) {
            copy = List.copyOf(appender.list);
        }
        return copy.stream().map(e -> e.getLoggerName() + " " + e.getFormattedMessage()).toList();
    }

    /** Waits up to {@code timeout} for a line containing every fragment; returns it, or null. */
    public String await(Duration timeout, String... fragments) throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        do {
            for (String l : lines()) {
                if (java.util.Arrays.stream(fragments).allMatch(l::contains)) {
                    return l;
                }
            }
            Thread.sleep(20);
        } while (System.nanoTime() < end);
        return null;
    }

    @Override
    public void close() {
        root.detachAppender(appender);
        appender.stop();
    }
}
