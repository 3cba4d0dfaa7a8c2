package loghost.read;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import loghost.store.DigestAlgorithm;
import loghost.store.LineBatch;
import loghost.store.LogStore;
import loghost.store.RecordType;
import loghost.testing.ManualClock;
import loghost.testing.Run;
import loghost.testing.Stores;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code loghost cat/tail/grep} as journalctl users expect them, run as real processes on a real data directory:
 * several hosts merged in time order, journalctl's time forms, GNU grep's options and exit status.
 */
class ReadManyHostsTest {

    @TempDir
    Path dir;

    private Path data;
    private ManualClock clock;
    private LogStore store;

    @BeforeEach
    void storeThreeHosts() throws Exception {
        data = dir.resolve("data");
        clock = new ManualClock("2026-11-22T10:00:00.000Z");
        store = Stores.open(data.resolve("hosts"), DigestAlgorithm.SHA256, clock);
        at("2026-11-22T10:00:01.000Z", "web02", "web02 starts");
        at("2026-11-22T10:00:02.000Z", "web01", "sshd[1]: Failed password for root");
        at("2026-11-22T10:00:03.000Z", "db01", "postgres[7]: ready");
        at("2026-11-22T10:00:03.000Z", "web01", "same time as db01");
        clock.set("2026-11-23T09:00:00.000Z"); // web02's second line in the next day file
        at("2026-11-23T09:00:00.000Z", "web02", "sshd[2]: failed password for admin");
        at("2026-11-23T09:30:00.000Z", "db01", "postgres[7]: checkpoint [1]");
        Files.setPosixFilePermissions(data, PosixFilePermissions.fromString("rwx------"));
    }

    @Test
    void severalHostsAreMergedInTimeOrderEachLinePrefixedAndOnePlainHostIsPrintedAsBefore() throws Exception {
        store.close();
        Run.Result one = run("cat", "--host", "web01");
        assertEquals(0, one.exit(), one::toString);
        assertEquals("sshd[1]: Failed password for root\nsame time as db01\n", one.stdout(), "unchanged: no prefix");

        String all = "web02 web02 starts\nweb01 sshd[1]: Failed password for root\ndb01 postgres[7]: ready\n"
                + "web01 same time as db01\nweb02 sshd[2]: failed password for admin\n"
                + "db01 postgres[7]: checkpoint [1]\n";
        Run.Result everyHost = run("cat");
        assertEquals(0, everyHost.exit(), everyHost::toString);
        assertEquals(all, everyHost.stdout(), "no --host: every host, ties in host-name order");

        Run.Result glob = run("cat", "--host", "web*");
        assertEquals("web02 web02 starts\nweb01 sshd[1]: Failed password for root\nweb01 same time as db01\n"
                + "web02 sshd[2]: failed password for admin\n", glob.stdout(), glob::toString);
        Run.Result repeated = run("cat", "--host", "db01", "--host", "web02", "--host", "web0[2]", "-o", "records");
        String[] r = repeated.stdout().split("\n");
        assertEquals(4, r.length, repeated::toString);
        assertTrue(r[0].matches("web02 1 2026-11-22T10:00:01.000Z log s=\\d+ web02 starts"), r[0]);
        assertTrue(r[3].matches("db01 2 2026-11-23T09:30:00.000Z log s=\\d+ postgres\\[7\\]: checkpoint \\[1\\]"),
                r[3]);
        Run.Result oneByGlob = run("cat", "--host", "d*", "-o", "json");
        assertTrue(oneByGlob.stdout().startsWith("{\"host\":\"db01\",\"seq\":1,"), oneByGlob::toString);

        Run.Result tail = run("tail", "-n", "3");
        assertEquals("web01 same time as db01\nweb02 sshd[2]: failed password for admin\n"
                + "db01 postgres[7]: checkpoint [1]\n", tail.stdout(), tail::toString);
        Run.Result since = run("cat", "--since", "2026-11-22 10:00:03", "--until", "2026-11-23T09:30Z");
        assertEquals("db01 postgres[7]: ready\nweb01 same time as db01\nweb02 sshd[2]: failed password for admin\n",
                since.stdout(), since::toString);
    }

    @Test
    void hostPatternsAreMatchedAgainstHostDirectoriesNeverUsedAsPaths() throws Exception {
        store.close();
        Files.createDirectories(dir.resolve("outside/web99"));
        Files.createSymbolicLink(data.resolve("hosts/webx"), dir.resolve("outside/web99"));
        Files.createDirectories(data.resolve("hosts/Web03")); // not a host name: never read
        Run.Result glob = run("cat", "--host", "*", "-o", "records");
        assertEquals(0, glob.exit(), glob::toString);
        assertTrue(glob.stdout().lines().allMatch(l -> l.matches("(db01|web01|web02) .*")), glob::toString);
        Run.Result up = run("cat", "--host", "../*");
        assertEquals(1, up.exit(), up::toString);
        assertEquals("loghost: error: not a host name or pattern: \"../*\"; names match [a-z0-9][a-z0-9.-]{0,62} "
                + "(lowercase letters, digits, '.', '-'; at most 63 characters), patterns add * ? [...] {a,b}\n",
                up.stderr());
        Run.Result none = run("cat", "--host", "mail*");
        assertEquals(1, none.exit(), none::toString);
        assertEquals("loghost: error: no host matches mail* in " + data.resolve("hosts") + "\n", none.stderr());
        Run.Result plain = run("cat", "--host", "web01", "--host", "web09");
        assertEquals(1, plain.exit(), plain::toString);
        assertTrue(plain.stderr().startsWith("loghost: error: no log for host web09 in "), plain::toString);
    }

    @Test
    void sinceAndUntilTakeJournalctlFormsAndABadOneIsNamed() throws Exception {
        // Stored at real times two hours and a minute ago: the relative forms are read against the real clock, and
        // "10 min ago" leaves nine minutes for the command's JVM to start on a loaded machine.
        Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        at(now.minus(2, ChronoUnit.HOURS).toString(), "web01", "two hours ago");
        at(now.minus(1, ChronoUnit.MINUTES).toString(), "web01", "a minute ago");
        store.close();

        Run.Result recent = run("cat", "--host", "web01", "--since", "10 min ago");
        assertEquals("a minute ago\n", recent.stdout(), recent::toString);
        Run.Result window = run("cat", "--host", "web01", "-S", "-3h", "-U", "-1h");
        assertEquals("two hours ago\n", window.stdout(), window::toString);
        Run.Result future = run("cat", "--host", "web01", "--since", "+1m");
        assertEquals(0, future.exit(), future::toString);
        assertEquals("", future.stdout());

        Run.Result bad = run("cat", "--host", "web01", "--since", "last tuesday");
        assertEquals(1, bad.exit(), bad::toString);
        assertEquals("loghost: error: --since: not a time: \"last tuesday\" (" + TimeArgument.FORMS + ")\n",
                bad.stderr());
        Run.Result badGrep = run("grep", "--host", "web01", "--until", "2026-02-30", "x");
        assertEquals(2, badGrep.exit(), badGrep::toString);
        assertTrue(badGrep.stderr().startsWith("loghost: error: --until: no such date or time, or out of range: "
                + "\"2026-02-30\""), badGrep::toString);
    }

    @Test
    void grepCountsIgnoresCaseInvertsAndExitsAsGnuGrep() throws Exception {
        store.close();
        Run.Result count = run("grep", "--host", "web01", "-c", "password");
        assertEquals(0, count.exit(), count::toString);
        assertEquals("1\n", count.stdout());
        Run.Result counts = run("grep", "-c", "-i", "failed PASSWORD");
        assertEquals("db01 0\nweb01 1\nweb02 1\n", counts.stdout(), counts::toString);
        Run.Result inverted = run("grep", "-c", "-v", "password");
        assertEquals("db01 2\nweb01 1\nweb02 1\n", inverted.stdout(), inverted::toString);
        Run.Result noneCounted = run("grep", "--host", "db01", "-c", "password");
        assertEquals(1, noneCounted.exit(), noneCounted::toString);
        assertEquals("0\n", noneCounted.stdout());
        Run.Result merged = run("grep", "-i", "failed password");
        assertEquals(0, merged.exit(), merged::toString);
        assertEquals("web01 sshd[1]: Failed password for root\nweb02 sshd[2]: failed password for admin\n",
                merged.stdout());
        assertEquals(1, run("grep", "--host", "db01", "checkpoint [1]").exit(), "as a regex it finds no line");
        Run.Result fixed = run("grep", "--host", "db01", "-F", "checkpoint [1]");
        assertEquals("postgres[7]: checkpoint [1]\n", fixed.stdout(), fixed::toString);
        Run.Result noMatch = run("grep", "--host", "db01", "password");
        assertEquals(1, noMatch.exit(), noMatch::toString);
        assertEquals("", noMatch.stderr());

        Run.Result badPattern = run("grep", "--host", "web01", "(unclosed");
        assertEquals(2, badPattern.exit(), badPattern::toString);
        Run.Result missingHost = run("grep", "--host", "web09", "x");
        assertEquals(2, missingHost.exit(), missingHost::toString);
        assertTrue(missingHost.stderr().startsWith("loghost: error: no log for host web09"), missingHost::toString);
        Run.Result f = run("grep", "--host", "web01", "-f", "x");
        assertEquals(2, f.exit(), "-f is not follow (GNU grep: patterns from a file): " + f);
        assertTrue(f.stderr().startsWith("Unknown option: '-f'"), f::toString);
        Run.Result both = run("grep", "-c", "--follow", "x");
        assertEquals(2, both.exit(), both::toString);
        assertEquals("loghost: error: give -c or --follow, not both\n", both.stderr());
    }

    @Test
    void tailFollowsSeveralHostsFromTheirEndsEvenWithNoLinesShown() throws Exception {
        Process tail = new ProcessBuilder(loghost("tail", "-n", "0", "-f", "--host", "web*"))
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        try {
            InputStream out = tail.getInputStream();
            // Nothing is printed until a line arrives; keep appending a marker until tail shows it, so the test
            // knows tail has found both hosts' ends before the lines that count are stored.
            String seen = "";
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5); // a JVM start on a loaded machine
            while (!seen.contains("web01 ready\n")) {
                assertTrue(System.nanoTime() < deadline, "tail -f printed nothing in five minutes");
                at(clock.instant().plusMillis(1).toString(), "web01", "ready");
                seen += readFor(out, 2000);
            }
            assertTrue(seen.matches("(web01 ready\n)+(web01 r.*)?"), "-n 0: none of the stored lines: " + seen);
            at(clock.instant().plusMillis(1).toString(), "web02", "new on web02");
            at(clock.instant().plusMillis(1).toString(), "web01", "new on web01");
            at(clock.instant().plusMillis(1).toString(), "db01", "not a web host");
            String next = readUntil(out, "new on web01\n");
            assertTrue(next.matches("(web01 ready\n)*web02 new on web02\nweb01 new on web01\n"), next);
        } finally {
            tail.destroyForcibly();
            tail.waitFor(10, TimeUnit.SECONDS);
            store.close();
        }
    }

    @Test
    void priorityFiltersLikeJournalctlAndJsonCarriesTheSyslogFields() throws Exception {
        at("2026-11-23T10:00:00.000Z", "mail01", "<22>2026-11-23T10:00:00+00:00 mail01 postfix/smtpd[99]: info");
        at("2026-11-23T10:00:01.000Z", "mail01", "<19>2026-11-23T10:00:01+00:00 mail01 postfix/smtpd[99]: err");
        at("2026-11-23T10:00:02.000Z", "mail01", "<20>1 2026-11-23T10:00:02Z mail01 dovecot - - - warning");
        at("2026-11-23T10:00:03.000Z", "mail01", "no PRI at all");
        store.close();

        Run.Result err = run("cat", "--host", "mail01", "-p", "err");
        assertEquals(0, err.exit(), err::toString);
        assertEquals("<19>2026-11-23T10:00:01+00:00 mail01 postfix/smtpd[99]: err\n", err.stdout());
        Run.Result range = run("cat", "--host", "mail01", "--priority", "warning..err", "-o", "records");
        assertEquals(2, range.stdout().lines().count(), range::toString);
        Run.Result info = run("grep", "--host", "mail01", "-c", "-p", "6", "");
        assertEquals("3\n", info.stdout(), "info and more important: not the line without a PRI; " + info);

        Run.Result json = run("cat", "--host", "mail01", "-o", "json");
        String[] j = json.stdout().split("\n");
        assertEquals(4, j.length, json::toString);
        assertTrue(j[0].contains("\"line-ends\":true,\"PRIORITY\":\"6\",\"SYSLOG_FACILITY\":\"2\","
                + "\"SYSLOG_IDENTIFIER\":\"postfix/smtpd\",\"SYSLOG_PID\":\"99\",\"message\":"), j[0]);
        assertTrue(j[2].contains("\"PRIORITY\":\"4\",\"SYSLOG_FACILITY\":\"2\",\"SYSLOG_IDENTIFIER\":\"dovecot\","
                + "\"message\":"), "RFC 5424, PROCID nil: no SYSLOG_PID; " + j[2]);
        assertTrue(j[3].contains("\"line-ends\":true,\"message\":\"no PRI at all\"}"), j[3]);

        Run.Result bad = run("grep", "--host", "mail01", "-p", "error", "x");
        assertEquals(2, bad.exit(), bad::toString);
        assertTrue(bad.stderr().startsWith("loghost: error: --priority: not a priority: \"error\""), bad::toString);
    }

    @Test
    void everyHostOfALargeStoreIsMergedInASmallHeap() throws Exception {
        // 400 readers open at once: at the 1 MiB a single host's reader takes, 400 MiB; the merge reads in 64 KiB.
        for (int i = 0; i < 400; i++) {
            at("2026-11-24T10:00:00.000Z", String.format("h%03d", i), "line of h" + i);
        }
        store.close();
        List<String> cmd = new ArrayList<>(loghost("cat", "--host", "h*"));
        cmd.add(1, "-Xmx96m");
        Run.Result all = Run.run(cmd, null, null, 120);
        assertEquals(0, all.exit(), all::toString);
        List<String> lines = all.stdout().lines().toList();
        assertEquals(400, lines.size(), all::toString);
        assertEquals("h000 line of h0", lines.get(0));
        assertEquals("h399 line of h399", lines.get(399));
    }

    private void at(String time, String host, String text) throws Exception {
        clock.set(time);
        LineBatch b = new LineBatch();
        byte[] raw = text.getBytes(StandardCharsets.UTF_8);
        b.add(RecordType.LOG, raw, 0, raw.length);
        store.host(host).append(b);
    }

    private List<String> loghost(String... args) {
        List<String> cmd = new ArrayList<>(List.of("java", "-cp", System.getProperty("java.class.path"),
                "loghost.cli.Main", args[0], "--data", data.toString()));
        cmd.addAll(List.of(args).subList(1, args.length));
        return cmd;
    }

    private Run.Result run(String... args) throws Exception {
        return Run.run(loghost(args), null, null, 120);
    }

    // What arrives within millis (bytes that are there are read; the wait is only for more).
    private static String readFor(InputStream in, long millis) throws Exception {
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        while (System.nanoTime() < deadline) {
            if (in.available() > 0) {
                got.write(in.read());
            } else {
                Thread.sleep(20);
            }
        }
        return got.toString(StandardCharsets.UTF_8);
    }

    private static String readUntil(InputStream in, String end) throws Exception {
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (!got.toString(StandardCharsets.UTF_8).endsWith(end)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out; got: " + got);
            }
            int b = in.read();
            if (b < 0) {
                throw new AssertionError("ended; got: " + got);
            }
            got.write(b);
        }
        return got.toString(StandardCharsets.UTF_8);
    }
}
