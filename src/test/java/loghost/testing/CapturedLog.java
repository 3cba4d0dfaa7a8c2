package loghost.testing;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.CoreConstants;
import ch.qos.logback.core.read.ListAppender;
import java.util.List;
import loghost.logging.OneLineLayout;
import org.slf4j.LoggerFactory;

/**
 * The operator's log lines, as the server writes them, captured for assertions: "LOGGER MESSAGE", rendered by the
 * same one-line layout as the server's log (escaped, a stack trace on the event's line).
 */
public final class CapturedLog implements AutoCloseable {

    private final Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    private final ListAppender<ILoggingEvent> appender = new ListAppender<>();
    private final OneLineLayout layout = new OneLineLayout();

    /** Starts capturing every log line. */
    public CapturedLog() {
        layout.setContext(root.getLoggerContext());
        layout.setPattern("%logger %msg%n");
        layout.start();
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
        return copy.stream().map(this::line).toList();
    }

    private String line(ILoggingEvent e) {
        String l = layout.doLayout(e);
        return l.substring(0, l.length() - CoreConstants.LINE_SEPARATOR.length());
    }

    /** Waits up to {@link Await#WAIT} for a line containing every fragment and returns it; fails the test otherwise. */
    public String awaitLine(String... fragments) throws Exception {
        return Await.until(() -> "a log line with " + java.util.Arrays.toString(fragments) + "; lines: " + lines(),
                () -> find(fragments), java.util.Objects::nonNull);
    }

    private String find(String... fragments) {
        for (String l : lines()) {
            if (java.util.Arrays.stream(fragments).allMatch(l::contains)) {
                return l;
            }
        }
        return null;
    }

    @Override
    public void close() {
        root.detachAppender(appender);
        appender.stop();
    }
}
