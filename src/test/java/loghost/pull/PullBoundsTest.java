package loghost.pull;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import loghost.testing.Cli;
import loghost.testing.Run;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A source that sends more than it announced: the loghost stores at most what it asked for, and a round ends. */
class PullBoundsTest {

    @TempDir
    Path tmp;

    @Test
    void aJournalThatNeverEndsAFieldIsCutAtTheBoundAndPullOnceEnds() throws Exception {
        // journal-id names 5 entries; journal then sends bytes without a newline, without end.
        String script = "#!/bin/sh\n"
                + "case \"$SSH_ORIGINAL_COMMAND\" in\n"
                + "  journal-id) echo '0123456789abcdef0123456789abcdef 5' ;;\n"
                + "  'journal '*) yes | tr -d '\\n' ;;\n"
                + "  *) exit 64 ;;\n"
                + "esac\n";
        try (SourceHost host = SourceHost.start(tmp.resolve("source"), List.of("journal"), script)) {
            Path data = tmp.resolve("data");
            Path config = host.writeConfig(tmp.resolve("loghost.conf"), "journal = true", "from-start = true");
            Run.Result r = assertTimeoutPreemptively(Duration.ofMinutes(3),
                    () -> Cli.run(data, "pull", "--config", config.toString(), "--once", "web01"));
            assertEquals(1, r.exit(), r::toString);
            assertTrue(r.stderr().contains("bytes without the end of a field"), r::toString);
        }
    }

    @Test
    void aReadThatStreamsMoreThanStatAnnouncedIsCutAtTheAnnouncedSizeAndPullOnceEnds() throws Exception {
        String app = "/var/log/app.log";
        // 40 bytes a line: stat announces 100 bytes, read then streams without end.
        String line = "Nov 24 10:00:00 web01 app: endless line";
        String script = "#!/bin/sh\n"
                + "case \"$SSH_ORIGINAL_COMMAND\" in\n"
                + "  'stat " + app + "') echo '4242.0123456789ab 100' ;;\n"
                + "  'stat '*) echo 'serve-logs: no such file' >&2; exit 66 ;;\n"
                + "  read*|follow*) exec yes '" + line + "' ;;\n"
                + "  *) exit 64 ;;\n"
                + "esac\n";
        try (SourceHost host = SourceHost.start(tmp.resolve("source"), List.of(app), script)) {
            Path data = tmp.resolve("data");
            Path config = host.writeConfig(tmp.resolve("loghost.conf"), "follow = [\"" + app + "\"]",
                    "from-start = true");
            Run.Result r = assertTimeoutPreemptively(Duration.ofMinutes(3),
                    () -> Cli.run(data, "pull", "--config", config.toString(), "--once", "web01"));
            assertEquals(1, r.exit(), r::toString);
            assertTrue(r.stderr().contains("the source sent more than the 100 bytes asked for"), r::toString);
            // Two whole lines fit in the 100 bytes asked for; the third, unfinished there, is not stored.
            assertEquals(List.of(line, line), CopyTruncateTest.cat(data, "log"));
        }
    }

    @Test
    void aFollowedFileReadThatStallsEndsPullOnceAfterTheIdleTimeout() throws Exception {
        String app = "/var/log/app.log";
        String script = "#!/bin/sh\n"
                + "case \"$SSH_ORIGINAL_COMMAND\" in\n"
                + "  'stat " + app + "') echo '4242.0123456789ab 100' ;;\n"
                + "  'stat '*) echo 'serve-logs: no such file' >&2; exit 66 ;;\n"
                + "  read*) cat > /dev/null ;;\n" // silent until the loghost closes the channel
                + "  *) exit 64 ;;\n"
                + "esac\n";
        Run.Result r = pullOnceAgainst(script, List.of(app), "follow = [\"" + app + "\"]");
        assertEquals(1, r.exit(), r::toString);
        assertTrue(r.stderr().contains("no data for 5 s during 'read 4242.0123456789ab 0 100 " + app + "'"),
                r::toString);
    }

    @Test
    void aJournalThatStaysSilentEndsPullOnceAfterTheIdleTimeout() throws Exception {
        String script = "#!/bin/sh\n"
                + "case \"$SSH_ORIGINAL_COMMAND\" in\n"
                + "  journal-id) echo '0123456789abcdef0123456789abcdef 5' ;;\n"
                + "  'journal '*) cat > /dev/null ;;\n"
                + "  *) exit 64 ;;\n"
                + "esac\n";
        Run.Result r = pullOnceAgainst(script, List.of("journal"), "journal = true");
        assertEquals(1, r.exit(), r::toString);
        assertTrue(r.stderr().contains("no data for 5 s during 'journal all'"), r::toString);
    }

    @Test
    void aRotatedNameThatIsAHardLinkOfTheFileEndsPullOnceWithAFailure() throws Exception {
        Path logs = Files.createDirectories(tmp.resolve("var-log"));
        Path app = logs.resolve("app.log");
        CopyTruncateTest.append(app, CopyTruncateTest.lines("app", 1, 3));
        Files.createLink(logs.resolve("app.log.1"), app); // ln app.log app.log.1: benign, one inode for both names
        try (SourceHost host = SourceHost.start(tmp.resolve("source"), List.of(logs + "/app.log*"))) {
            Run.Result r = assertTimeoutPreemptively(Duration.ofMinutes(2),
                    () -> Cli.run(tmp.resolve("data"), "pull", "--config", config(host, "follow = [\"" + app + "\"]")
                            .toString(), "--once", "web01"));
            assertEquals(1, r.exit(), r::toString);
            assertTrue(r.stderr().contains(app + " and " + app + ".1 are one file"), r::toString);
        }
    }

    private static final String SHORT_ISO = "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\+0000 web01 ";

    @Test
    void journalEntriesOfAnotherSequenceThanAskedAreNotStored() throws Exception {
        String asked = "0123456789abcdef0123456789abcdef";
        String forged = "fedcba9876543210fedcba9876543210";
        StringBuilder export = new StringBuilder();
        String[][] entries = {{forged, "1", "forged one"}, {asked, "1", "one"}, {forged, "7", "forged two"},
            {asked, "2", "two"}};
        for (String[] e : entries) {
            export.append("__CURSOR=s=").append(e[0]).append(";i=").append(e[1]).append(";b=0;m=0;t=0;x=0\n")
                    .append("SYSLOG_IDENTIFIER=app\n_PID=1\nMESSAGE=").append(e[2]).append("\n\n");
        }
        Path entriesFile = Files.writeString(tmp.resolve("entries.export"), export);
        String script = "#!/bin/sh\n"
                + "case \"$SSH_ORIGINAL_COMMAND\" in\n"
                + "  journal-id) echo '" + asked + " 2' ;;\n"
                + "  'journal '*) cat '" + entriesFile + "'; cat > /dev/null ;;\n"
                + "  *) exit 64 ;;\n"
                + "esac\n";
        Run.Result r = pullOnceAgainst(script, List.of("journal"), "journal = true");
        assertEquals(0, r.exit(), r::toString);
        // cat shows journal entries as journalctl -o short-iso (these have no __REALTIME_TIMESTAMP: receive time).
        assertEquals(List.of("app[1]: one", "app[1]: two"), CopyTruncateTest.cat(tmp.resolve("data"), "log").stream()
                .map(l -> l.matches(SHORT_ISO + ".*") ? l.replaceFirst(SHORT_ISO, "") : "not short-iso: " + l)
                .toList());
        assertTrue(loghost.testing.HostRecords.read(tmp.resolve("data"), "web01").stream()
                .noneMatch(rec -> rec.meta().contains("c=pull.j." + forged)), "no stream of the forged sequence");
    }

    @Test
    void journalFieldsSpreadOverManyChunksAreParsedWhole() throws Exception {
        String id = "0123456789abcdef0123456789abcdef";
        java.io.ByteArrayOutputStream export = new java.io.ByteArrayOutputStream();
        String big = "x".repeat(3 << 20); // a text field over many 64 KiB chunks
        export.writeBytes(("__CURSOR=s=" + id + ";i=1;b=0;m=0;t=0;x=0\nMESSAGE=" + big + "\n\n")
                .getBytes(StandardCharsets.US_ASCII));
        byte[] binary = ("two\nlines " + "y".repeat(1 << 20)).getBytes(StandardCharsets.US_ASCII);
        export.writeBytes(("__CURSOR=s=" + id + ";i=2;b=0;m=0;t=0;x=0\nMESSAGE\n").getBytes(StandardCharsets.US_ASCII));
        for (int i = 0; i < 8; i++) {
            export.write((int) ((long) binary.length >>> (8 * i)) & 0xff); // little-endian length
        }
        export.writeBytes(binary);
        export.writeBytes("\n\n".getBytes(StandardCharsets.US_ASCII));
        Path entriesFile = Files.write(tmp.resolve("entries.export"), export.toByteArray());
        String script = "#!/bin/sh\n"
                + "case \"$SSH_ORIGINAL_COMMAND\" in\n"
                + "  journal-id) echo '" + id + " 2' ;;\n"
                + "  'journal '*) cat '" + entriesFile + "'; cat > /dev/null ;;\n"
                + "  *) exit 64 ;;\n"
                + "esac\n";
        Run.Result r = pullOnceAgainst(script, List.of("journal"), "journal = true");
        assertEquals(0, r.exit(), r::toString);
        List<loghost.testing.HostRecords.Rec> recs = loghost.testing.HostRecords.read(tmp.resolve("data"), "web01")
                .stream().filter(rec -> rec.meta().contains("c=pull.j." + id + ":")).toList();
        StringBuilder first = new StringBuilder();
        StringBuilder second = new StringBuilder();
        for (loghost.testing.HostRecords.Rec rec : recs) {
            // The entry's seqnum is c='s cseq; the log record's own journal keys may follow it (FORMAT.md).
            java.util.regex.Matcher c = loghost.names.StreamId.META_FIELD.matcher(rec.meta());
            assertTrue(c.find(), rec.meta());
            (c.group(2).equals("1") ? first : second).append(rec.text());
        }
        assertEquals(big, first.toString());
        assertEquals(new String(binary, StandardCharsets.US_ASCII), second.toString());
    }

    @Test
    void aPulledFileIsNotGivenAStreamBeyondTheHostsStreamCap() throws Exception {
        Path logs = Files.createDirectories(tmp.resolve("var-log"));
        Path app = logs.resolve("app.log");
        CopyTruncateTest.append(app, CopyTruncateTest.lines("app", 1, 3));
        try (SourceHost host = SourceHost.start(tmp.resolve("source"), List.of(logs + "/app.log*"));
                PullRig rig = new PullRig(tmp.resolve("data"))) {
            // The host holds as many streams as it may (each once opened by a new identity of a followed file).
            loghost.store.LineBatch batch = new loghost.store.LineBatch();
            loghost.store.HostLog log = rig.store.host("web01");
            byte[] line = "x".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            for (int i = 0; log.streamCount() < loghost.protocol.Frames.MAX_STREAMS_PER_HOST; i++) {
                batch.stream("pull.00000000." + i + ".000000000000");
                batch.add(loghost.store.RecordType.LOG, line, 0, 1, 1);
                log.append(batch);
                batch.clear();
            }
            long before = log.lastSeq();
            PullSource source = rig.source(PullRig.source(host, "web01", host.hostKeyLine(),
                    List.of(app.toString()), List.of()));
            PullFailure e = org.junit.jupiter.api.Assertions.assertThrows(PullFailure.class, source::runOnce);
            assertTrue(e.getMessage().contains("streams, the most there may be"), e::getMessage);
            assertEquals(before, log.lastSeq(), "nothing of the file stored");
        }
    }

    // pull --once of web01 against a source answering with `script`, ssh.idle-timeout 5 s.
    private Run.Result pullOnceAgainst(String script, List<String> allowed, String what) throws Exception {
        try (SourceHost host = SourceHost.start(tmp.resolve("source"), allowed, script)) {
            return assertTimeoutPreemptively(Duration.ofMinutes(2),
                    () -> Cli.run(tmp.resolve("data"), "pull", "--config", config(host, what).toString(), "--once",
                            "web01"));
        }
    }

    private Path config(SourceHost host, String what) throws Exception {
        Path file = host.writeConfig(tmp.resolve("loghost.conf"), what, "from-start = true");
        return Files.writeString(file, "loghost.ssh.idle-timeout = 5s\n" + Files.readString(file));
    }
}
