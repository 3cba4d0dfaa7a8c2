package loghost.testing;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import loghost.store.LineBatch;
import loghost.store.LogStore;
import loghost.store.RecordType;

/** Test data that grows: a log file a daemon appends to, and a host's chain filled through the store. */
public final class GrowingFiles {

    private GrowingFiles() {
    }

    /** Starts a thread appending {@code PREFIX N} lines 1..n to {@code log} at about 25,000 lines/s. */
    public static Thread writer(Path log, String prefix, int n) {
        Thread t = new Thread(() -> {
            try (OutputStream out = Files.newOutputStream(log, StandardOpenOption.APPEND)) {
                for (int i = 1; i <= n; i++) {
                    out.write((prefix + " " + i + "\n").getBytes(StandardCharsets.US_ASCII));
                    if (i % 500 == 0) {
                        out.flush();
                        Thread.sleep(20);
                    }
                }
            } catch (IOException | InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        t.start();
        return t;
    }

    /** Appends {@code lines} records {@code line I of HOST é<TAB>x} to {@code host}, a thousand per batch. */
    public static void appendNumbered(LogStore store, String host, int lines) throws Exception {
        LineBatch b = new LineBatch();
        for (int i = 0; i < lines; i++) {
            byte[] raw = ("line " + i + " of " + host + " \u00e9\tx").getBytes(StandardCharsets.UTF_8);
            b.add(RecordType.LOG, raw, 0, raw.length);
            if (b.count() == 1000) {
                store.host(host).append(b);
                b.clear();
            }
        }
        store.host(host).append(b);
    }
}
