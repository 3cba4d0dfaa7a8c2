package loghost.journal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import loghost.testing.KeyGen;
import loghost.testing.Run;
import loghost.testing.TestServer;
import loghost.testing.Tools;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real journal file (written by systemd-journal-remote, exported by the installed journalctl) pushed with
 * {@code append-log --journal} and read back with {@code loghost cat}: as journalctl shows the same file with
 * {@code -o short-iso}, {@code -p} and {@code -u}, its fields under {@code -o json} as journalctl's, and a binary
 * MESSAGE byte for byte.
 */
class JournalFieldsTest {

    private static final String BOOT = "6f1c0e2d9a8b4c3d2e1f0a9b8c7d6e5f";
    private static final byte[] BINARY = {'a', '\n', 0, (byte) 0xff, 'b'};
    // Valid UTF-8 with a control character (CR): journalctl shows it as a blob, and in JSON as bytes, not a string.
    private static final byte[] PROGRESS = "50%\r100%".getBytes(StandardCharsets.US_ASCII);
    private static final String FSCK = "systemd-fsck@dev-disk-by\\x2duuid-1234.service";
    // The CRON entry as cat shows it (ISO-8859-1: each byte one char, as Run reads stdout).
    private static final String CRON_LINE = "2026-12-07T06:57:17+0000 web01 CRON[77]: "
            + new String(BINARY, StandardCharsets.ISO_8859_1) + "\n";
    private static final String PLAIN = "<11>Dec  7 06:57:20 web01 app[1]: a syslog line\n";
    private static final List<String> FIELDS = List.of("MESSAGE", "PRIORITY", "SYSLOG_IDENTIFIER", "_PID",
            "_SYSTEMD_UNIT", "_HOSTNAME", "_BOOT_ID", "__REALTIME_TIMESTAMP");

    @TempDir
    Path dir;

    // One export entry: the text fields given, then MESSAGE in the binary form (length, bytes), which holds any byte.
    private static void entry(ByteArrayOutputStream out, long realtime, String fields, byte[] message) {
        out.writeBytes(("__REALTIME_TIMESTAMP=" + realtime + "\n__MONOTONIC_TIMESTAMP=" + realtime % 1_000_000_000
                + "\n_BOOT_ID=" + BOOT + "\n" + fields).getBytes(StandardCharsets.UTF_8));
        out.writeBytes("MESSAGE\n".getBytes(StandardCharsets.US_ASCII));
        for (int i = 0; i < 8; i++) {
            out.write((int) ((long) message.length >>> (8 * i)) & 0xff);
        }
        out.writeBytes(message);
        out.writeBytes("\n\n".getBytes(StandardCharsets.US_ASCII));
    }

    private Path journal() throws Exception {
        Tools.JOURNAL_REMOTE.assume();
        ByteArrayOutputStream in = new ByteArrayOutputStream();
        long t = 1796626635123456L;
        entry(in, t, "PRIORITY=3\n_PID=812\n_HOSTNAME=web01\n_SYSTEMD_UNIT=ssh.service\nSYSLOG_IDENTIFIER=sshd\n",
                "error: kex_exchange_identification: Connection closed".getBytes(StandardCharsets.US_ASCII));
        entry(in, t + 1_500_000, "PRIORITY=6\n_PID=900\n_HOSTNAME=web01\n_SYSTEMD_UNIT=user@1000.service\n"
                + "SYSLOG_IDENTIFIER=systemd\n", "Started café.".getBytes(StandardCharsets.UTF_8));
        entry(in, t + 2_000_001, "PRIORITY=4\n_PID=77\n_HOSTNAME=Claimed-Name\n_SYSTEMD_UNIT=cron.service\n"
                + "SYSLOG_IDENTIFIER=CRON\n", BINARY);
        entry(in, t + 3_000_000, "PRIORITY=2\n_PID=5\n_HOSTNAME=web01\n_SYSTEMD_UNIT=" + FSCK + "\n"
                + "SYSLOG_IDENTIFIER=systemd-fsck\n", "fsck done".getBytes(StandardCharsets.US_ASCII));
        entry(in, t + 4_250_000, "PRIORITY=4\n_PID=1310\n_HOSTNAME=web01\n_SYSTEMD_UNIT=nginx.service\n"
                + "SYSLOG_IDENTIFIER=nginx\n", "upstream timed out".getBytes(StandardCharsets.US_ASCII));
        entry(in, t + 5_000_000, "PRIORITY=6\n_PID=2001\n_HOSTNAME=web01\n_SYSTEMD_UNIT=apt-daily.service\n"
                + "SYSLOG_IDENTIFIER=apt\n", PROGRESS);
        Path export = Files.write(dir.resolve("entries.export"), in.toByteArray());
        Path file = dir.resolve("remote.journal");
        Run.Result r = Run.run(List.of(JournalPushRig.JOURNAL_REMOTE.resolve("lib/systemd/systemd-journal-remote")
                .toString(), "--output=" + file, export.toString()), null, Map.of("LD_LIBRARY_PATH",
                JournalPushRig.JOURNAL_REMOTE.resolve("usr/lib/x86_64-linux-gnu").toString()), 60);
        assertEquals(0, r.exit(), r::toString);
        return file;
    }

    private static Run.Result journalctl(Path file, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("journalctl", "--file=" + file));
        cmd.addAll(List.of(args));
        Run.Result r = Run.run(cmd, null, Map.of("TZ", "UTC", "SYSTEMD_COLORS", "0"), 60);
        assertEquals(0, r.exit(), r::toString);
        return r;
    }

    private static Run.Result cat(Path data, String... args) throws Exception {
        List<String> a = new ArrayList<>(List.of("--host", "web01"));
        a.addAll(List.of(args));
        Run.Result r = JournalDocTest.loghost(data, "cat", a.toArray(String[]::new));
        assertEquals(0, r.exit(), r::toString);
        return r;
    }

    @Test
    void aRealJournalReadsBackAsJournalctlShowsIt() throws Exception {
        Path file = journal();
        Path data;
        try (TestServer server = new TestServer(dir, "")) {
            Path key = KeyGen.generate(dir, "web01", "ed25519");
            server.enroll("web01", key);
            Path export = Files.writeString(dir.resolve("pushed.export"), journalctl(file, "-o", "export").stdout(),
                    StandardCharsets.ISO_8859_1);
            Run.Result push = server.ssh(key, export, "-T", "log@127.0.0.1", "append-log --journal");
            assertEquals(0, push.exit(), push::toString);
            Path plain = Files.writeString(dir.resolve("plain"), PLAIN);
            assertEquals(0, server.append(key, plain).exit());
            data = server.data();
        }
        catShowsWhatShortIsoShows(file, data);
        unitsAndPrioritiesFilterAsJournalctls(file, data);
        jsonHasJournalctlsMembers(file, data);
    }

    // Default cat: journalctl -o short-iso's lines, but for the two differences FORMAT.md names: the host is the
    // loghost's name for the key, not _HOSTNAME; a MESSAGE journalctl calls a blob is written as its bytes.
    private static void catShowsWhatShortIsoShows(Path file, Path data) throws Exception {
        String theirs = journalctl(file, "-o", "short-iso").stdout();
        String blob = "2026-12-07T06:57:17+0000 Claimed-Name CRON[77]: [5B blob data]\n";
        String progressBlob = "2026-12-07T06:57:20+0000 web01 apt[2001]: [8B blob data]\n";
        assertTrue(theirs.contains(blob) && theirs.contains(progressBlob), theirs);
        String progress = "2026-12-07T06:57:20+0000 web01 apt[2001]: " + new String(PROGRESS, StandardCharsets.US_ASCII)
                + "\n";
        assertEquals(theirs.replace(blob, CRON_LINE).replace(progressBlob, progress) + PLAIN, cat(data).stdout());
        // The binary MESSAGE alone, byte for byte.
        assertEquals(CRON_LINE, cat(data, "-u", "cron").stdout());
    }

    // Where the host's own name is the loghost's (_HOSTNAME web01), the filtered lines are journalctl's, byte for byte.
    private static void unitsAndPrioritiesFilterAsJournalctls(Path file, Path data) throws Exception {
        assertEquals(journalctl(file, "-o", "short-iso", "-u", "ssh", "-u", "systemd-fsck@*").stdout(),
                cat(data, "-u", "ssh", "-u", "systemd-fsck@*").stdout());
        assertEquals(journalctl(file, "-o", "short-iso", "-u", "user@1000.service").stdout(),
                cat(data, "-u", "user@1000.service").stdout());
        String err = journalctl(file, "-o", "short-iso", "-p", "err").stdout();
        assertEquals(2, err.lines().count(), err);
        assertEquals(err, cat(data, "-p", "err", "-u", "*").stdout());
        String range = journalctl(file, "-o", "short-iso", "-p", "warning..err", "-u", "ssh", "-u", "nginx").stdout();
        assertEquals(2, range.lines().count(), range);
        assertEquals(range, cat(data, "-p", "warning..err", "-u", "ssh", "-u", "nginx").stdout());
        // Without -u the range also takes the CRON entry (PRIORITY 4, in journal order) and the plain line's PRI (err).
        String[] ours = range.split("(?<=\n)");
        assertEquals(ours[0] + CRON_LINE + ours[1] + PLAIN, cat(data, "-p", "warning..err").stdout());
        // -p takes a journal entry's PRIORITY and a plain line's PRI (<11>: err); -u shows journal entries only.
        assertEquals(err + PLAIN, cat(data, "-p", "err").stdout());
        assertFalse(cat(data, "-u", "*").stdout().contains("a syslog line"));
    }

    // -o json: every field as journalctl -o json writes it (strings, or byte arrays when not printable).
    private static void jsonHasJournalctlsMembers(Path file, Path data) throws Exception {
        String ours = cat(data, "-u", "*", "-o", "json").stdout();
        String theirs = journalctl(file, "-o", "json").stdout();
        assertEquals(6, ours.lines().count(), ours);
        for (String field : FIELDS) {
            assertEquals(members(theirs, field), members(ours, field), field);
        }
        assertTrue(ours.contains("\"MESSAGE\":[97,10,0,255,98]"), ours);
        assertTrue(ours.contains("\"MESSAGE\":[53,48,37,13,49,48,48,37]"), ours);
        assertTrue(ours.contains("\"_HOSTNAME\":\"Claimed-Name\""), ours);
        // Our __CURSOR is the partial cursor s=ID;i=SEQ, a prefix of journalctl's full one for the same entry.
        List<String> cursors = members(ours, "__CURSOR");
        List<String> full = members(theirs, "__CURSOR");
        assertEquals(6, full.size(), theirs);
        for (int i = 0; i < full.size(); i++) {
            String c = cursors.get(i);
            assertTrue(full.get(i).startsWith(c.substring(0, c.length() - 1) + ";"), c + " vs " + full.get(i));
        }
    }

    // Each JSON line's member NAME, its value as written (a string or an array of numbers).
    private static List<String> members(String json, String name) {
        Pattern p = Pattern.compile("\"" + Pattern.quote(name) + "\":(\\[[0-9,]*\\]|\"(?:[^\"\\\\]|\\\\.)*\")");
        List<String> out = new ArrayList<>();
        for (String line : json.lines().toList()) {
            Matcher m = p.matcher(line);
            out.add(m.find() ? m.group(1) : null);
        }
        return out;
    }
}
