package loghost.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Threads running inside an append-log command ({@code HostCommand} and its two kinds). A session has no thread of
 * its own: its input is handled by the server's shared workers, so outside a turn of work no thread is in a command,
 * and none is once its session ended. (The names of threads say nothing about this: workers serve every session.)
 */
public final class CommandThreads {

    private static final List<String> COMMANDS = List.of("loghost.ssh.HostCommand", "loghost.ssh.AppendLogCommand",
            "loghost.ssh.AckedAppendCommand", "loghost.ssh.SessionInbox", "loghost.ssh.StreamAcks",
            "loghost.ssh.AckFrames");

    private CommandThreads() {
    }

    /** The names of this JVM's threads with a command's method on their stack. */
    public static List<String> inThisJvm() {
        List<String> in = new ArrayList<>();
        for (Map.Entry<Thread, StackTraceElement[]> e : Thread.getAllStackTraces().entrySet()) {
            for (StackTraceElement f : e.getValue()) {
                if (COMMANDS.contains(f.getClassName())) {
                    in.add(e.getKey().getName());
                    break;
                }
            }
        }
        return in;
    }

    /** Waits until no thread of this JVM is inside a command: every session that ended left none behind. */
    public static void awaitNoneInThisJvm() throws Exception {
        Await.until(() -> "no thread inside a command whose session ended", CommandThreads::inThisJvm, List::isEmpty);
    }

    /** Waits until no thread of the server process {@code pid} is inside a command. */
    public static void awaitNoneInProcess(long pid) throws Exception {
        Await.until(() -> "no thread of " + pid + " inside a command whose session ended", () -> inProcess(pid),
                List::isEmpty);
    }

    /** The thread dumps ({@code jcmd PID Thread.print}) of a server process's threads inside a command. */
    public static List<String> inProcess(long pid) throws Exception {
        Run.Result r = Run.run(List.of("jcmd", String.valueOf(pid), "Thread.print"), null, Map.of(), 60);
        assertEquals(0, r.exit(), r::toString);
        List<String> in = new ArrayList<>();
        for (String block : r.stdout().split("\n\n")) {
            if (block.startsWith("\"") && COMMANDS.stream().anyMatch(c -> block.contains("at " + c + "."))) {
                in.add(block);
            }
        }
        return in;
    }
}
