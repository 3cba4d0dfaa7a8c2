package loghost.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** Real journal files, written by systemd-journal-remote (unpacked by .ci/run, not installed). */
public final class JournalFiles {

    /** Where .ci/run unpacks systemd-journal-remote and its libmicrohttpd (matching the installed systemd). */
    public static final Path JOURNAL_REMOTE = Path.of("/opt/loghost-test/journal-remote");

    private JournalFiles() {
    }

    /** Appends entries first..last ({@code app[42]: entry N}) to the journal file {@code remote.journal} in {@code dir}. */
    public static void write(Path dir, int first, int last) throws Exception {
        Tools.JOURNAL_REMOTE.assume();
        StringBuilder sb = new StringBuilder();
        long t = System.currentTimeMillis() * 1000;
        for (int i = first; i <= last; i++) {
            sb.append("__REALTIME_TIMESTAMP=").append(t + i).append('\n').append("__MONOTONIC_TIMESTAMP=").append(i)
                    .append('\n').append("_BOOT_ID=0123456789abcdef0123456789abcdef\n").append("_PID=42\n")
                    .append("SYSLOG_IDENTIFIER=app\n").append("MESSAGE=entry ").append(i).append("\n\n");
        }
        Path in = Files.writeString(dir.resolveSibling("entries-" + first + ".export"), sb,
                StandardCharsets.US_ASCII);
        Run.Result r = Run.run(List.of(JOURNAL_REMOTE.resolve("lib/systemd/systemd-journal-remote").toString(),
                "--output=" + dir.resolve("remote.journal"), in.toString()), null,
                Map.of("LD_LIBRARY_PATH", JOURNAL_REMOTE.resolve("usr/lib/x86_64-linux-gnu").toString()), 60);
        assertEquals(0, r.exit(), r::toString);
    }
}
