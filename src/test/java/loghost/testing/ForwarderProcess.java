package loghost.testing;

import java.io.File;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** {@code loghost forward} as its own JVM process, as a client host runs it. */
public final class ForwarderProcess implements AutoCloseable {

    private final Process process;
    private final Path stderr;

    private ForwarderProcess(Process process, Path stderr) {
        this.process = process;
        this.stderr = stderr;
    }

    /** Starts {@code loghost forward ARGS} with stdin from {@code stdin} (null: none), stderr appended to a file. */
    public static ForwarderProcess start(Path stdin, Path stderr, String... args) throws Exception {
        return start(List.of(), stdin, stderr, args);
    }

    /** As {@link #start(Path, Path, String...)}, with JVM options (e.g. {@code -Xmx64m}). */
    public static ForwarderProcess start(List<String> jvmArgs, Path stdin, Path stderr, String... args)
            throws Exception {
        return start(jvmArgs, stdin == null ? ProcessBuilder.Redirect.from(new File("/dev/null"))
                : ProcessBuilder.Redirect.from(stdin.toFile()), stderr, args);
    }

    /** As {@link #start(List, Path, Path, String...)}, its stdin a pipe the test writes through {@link #stdin()}. */
    public static ForwarderProcess startPiped(List<String> jvmArgs, Path stderr, String... args) throws Exception {
        return start(jvmArgs, ProcessBuilder.Redirect.PIPE, stderr, args);
    }

    private static ForwarderProcess start(List<String> jvmArgs, ProcessBuilder.Redirect stdin, Path stderr,
                                          String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("java"));
        cmd.addAll(jvmArgs);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "loghost.cli.Main", "forward"));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.redirectInput(stdin);
        pb.redirectOutput(ProcessBuilder.Redirect.DISCARD);
        pb.redirectError(ProcessBuilder.Redirect.appendTo(stderr.toFile()));
        return new ForwarderProcess(pb.start(), stderr);
    }

    /** The process's stdin (a pipe only when started with {@link #startPiped}). */
    public java.io.OutputStream stdin() {
        return process.getOutputStream();
    }

    /** Waits for it to exit; returns its status, or -1 on timeout. */
    public int await(int seconds) throws InterruptedException {
        return process.waitFor(seconds, TimeUnit.SECONDS) ? process.exitValue() : -1;
    }

    /** Waits until its stderr contains {@code text}. */
    public boolean awaitLog(String text, int seconds) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (System.nanoTime() < end) {
            if (stderr().contains(text)) {
                return true;
            }
            Thread.sleep(50);
        }
        return false;
    }

    /** What it wrote to stderr so far. */
    public String stderr() {
        return ServerProcess.read(stderr);
    }

    /** SIGKILL. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws InterruptedException {
        kill();
    }
}
