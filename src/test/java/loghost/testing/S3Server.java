package loghost.testing;

import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A real S3-compatible server process on 127.0.0.1: s3rver (npm, installed by .ci/run into
 * /opt/loghost-test/s3rver), with one bucket created at start. Its credentials are S3RVER / S3RVER; it does not
 * implement Object Lock (the retention headers are accepted and ignored).
 */
public final class S3Server implements AutoCloseable {

    /** Where .ci/run installs it. */
    public static final Path BIN = Tools.S3RVER.path();

    private final Process process;
    private final int port;

    private S3Server(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    /** Starts s3rver on a free port, its data in {@code dir}, with bucket {@code bucket}. */
    public static S3Server start(Path dir, String bucket) throws Exception {
        Tools.S3RVER.assume();
        Files.createDirectories(dir);
        ProcessBuilder pb = new ProcessBuilder(BIN.toString(), "-d", dir.toString(), "-a", "127.0.0.1", "-p", "0",
                "--configure-bucket", bucket);
        pb.redirectErrorStream(true);
        Process p = pb.start();
        BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        Pattern listening = Pattern.compile("S3rver listening on 127\\.0\\.0\\.1:(\\d+)");
        long deadline = System.nanoTime() + Await.WAIT.toNanos();
        String line;
        while ((line = r.readLine()) != null && System.nanoTime() < deadline) {
            Matcher m = listening.matcher(line);
            if (m.find()) {
                Thread drain = new Thread(() -> {
                    try {
                        while (r.readLine() != null) {
                            // s3rver logs each request; nobody reads it
                        }
                    } catch (java.io.IOException e) {
                        // the process ended
                    }
                });
                drain.setDaemon(true);
                drain.start();
                return new S3Server(p, Integer.parseInt(m.group(1)));
            }
        }
        p.destroyForcibly();
        assertNotNull(null, "s3rver did not start: " + line);
        return null;
    }

    /** Its endpoint, http://127.0.0.1:PORT. */
    public String endpoint() {
        return "http://127.0.0.1:" + port;
    }

    @Override
    public void close() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }
}
