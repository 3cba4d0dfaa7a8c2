package loghost.servelogs;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code journal POSITION} and {@code journal-id}: the systemd journal through {@code journalctl -o export}, resumed
 * by sequence number (docs/PROTOCOL.md, "Pull mode"). serve-logs builds every argument itself; nothing the loghost
 * sends reaches journalctl but two checked numbers.
 */
final class JournalCommand {

    private static final Pattern POSITION = Pattern.compile("([0-9a-f]{32}):(0|[1-9][0-9]{0,18})");
    private static final Pattern CURSOR = Pattern.compile("__CURSOR=s=([0-9a-f]{32});i=([0-9a-f]{1,16});.*");

    private final AllowedFiles.Journal journal;
    private final java.util.concurrent.CountDownLatch stdinEnded;
    private final Duration poll;

    JournalCommand(AllowedFiles.Journal journal, java.util.concurrent.CountDownLatch stdinEnded, Duration poll) {
        this.journal = journal;
        this.stdinEnded = stdinEnded;
        this.poll = poll;
    }

    private List<String> journalctl() {
        List<String> cmd = new ArrayList<>(List.of("journalctl", "--no-pager", "-q", "-o", "export"));
        if (journal.dir() != null) {
            cmd.add("--directory=" + journal.dir());
        }
        return cmd;
    }

    /** Prints {@code SEQNUM_ID SEQNUM} of the newest entry, or {@code none} for an empty journal. */
    void newest(OutputStream out) throws Refused, IOException {
        List<String> cmd = journalctl();
        cmd.addAll(List.of("-n", "1"));
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        int exit = run(cmd, buf, false);
        if (exit != 0) {
            throw Refused.cannotRead("the journal (journalctl exit " + exit + ")");
        }
        for (String l : buf.toString(StandardCharsets.ISO_8859_1).split("\n")) {
            Matcher m = CURSOR.matcher(l);
            if (m.matches()) {
                out.write((m.group(1) + " " + Long.parseUnsignedLong(m.group(2), 16) + "\n")
                        .getBytes(StandardCharsets.US_ASCII));
                return;
            }
        }
        out.write("none\n".getBytes(StandardCharsets.US_ASCII));
    }

    /**
     * Follows the journal in export format: after entry {@code SEQNUM_ID:SEQNUM} ({@code :0}: from that sequence's
     * start), {@code all} from the oldest entry, {@code end} from the next new one. Runs until stdin ends.
     */
    void follow(String position, OutputStream out) throws Refused, IOException {
        List<String> cmd = journalctl();
        cmd.add("-f");
        Matcher m = POSITION.matcher(position);
        if (m.matches()) {
            long seq = Long.parseLong(m.group(2));
            cmd.add("--after-cursor=s=" + m.group(1) + ";i=" + Long.toHexString(seq));
            // Without it, -f prints only 10 entries after the cursor, then new ones: the rest would be skipped.
            cmd.add("--no-tail");
        } else if (position.equals("all")) {
            cmd.add("--no-tail");
        } else if (position.equals("end")) {
            cmd.addAll(List.of("-n", "0"));
        } else {
            throw Refused.malformed();
        }
        int exit = run(cmd, out, true);
        if (exit != 0) {
            throw Refused.cannotRead("the journal (journalctl exit " + exit + ")");
        }
    }

    // Runs journalctl with its stdout copied to `out`; a follower stops (and is stopped) when stdin ends.
    private int run(List<String> cmd, OutputStream out, boolean follow) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.redirectError(ProcessBuilder.Redirect.DISCARD);
        pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        Process p = pb.start();
        IOException[] failed = new IOException[1];
        Thread copier = new Thread(() -> {
            byte[] b = new byte[64 * 1024];
            try (InputStream in = p.getInputStream()) {
                for (int n; (n = in.read(b)) > 0; ) {
                    synchronized (out) {
                        out.write(b, 0, n);
                        out.flush();
                    }
                }
            } catch (IOException e) {
                failed[0] = e; // the loghost went away: stop journalctl below
                p.destroy();
            }
        }, "serve-logs-journal");
        copier.start();
        try {
            while (!p.waitFor(poll.toMillis(), TimeUnit.MILLISECONDS)) {
                if (follow && stdinEnded.getCount() == 0) {
                    p.destroy();
                    p.waitFor(5, TimeUnit.SECONDS);
                    copier.join(5000);
                    return 0;
                }
            }
            copier.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
        }
        if (failed[0] != null) {
            throw failed[0];
        }
        return p.exitValue();
    }
}
