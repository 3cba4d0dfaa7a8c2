package loghost.packaging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shipped launcher ({@code src/deb/bin/loghost}, run by the real {@code sh}) gives each command its heap bound,
 * and the two long-running ones exit on an exhausted heap: a server whose fsync or acknowledging thread died of an
 * OutOfMemoryError must not run on. The {@code java} it finds is a stand-in that prints its arguments.
 */
class LauncherTest {

    @TempDir
    Path dir;

    private String launch(String... args) throws IOException, InterruptedException {
        Path bin = Files.createDirectories(dir.resolve("bin"));
        Files.copy(Path.of("src/deb/bin/loghost"), bin.resolve("loghost"),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Files.writeString(dir.resolve("loghost.jar"), "");
        Path java = Files.createDirectories(dir.resolve("jdk/bin")).resolve("java");
        Files.writeString(java, """
                #!/bin/sh
                case "$1" in -XshowSettings:properties) echo '    java.specification.version = 17' >&2; exit 0 ;; esac
                echo "$@"
                """);
        Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));
        String[] cmd = new String[args.length + 2];
        cmd[0] = "sh";
        cmd[1] = bin.resolve("loghost").toString();
        System.arraycopy(args, 0, cmd, 2, args.length);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("JAVA_HOME", dir.resolve("jdk").toString());
        pb.environment().remove("JAVA_OPTS");
        pb.environment().remove("LOGHOST_SERVE_HEAP");
        pb.environment().remove("LOGHOST_FORWARD_HEAP");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), out);
        assertEquals(0, p.exitValue(), out);
        return out;
    }

    @Test
    void serveAndForwardExitOnAnExhaustedHeapAndTheOtherCommandsKeepTheirBound() throws Exception {
        String jar = dir.toRealPath().resolve("bin/../loghost.jar").toString(); // the launcher resolves links
        assertEquals("-Xmx512m -XX:+ExitOnOutOfMemoryError -jar " + jar + " serve --data d",
                launch("serve", "--data", "d"));
        assertEquals("-Xmx64m -XX:+ExitOnOutOfMemoryError -jar " + jar + " forward --stdin",
                launch("forward", "--stdin"));
        assertEquals("-Xmx256m -jar " + jar + " cat web01", launch("cat", "web01"));
    }
}
