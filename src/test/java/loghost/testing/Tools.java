package loghost.testing;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The programs some tests drive that a bare JDK machine lacks, each with the {@code .ci/run} step that provides it:
 * a test without its tool is skipped with that step named, never failed with "Cannot run program".
 */
public enum Tools {
    /** The real syslog daemon feeding {@code loghost forward}. */
    RSYSLOGD("/usr/sbin/rsyslogd", "apt-get install rsyslog"),
    /** util-linux's {@code logger}, writing into the daemons' sockets. */
    LOGGER("/usr/bin/logger", "apt-get install bsdutils"),
    /** OpenSSH's server, started with a private config for pull mode. */
    SSHD("/usr/sbin/sshd", "apt-get install openssh-server (and mkdir /run/sshd)"),
    /** Traces the server's system calls (fsync, the seccomp filter). */
    STRACE("/usr/bin/strace", "apt-get install strace"),
    /** Checks the units' hardening. */
    SYSTEMD_ANALYZE("/usr/bin/systemd-analyze", "apt-get install systemd"),
    /** Writes real journal files, unpacked (not installed). */
    JOURNAL_REMOTE("/opt/loghost-test/journal-remote/lib/systemd/systemd-journal-remote",
            "unpack systemd-journal-remote and libmicrohttpd12 into /opt/loghost-test/journal-remote"),
    /** The S3-compatible server, from npm. */
    S3RVER("/opt/loghost-test/s3rver/node_modules/.bin/s3rver",
            "npm install --prefix /opt/loghost-test/s3rver s3rver@3.7.1"),
    /** syslog-ng, unpacked (Debian's package conflicts with rsyslog). */
    SYSLOG_NG("/opt/loghost-test/syslog-ng/usr/sbin/syslog-ng",
            "unpack syslog-ng-core into /opt/loghost-test/syslog-ng");

    private final Path path;
    private final String ciStep;

    Tools(String path, String ciStep) {
        this.path = Path.of(path);
        this.ciStep = ciStep;
    }

    /** Where the tests run it from. */
    public Path path() {
        return path;
    }

    /** Whether it is there to run. */
    public boolean present() {
        return Files.isExecutable(path);
    }

    /** Skips the calling test, naming the {@code .ci/run} step, when the tool is missing. */
    public void assume() {
        assumeTrue(present(), () -> path + " is missing: .ci/run provides it (" + ciStep + ")");
    }

    /** Skips the calling test unless every one of {@code tools} is there. */
    public static void assume(Tools... tools) {
        for (Tools t : tools) {
            t.assume();
        }
    }
}
