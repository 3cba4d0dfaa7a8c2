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

    /** As {@link #start(List, Path, Path, String...)} with no stdin, {@code env} added to its environment. */
    public static ForwarderProcess startWithEnv(java.util.Map<String, String> env, Path stderr, String... args)
            throws Exception {
        return start(List.of(), ProcessBuilder.Redirect.from(new File("/dev/null")), stderr, env, args);
    }

    private static ForwarderProcess start(List<String> jvmArgs, ProcessBuilder.Redirect stdin, Path stderr,
                                          String... args) throws Exception {
        return start(jvmArgs, stdin, stderr, java.util.Map.of(), args);
    }

    private static ForwarderProcess start(List<String> jvmArgs, ProcessBuilder.Redirect stdin, Path stderr,
                                          java.util.Map<String, String> env, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("java"));
        cmd.addAll(jvmArgs);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "loghost.cli.Main", "forward"));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().putAll(env);
        pb.redirectInput(stdin);
        pb.redirectOutput(ProcessBuilder.Redirect.DISCARD);
        pb.redirectError(ProcessBuilder.Redirect.appendTo(stderr.toFile()));
        return new ForwarderProcess(pb.start(), stderr);
    }

    /** The process's stdin (a pipe only when started with {@link #startPiped}). */
    public java.io.OutputStream stdin() {
        return process.getOutputStream();
    }

    /** Waits for it to exit, {@code seconds} scaled and at least {@link Await#WAIT}; its status, or -1 on timeout. */
    public int await(int seconds) throws InterruptedException {
        java.time.Duration limit = Await.scaled(java.time.Duration.ofSeconds(seconds));
        limit = limit.compareTo(Await.WAIT) < 0 ? Await.WAIT : limit;
        return process.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS) ? process.exitValue() : -1;
    }

    /** Waits until its stderr contains {@code text}; fails the test with that stderr otherwise. */
    public void awaitLog(String text) throws Exception {
        Await.until(() -> "\"" + text + "\" in the forwarder's stderr:\n" + stderr(), () -> stderr().contains(text));
    }

    /** What it wrote to stderr so far. */
    public String stderr() {
        return ServerProcess.read(stderr);
    }

    /** SIGKILL. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(Await.WAIT.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() throws InterruptedException {
        kill();
    }
}
