package loghost.testing;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs a real program to completion, with a timeout, capturing stdout and stderr. */
public final class Run {

    /** What a finished process left: exit status, stdout, stderr. */
    public record Result(int exit, String stdout, String stderr) {
        @Override
        public String toString() {
            return "exit=" + exit + "\n--- stdout\n" + stdout + "\n--- stderr\n" + stderr;
        }
    }

    private Run() {
    }

    /**
     * Runs {@code command} with stdin from {@code stdin} (null: empty), failing the test after {@code seconds} scaled
     * ({@link Await#scaled}), and never before {@link Await#WAIT}: a JVM's start alone can take a minute under load.
     */
    public static Result run(List<String> command, Path stdin, Map<String, String> env, int seconds)
            throws IOException, InterruptedException {
        Path outFile = Files.createTempFile("run-out", ".txt");
        Path errFile = Files.createTempFile("run-err", ".txt");
        try {
            ProcessBuilder pb = new ProcessBuilder(command);
            pb.redirectInput(stdin == null ? ProcessBuilder.Redirect.from(new File("/dev/null"))
                    : ProcessBuilder.Redirect.from(stdin.toFile()));
            pb.redirectOutput(outFile.toFile());
            pb.redirectError(errFile.toFile());
            if (env != null) {
                pb.environment().putAll(env);
            }
            Process p = pb.start();
            java.time.Duration limit = Await.scaled(java.time.Duration.ofSeconds(seconds));
            if (limit.compareTo(Await.WAIT) < 0) {
                limit = Await.WAIT;
            }
            if (!p.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                p.waitFor(5, TimeUnit.SECONDS);
                fail("timed out after " + limit.toSeconds() + "s: " + command + "\nstderr: "
                        + Files.readString(errFile, StandardCharsets.UTF_8));
            }
            return new Result(p.exitValue(), Files.readString(outFile, StandardCharsets.ISO_8859_1),
                    Files.readString(errFile, StandardCharsets.ISO_8859_1));
        } finally {
            Files.deleteIfExists(outFile);
            Files.deleteIfExists(errFile);
        }
    }

    /** Runs a command with no stdin and default environment. */
    public static Result run(String... command) throws IOException, InterruptedException {
        return run(List.of(command), null, null, 60);
    }
}
