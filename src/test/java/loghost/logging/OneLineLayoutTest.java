package loghost.logging;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.LoggingEvent;
import ch.qos.logback.core.OutputStreamAppender;
import ch.qos.logback.core.encoder.Encoder;
import ch.qos.logback.core.status.Status;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The operator's log, as the shipped logback.xml writes it: one line of printable text per event. */
class OneLineLayoutTest {

    private static final String PREFIX = "\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z ";
    private static final String FORGED = "refused reason=fake source=10.66.66.66";

    private LoggerContext context;
    private Encoder<ILoggingEvent> encoder;

    @BeforeEach
    void configureLikeTheServer() throws Exception {
        context = new LoggerContext();
        JoranConfigurator configurator = new JoranConfigurator();
        configurator.setContext(context);
        URL config = OneLineLayout.class.getResource("/logback.xml");
        configurator.doConfigure(config);
        OutputStreamAppender<ILoggingEvent> stderr = (OutputStreamAppender<ILoggingEvent>)
                context.getLogger(Logger.ROOT_LOGGER_NAME).getAppender("STDERR");
        encoder = stderr.getEncoder();
        assertTrue(encoder.isStarted(), () -> "encoder not started: " + context.getStatusManager().getCopyOfStatusList());
    }

    @AfterEach
    void stopTheContext() {
        context.stop();
    }

    private String line(String logger, String message, Throwable t, Object... args) {
        LoggingEvent e = new LoggingEvent(Logger.class.getName(), context.getLogger(logger), Level.WARN, message, t,
                args);
        return new String(encoder.encode(e), StandardCharsets.UTF_8);
    }

    private static void assertOnePrintableLine(String line) {
        assertTrue(line.endsWith("\n"), line);
        String body = line.substring(0, line.length() - 1);
        for (int i = 0; i < body.length(); i++) {
            char c = body.charAt(i);
            boolean bad = c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == 0x2028 || c == 0x2029
                    || (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069) || c == 0x200e || c == 0x200f
                    || c == 0x061c || c == 0xfeff || Character.isSurrogate(c) && !isPaired(body, i);
            assertFalse(bad, () -> String.format("raw U+%04X at %d in %s", (int) c, body.indexOf(c), body));
        }
        assertTrue(line.matches(PREFIX + "(WARN |ERROR|INFO ) \\S+ .*\n"), line);
    }

    private static boolean isPaired(String s, int i) {
        char c = s.charAt(i);
        return Character.isHighSurrogate(c) ? i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))
                : i > 0 && Character.isHighSurrogate(s.charAt(i - 1));
    }

    @Test
    void ordinaryLinesKeepTheirFormat() {
        String line = line("loghost.refusal", "refused {}", null, "reason=shell-refused source=127.0.0.1:5 host=web01");
        assertTrue(line.matches(PREFIX + "WARN  refusal refused reason=shell-refused source=127\\.0\\.0\\.1:5"
                + " host=web01\n"), line);
    }

    @Test
    void everyLineBreakingTerminalOrDirectionCharacterIsEscapedInMessageAndArguments() {
        String[][] cases = {
                {"\n", "\\n"}, {"\r", "\\r"}, {"\t", "\\t"}, {"\u001b[2J", "\\x1b[2J"}, {"\0", "\\x00"},
                {"\u0007", "\\x07"}, {"\u007f", "\\x7f"}, {"\u0080", "\\x80"}, {"\u0085", "\\x85"},
                {"\u009b", "\\x9b"}, {"\u009f", "\\x9f"}, {"\u2028", "\\u2028"}, {"\u2029", "\\u2029"},
                {"\u202a", "\\u202a"}, {"\u202b", "\\u202b"}, {"\u202c", "\\u202c"}, {"\u202d", "\\u202d"},
                {"\u202e", "\\u202e"}, {"\u2066", "\\u2066"}, {"\u2067", "\\u2067"}, {"\u2068", "\\u2068"},
                {"\u2069", "\\u2069"}, {"\u200e", "\\u200e"}, {"\u200f", "\\u200f"}, {"\u061c", "\\u061c"},
                {"\ufeff", "\\ufeff"}, {"\u200b", "\\u200b"}, {"\ud800", "\\ud800"}, {"\udc00", "\\udc00"},
                {"\udb40\udc01", "\\U000e0001"},
        };
        for (String[] c : cases) {
            String inArgument = line("org.apache.sshd.server.session.ServerUserAuthService", "client sent method={} !",
                    null, "m" + c[0] + FORGED);
            assertOnePrintableLine(inArgument);
            assertTrue(inArgument.endsWith(" ServerUserAuthService client sent method=m" + c[1] + FORGED + " !\n"),
                    inArgument);
            String inMessage = line("x", "before" + c[0] + FORGED, null);
            assertOnePrintableLine(inMessage);
            assertTrue(inMessage.endsWith(" x before" + c[1] + FORGED + "\n"), inMessage);
        }
    }

    @Test
    void printableUnicodeAndBackslashesAreKept() {
        String line = line("x", "caf\u00e9 \u65e5\u672c \ud83d\ude42 \u00a0 C:\\dir \\n", null);
        assertTrue(line.endsWith(" x caf\u00e9 \u65e5\u672c \ud83d\ude42 \u00a0 C:\\dir \\n\n"), line);
        byte[] bytes = line("x", "\u00e9", null).getBytes(StandardCharsets.UTF_8);
        assertArrayEquals(new byte[] {' ', 'x', ' ', (byte) 0xc3, (byte) 0xa9, '\n'},
                java.util.Arrays.copyOfRange(bytes, bytes.length - 6, bytes.length), "written as UTF-8");
    }

    @Test
    void anExceptionWithItsMessageCausesAndStackTraceIsOneLine() {
        Exception cause = new java.io.IOException("cause\u001b]0;title\u0007" + "\r" + FORGED);
        Exception e = new IllegalStateException("Unable to negotiate (client: x\n" + FORGED + ")", cause);
        // A few frames, as in a server thread (a test runner's own stack would fill the line by itself).
        StackTraceElement[] frames = {
                new StackTraceElement("org.apache.sshd.common.kex.KexNegotiation", "negotiate", "K.java", 1),
                new StackTraceElement("org.apache.sshd.common.session.helpers.AbstractSession", "doHandleMessage",
                        "A.java", 2)};
        e.setStackTrace(frames);
        cause.setStackTrace(new StackTraceElement[] {frames[0]});
        String line = line("org.apache.sshd.server.session.ServerSessionImpl", "exceptionCaught({})", e, "session");
        assertOnePrintableLine(line);
        assertTrue(line.contains(" ServerSessionImpl exceptionCaught(session)\\njava.lang.IllegalStateException:"
                + " Unable to negotiate (client: x\\n" + FORGED + ")\\n\\tat org.apache.sshd.common.kex.KexNegotiation."),
                line);
        assertTrue(line.contains("\\nCaused by: java.io.IOException: cause\\x1b]0;title\\x07\\r" + FORGED + "\\n\\tat "),
                line);
        assertFalse(line.endsWith("\\n\n"), "the stack trace's own last line end is the event's line end: " + line);
    }

    @Test
    void aTrailingLineBreakFromTheClientIsEscapedNotDropped() {
        String line = line("x", "name={}", null, "evil\n");
        assertTrue(line.endsWith(" x name=evil\\n\n"), line);
    }

    @Test
    void anOverlongLineIsCutAtACharacterBoundaryWithANote() {
        String huge = "\u001b".repeat(20_000);
        String line = line("x", "m={}", null, huge);
        assertOnePrintableLine(line);
        assertTrue(line.length() <= OneLineLayout.MAX_LINE + 1, () -> "length " + line.length());
        java.util.regex.Matcher m = java.util.regex.Pattern.compile(PREFIX + "WARN  x m=((?:\\\\x1b)*)\\.\\.\\.\\[cut "
                + "(\\d+) chars\\]\n").matcher(line);
        assertTrue(m.matches(), line.substring(line.length() - 80));
        assertEquals(20_000, m.group(1).length() / 4 + Integer.parseInt(m.group(2)), "kept + cut = all");
    }

    @Test
    void everyFieldOfThePatternIsEscapedNotOnlyTheMessage() throws Exception {
        OneLineLayout layout = new OneLineLayout();
        layout.setContext(context);
        layout.setPattern("[%thread] %logger %X{user} %msg%n");
        layout.start();
        Logger logger = context.getLogger("a\nb");
        AtomicReference<String> out = new AtomicReference<>();
        Thread t = new Thread(() -> {
            LoggingEvent e = new LoggingEvent(Logger.class.getName(), logger, Level.INFO, "m\r", null, null);
            e.setMDCPropertyMap(java.util.Map.of("user", "u\u001b[2J\n" + FORGED));
            out.set(layout.doLayout(e));
        }, "sshd-thread\n" + FORGED);
        t.start();
        t.join();
        assertEquals("[sshd-thread\\n" + FORGED + "] a\\nb u\\x1b[2J\\n" + FORGED + " m\\r\n", out.get());
    }

    @Test
    void aPatternWithoutItsLineEndIsRefusedAtStart() {
        OneLineLayout layout = new OneLineLayout();
        layout.setContext(context);
        layout.setPattern("%msg");
        layout.start();
        assertFalse(layout.isStarted());
        assertTrue(context.getStatusManager().getCopyOfStatusList().stream()
                .anyMatch(s -> s.getLevel() == Status.ERROR && s.getMessage().contains("must end with %n")));
    }

    @Test
    void seededRandomTextAlwaysGivesOnePrintableLine() {
        Random random = new Random(20261124L);
        int[] nasty = {0, 7, 8, 9, 10, 11, 12, 13, 27, 0x7f, 0x85, 0x9b, 0x9f, 0x2028, 0x2029, 0x202e, 0x2066, 0x200e,
                0x061c, 0xfeff, 0xd800, 0xdfff, '\\', '"', ' ', 'a', 0xe9, 0xfffd};
        for (int i = 0; i < 2000; i++) {
            StringBuilder s = new StringBuilder();
            int n = random.nextInt(40);
            for (int j = 0; j < n; j++) {
                s.append((char) (random.nextBoolean() ? nasty[random.nextInt(nasty.length)] : random.nextInt(0x10000)));
            }
            List<Object> args = new ArrayList<>(List.of(s.toString()));
            String line = line("x", s + " {}", random.nextInt(4) == 0 ? new RuntimeException(s.toString()) : null,
                    args.toArray());
            assertOnePrintableLine(line);
            assertEquals(1, line.split("\n", -1).length - 1, line);
        }
    }
}
