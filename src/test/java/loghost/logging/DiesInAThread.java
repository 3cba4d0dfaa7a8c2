package loghost.logging;

import org.slf4j.LoggerFactory;

/** A program whose thread dies of an exception carrying client-like text, for {@link UncaughtExceptionsToLogTest}. */
final class DiesInAThread {

    private DiesInAThread() {
    }

    /** Starts logging as the server does, then lets a thread die of an uncaught exception. */
    public static void main(String[] args) throws InterruptedException {
        LoggerFactory.getLogger(DiesInAThread.class).info("started");
        Thread t = new Thread(() -> {
            throw new IllegalStateException("bad name x\n" + args[0] + "\u001b[2J");
        }, "sshd-worker");
        t.start();
        t.join();
    }
}
