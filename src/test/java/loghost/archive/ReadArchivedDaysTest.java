package loghost.archive;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import loghost.config.Settings;
import loghost.testing.Cli;
import loghost.testing.ManualClock;
import loghost.testing.Run;
import loghost.testing.S3Server;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 21 item 9: {@code cat/tail/grep} over days a real housekeeping pass archived (and deleted online) read them
 * from a directory destination, checked, or say on stderr which days are where and how to restore them, with exit
 * 66; and {@code archive restore --to DIR} writes a tree that {@code cat --data DIR} reads. Run as real processes.
 */
class ReadArchivedDaysTest {

    @TempDir
    Path dir;

    // web01 and db01, 50 lines a day on 2026-11-22..24; the 22nd and 23rd archived and gone online.
    private Path archivedTo(Settings.Housekeeping where) throws Exception {
        Path data = ArchiveTest.store(dir);
        ArchiveTest.pass(data, where, m -> { }, new ManualClock("2026-11-26T00:00:00Z"));
        assertEquals(new java.util.TreeSet<>(List.of("2026-11-24.log", "MANIFEST")),
                ArchiveTest.names(data.resolve("hosts/web01")), "the archived days left the host directory");
        return data;
    }

    private Path nasConfig(Path nas) throws Exception {
        return Files.writeString(dir.resolve("loghost.conf"),
                "loghost.archive.destinations = [{ name = nas, directory = \"" + nas + "\" }]\n");
    }

    private static List<String> loghost(String... args) {
        List<String> cmd = new ArrayList<>(List.of("java", "-cp", System.getProperty("java.class.path"),
                "loghost.cli.Main"));
        cmd.addAll(List.of(args));
        return cmd;
    }

    private static Run.Result run(String... args) throws Exception {
        return Run.run(loghost(args), null, null, 120);
    }

    private static String lines(String host, String day, int from, int to) {
        StringBuilder b = new StringBuilder();
        for (int i = from; i <= to; i++) {
            b.append(host).append(' ').append(day).append(" line ").append(i).append('\n');
        }
        return b.toString();
    }

    @Test
    void daysArchivedToADirectoryAreReadFromItCheckedAsRestoreChecksThem() throws Exception {
        Path nas = Files.createDirectory(dir.resolve("nas"));
        Path data = archivedTo(ArchiveTest.archiveTo(nas));
        String config = nasConfig(nas).toString();
        String all = lines("web01", "2026-11-22", 1, 50) + lines("web01", "2026-11-23", 1, 50)
                + lines("web01", "2026-11-24", 1, 50);

        Run.Result cat = run("cat", "--data", data.toString(), "--config", config, "--host", "web01",
                "--since", "2026-11-22");
        assertEquals(0, cat.exit(), cat::toString);
        assertEquals(all, cat.stdout());
        assertEquals("", cat.stderr());
        Run.Result since23 = run("cat", "--data", data.toString(), "--config", config, "--host", "web01",
                "--since", "2026-11-23T00:00:00Z", "--until", "2026-11-24");
        assertEquals(lines("web01", "2026-11-23", 1, 50), since23.stdout(), since23::toString);
        Run.Result verified = run("cat", "--data", data.toString(), "--config", config, "--host", "web01", "--verify");
        assertEquals(0, verified.exit(), verified::toString);
        assertEquals(all, verified.stdout(), "the chain runs on from the archived days into the online one");

        Run.Result tail = run("tail", "--data", data.toString(), "--config", config, "--host", "web01", "-n", "60");
        assertEquals(0, tail.exit(), tail::toString);
        assertEquals(lines("web01", "2026-11-23", 41, 50) + lines("web01", "2026-11-24", 1, 50), tail.stdout());

        Run.Result grep = run("grep", "--data", data.toString(), "--config", config, "-c", "line 7$",
                "--since", "2026-11-22");
        assertEquals(0, grep.exit(), grep::toString);
        assertEquals("db01 3\nweb01 3\n", grep.stdout());

        // A copy in the archive that no longer matches the MANIFEST is not read: its findings, the day, exit 66.
        Path f = nas.resolve("hosts/web01/2026-11-23.log.gz");
        String text;
        try (InputStream in = new GZIPInputStream(Files.newInputStream(f))) {
            text = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
        }
        try (GZIPOutputStream out = new GZIPOutputStream(Files.newOutputStream(f))) {
            out.write(text.replace("web01 2026-11-23 line 7", "web01 2026-11-23 line 8")
                    .getBytes(StandardCharsets.ISO_8859_1));
        }
        Run.Result tampered = run("cat", "--data", data.toString(), "--config", config, "--host", "web01",
                "--since", "2026-11-22");
        assertEquals(66, tampered.exit(), tampered::toString);
        assertEquals(lines("web01", "2026-11-22", 1, 50) + lines("web01", "2026-11-24", 1, 50), tampered.stdout());
        assertEquals("verify: FAIL: nas:hosts/web01/2026-11-23.log.gz:8: digest mismatch at seq 57\n"
                + "loghost: not read: hosts/web01/2026-11-23.log.gz is archived to nas and no copy there checks (see "
                + "loghost archive verify)\n"
                + "loghost: 1 day file asked for not read (see above); what was read is printed; exit status 66\n",
                tampered.stderr());

        // Without the config that names the destination, the day is named as archived there: never an empty exit 0.
        Run.Result noConfig = run("cat", "--data", data.toString(), "--host", "web01", "--since", "2026-11-23");
        assertEquals(66, noConfig.exit(), noConfig::toString);
        assertEquals(lines("web01", "2026-11-24", 1, 50), noConfig.stdout());
        assertTrue(noConfig.stderr().startsWith("loghost: not read: hosts/web01/2026-11-23.log.gz is archived to nas, "
                + "which the config in use does not name (archive.destinations; give --config)\n"), noConfig::toString);
        // A window after the archived days asks for none of them.
        Run.Result today = run("cat", "--data", data.toString(), "--host", "web01", "--since", "2026-11-24");
        assertEquals(0, today.exit(), today::toString);
        assertEquals(lines("web01", "2026-11-24", 1, 50), today.stdout());
    }

    @Test
    void aDayDeletedByRetentionIsNamedOnStderrAndGrepExits66() throws Exception {
        Path data = archivedTo(new Settings.Housekeeping(true, Duration.ofMinutes(5), Duration.ofDays(30),
                Duration.ofDays(1), List.of()));
        Run.Result grep = run("grep", "--data", data.toString(), "--host", "web01", "--since", "2026-11-23",
                "line 1$");
        assertEquals(66, grep.exit(), grep::toString);
        assertEquals("web01 2026-11-24 line 1\n", grep.stdout());
        assertEquals("loghost: not read: hosts/web01/2026-11-23.log.gz was deleted by retention "
                + "(retention.delete-after); it cannot be read or restored\n"
                + "loghost: 1 day file asked for not read (see above); what was read is printed; exit status 66\n",
                grep.stderr());
    }

    @Test
    void restoreWritesATreeThatCatDataReads() throws Exception {
        Path nas = Files.createDirectory(dir.resolve("nas"));
        Path data = archivedTo(ArchiveTest.archiveTo(nas));
        Path to = dir.resolve("restored");
        Run.Result restore = Cli.main("archive", "restore", "--data", data.toString(), "--config",
                nasConfig(nas).toString(), "--host", "web01", "--day", "2026-11-23", "--to", to.toString());
        assertEquals(0, restore.exit(), restore::toString);
        Run.Result cat = run("cat", "--data", to.toString(), "--host", "web01", "--since", "2026-11-23");
        assertEquals(0, cat.exit(), cat::toString);
        assertEquals(lines("web01", "2026-11-23", 1, 50), cat.stdout());
        Run.Result verified = run("cat", "--data", to.toString(), "--host", "web01", "--verify");
        assertEquals(0, verified.exit(), verified::toString);

        Run.Result intoData = Cli.main("archive", "restore", "--data", data.toString(), "--config",
                nasConfig(nas).toString(), "--host", "web01", "--day", "2026-11-22", "--to", data.toString());
        assertEquals(1, intoData.exit(), intoData::toString);
        assertEquals("loghost: error: --to " + data + " is the data directory; restore into another one and read it "
                + "with --data DIR\n", intoData.stderr());
    }

    @Test
    void aDayInS3IsNamedWithItsExactRestoreCommandWhichThenMakesItReadable() throws Exception {
        try (S3Server s3 = S3Server.start(dir.resolve("s3"), "logs")) {
            Path data = archivedTo(new Settings.Housekeeping(true, Duration.ofMinutes(5), Duration.ofDays(1),
                    Duration.ZERO, List.of(new Settings.ArchiveDestination("offsite", null, new Settings.S3("logs",
                    "loghost/", s3.endpoint(), "us-east-1", "S3RVER", "S3RVER", 0)))));
            Path config = Files.writeString(dir.resolve("s3.conf"), "loghost.archive.destinations = [{ name = offsite,"
                    + " s3 { bucket = logs, prefix = loghost, endpoint = \"" + s3.endpoint() + "\","
                    + " access-key = S3RVER, secret-key = S3RVER } }]\n");
            // A config that holds a secret key must not be readable by others (issue 21 item 13).
            Files.setPosixFilePermissions(config, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
            Run.Result cat = run("cat", "--data", data.toString(), "--config", config.toString(), "--host", "web01",
                    "--since", "2026-11-23");
            assertEquals(66, cat.exit(), cat::toString);
            assertEquals(lines("web01", "2026-11-24", 1, 50), cat.stdout());
            Matcher m = Pattern.compile("loghost: not read: hosts/web01/2026-11-23\\.log\\.gz is archived to offsite "
                    + "and not online; offsite is an S3 bucket, which is not read here: (loghost archive restore .*) "
                    + "\\(then read it with --data loghost-restored\\)\n"
                    + "loghost: 1 day file asked for not read \\(see above\\); what was read is printed; exit status "
                    + "66\n").matcher(cat.stderr());
            assertTrue(m.matches(), cat::toString);
            assertEquals("loghost archive restore --data " + data + " --config " + config + " --host web01 --day "
                    + "2026-11-23 --dest offsite --to loghost-restored", m.group(1));

            // The command as printed, run where the reader stands; then --data there reads the day.
            String jvm = String.join(" ", loghost()).replace(System.getProperty("java.class.path"),
                    "\"$CP\"");
            Run.Result restore = Run.run(List.of("sh", "-c", "cd \"$1\" && " + jvm
                    + m.group(1).substring("loghost".length()), "sh", dir.toString()), null, java.util.Map.of("CP", System.getProperty("java.class.path")),
                    120);
            assertEquals(0, restore.exit(), restore::toString);
            Run.Result back = run("cat", "--data", dir.resolve("loghost-restored").toString(), "--host", "web01");
            assertEquals(lines("web01", "2026-11-23", 1, 50), back.stdout(), back::toString);
        }
    }
}
