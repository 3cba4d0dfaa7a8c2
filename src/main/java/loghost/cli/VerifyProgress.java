package loghost.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import loghost.verify.Verifier;
import loghost.verify.VerifyReport;

/**
 * {@code verify}'s progress line on a terminal: files and records done, rate, ETA, redrawn in place on stderr.
 * Silent when stderr is not a terminal (a pipe, a file, the journal), so scripts and logs see only the findings.
 */
final class VerifyProgress implements Verifier.FileDone {

    private static final long REDRAW_NANOS = Duration.ofMillis(250).toNanos();
    private static final Verifier.FileDone SILENT = (file, soFar) -> { };

    private final PrintStream err;
    private final int totalFiles;
    private final long totalBytes;
    private final long start = System.nanoTime();
    private long doneBytes;
    private long lastDrawn;
    private boolean drawn;

    private VerifyProgress(PrintStream err, int totalFiles, long totalBytes) {
        this.err = err;
        this.totalFiles = totalFiles;
        this.totalBytes = totalBytes;
    }

    /** A progress display for a run over {@code hostsDir} when stderr is a terminal, else one that prints nothing. */
    static Verifier.FileDone onTerminal(Path hostsDir) {
        if (!stderrIsTerminal()) {
            return SILENT;
        }
        int files = 0;
        long bytes = 0;
        try (DirectoryStream<Path> hosts = Files.newDirectoryStream(hostsDir)) {
            for (Path h : hosts) {
                if (!Files.isDirectory(h, LinkOption.NOFOLLOW_LINKS)) {
                    continue;
                }
                try (DirectoryStream<Path> days = Files.newDirectoryStream(h, "*.log")) {
                    for (Path d : days) {
                        files++;
                        bytes += Files.size(d);
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            return SILENT; // the verifier itself reports what cannot be read
        }
        return new VerifyProgress(System.err, files, bytes);
    }

    /** Erases the progress line, if one was drawn, before the findings are printed. */
    static void clear(Verifier.FileDone progress) {
        if (progress instanceof VerifyProgress p && p.drawn) {
            p.err.print("\r\033[K");
            p.err.flush();
        }
    }

    // /proc/self/fd/2 names the terminal device when stderr is one (Linux; elsewhere: no progress).
    static boolean stderrIsTerminal() {
        try {
            String target = Files.readSymbolicLink(Path.of("/proc/self/fd/2")).toString();
            return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty");
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }

    @Override
    public void fileDone(Path file, VerifyReport soFar) {
        try {
            doneBytes += Files.size(file);
        } catch (IOException e) {
            // a file that cannot be sized only makes the estimate rougher
        }
        long now = System.nanoTime();
        if (drawn && now - lastDrawn < REDRAW_NANOS && soFar.files() < totalFiles) {
            return;
        }
        lastDrawn = now;
        drawn = true;
        double seconds = Math.max(1e-3, (now - start) / 1e9);
        long rate = (long) (soFar.records() / seconds);
        String eta = doneBytes == 0 || doneBytes >= totalBytes ? "0:00"
                : clock((long) ((totalBytes - doneBytes) * seconds / doneBytes));
        err.print("\r\033[Kverify: " + soFar.files() + "/" + totalFiles + " files, " + soFar.records() + " records, "
                + rate + " records/s, ETA " + eta);
        err.flush();
    }

    private static String clock(long s) {
        return s >= 3600 ? String.format("%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
                : String.format("%d:%02d", s / 60, s % 60);
    }
}
