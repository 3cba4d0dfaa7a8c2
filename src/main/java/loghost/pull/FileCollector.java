package loghost.pull;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import loghost.refusal.Refusal;
import loghost.servelogs.RemotePath;
import loghost.store.HostLog;
import loghost.store.LineBatch;
import loghost.store.RecordType;
import loghost.store.StorageException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One collection round of a source (docs/PROTOCOL.md, "File collection"): every file its patterns list is copied
 * whole unless a copy with the same SHA-256 is listed already; the SHA-256 taken on the host must equal the one
 * of the bytes received, or nothing is kept. Each kept copy is a {@code mark} record in the host's chain.
 * Everything the source says is taken as hostile: a reply outside the grammar, or a {@code read} longer than
 * asked, is refused (logged, audited) and ends the round; a remote path is recorded, never used as a local name.
 */
final class FileCollector {

    private static final Logger LOG = LoggerFactory.getLogger(FileCollector.class);
    private static final Logger REFUSAL = LoggerFactory.getLogger("loghost.refusal");
    // PROTOCOL.md, "File collection": "ID SIZE PATH" or "- - PATH"; PATH is then checked against the path grammar.
    private static final Pattern LISTED = Pattern.compile("(?:([0-9]{1,20}\\.(?:[0-9a-f]{12}|-)) (0|[1-9][0-9]{0,18})"
            + "|- -) (/[!-~]+)");
    private static final Pattern SHA = Pattern.compile("([0-9a-f]{64}) (0|[1-9][0-9]{0,18})\n");
    /** The stream of the collection marks. */
    static final String STREAM = "pull.c";

    private final String source;
    private final List<String> patterns;
    private final HostLog log;
    private final CollectedFiles files;
    private final Clock clock;
    private final Consumer<String> audit;
    private final long maxBytes;

    /**
     * A collector whose refusal lines go to {@code audit} (which may leave out one it audited already), collecting
     * files of at most {@code maxBytes}.
     */
    FileCollector(String source, List<String> patterns, HostLog log, CollectedFiles files, Clock clock,
            Consumer<String> audit, long maxBytes) {
        this.maxBytes = maxBytes;
        this.source = source;
        this.patterns = patterns;
        this.log = log;
        this.files = files;
        this.clock = clock;
        this.audit = audit;
    }

    /** The source answered outside the protocol: refused, logged and audited; the round ends. */
    static final class SourceRefused extends PullFailure {
        private static final long serialVersionUID = 1L;

        SourceRefused(String line) {
            super(line);
        }
    }

    // One line, one reason code, in the refusal log and the audit trail; the source's own words quoted.
    private SourceRefused refuse(Refusal reason, String command, String detail) {
        String line = reason.logPrefix() + " source=" + source + " command=" + PullFailure.quote(command)
                + " " + detail;
        REFUSAL.warn("{}", line);
        audit.accept(line);
        return new SourceRefused(line);
    }

    /** What a round did, for the log and for status. */
    record Round(int copied, int unchanged, List<String> errors) {
    }

    /** Runs one round; a file that cannot be collected is an error of the round, the others go on. */
    Round round(RemoteHost remote) throws PullFailure, StorageException {
        int copied = 0;
        int unchanged = 0;
        List<String> errors = new ArrayList<>();
        for (String pattern : patterns) {
            RemoteHost.Reply r = exec(remote, "list " + pattern);
            if (r.exit() != 0) {
                errors.add("list " + pattern + ": exit " + r.exit() + " " + PullFailure.quote(r.err()));
                continue;
            }
            String text = r.text();
            if (!text.isEmpty() && !text.endsWith("\n")) {
                throw refuse(Refusal.PULL_REPLY_MALFORMED, "list " + pattern, "reply=" + said(text)
                        + " (no LF at its end)");
            }
            // Every line is checked before any file is fetched: one lie in the reply, and none of it is acted on.
            List<String[]> listed = new ArrayList<>();
            String[] lines = text.isEmpty() ? new String[0] : text.substring(0, text.length() - 1).split("\n", -1);
            for (String line : lines) {
                var m = LISTED.matcher(line);
                if (!m.matches() || !RemotePath.isPath(m.group(3))) {
                    throw refuse(Refusal.PULL_REPLY_MALFORMED, "list " + pattern, "reply=" + said(line));
                }
                if (!RemotePath.matches(pattern, m.group(3))) {
                    throw refuse(Refusal.PULL_REPLY_MALFORMED, "list " + pattern, "reply=" + said(line)
                            + " (a path the pattern does not match)");
                }
                listed.add(new String[] {m.group(1), m.group(3)});
            }
            for (String[] l : listed) {
                String path = l[1];
                if (l[0] == null || l[0].endsWith(".-")) {
                    if (l[0] == null) {
                        errors.add(path + ": cannot be read on the host");
                    }
                    continue; // an empty file, or one without a first line yet: nothing to keep
                }
                try {
                    if (collect(remote, l[0], path)) {
                        copied++;
                    } else {
                        unchanged++;
                    }
                } catch (CollectError e) {
                    errors.add(path + ": " + e.getMessage());
                }
            }
        }
        for (String e : errors) {
            LOG.warn("pull-collect-failed source={} reason={} (retried next round)", source, PullFailure.quote(e));
        }
        LOG.info("pull-collected source={} copied={} unchanged={} failed={}", source, copied, unchanged, errors.size());
        return new Round(copied, unchanged, errors);
    }

    // A reply beyond RemoteHost's 4 MiB is outside the protocol like any other malformed one: refused, audited.
    private RemoteHost.Reply exec(RemoteHost remote, String command) throws PullFailure {
        try {
            return remote.exec(command);
        } catch (RemoteHost.ReplyTooLong e) {
            throw refuse(Refusal.PULL_REPLY_MALFORMED, command, "(longer than 4 MiB)");
        }
    }

    /** A file not collected this round, for a reason of its own. */
    private static final class CollectError extends Exception {
        private static final long serialVersionUID = 1L;

        CollectError(String message) {
            super(message);
        }
    }

    private boolean collect(RemoteHost remote, String id, String path) throws PullFailure, StorageException,
            CollectError {
        RemoteHost.Reply sum = exec(remote, "sha256 " + id + " " + path);
        if (sum.exit() != 0) {
            throw new CollectError("sha256 exit " + sum.exit() + " " + PullFailure.quote(sum.err()));
        }
        var m = SHA.matcher(sum.text());
        if (!m.matches() || m.group(2).length() == 19 && m.group(2).compareTo(String.valueOf(Long.MAX_VALUE)) > 0) {
            throw refuse(Refusal.PULL_REPLY_MALFORMED, "sha256 " + id + " " + path,
                    "reply=" + said(sum.text()));
        }
        String hostSha = m.group(1);
        long size = Long.parseLong(m.group(2));
        if (size > maxBytes) {
            // The source names the size: without this limit one file could take the loghost's disk.
            throw new CollectError(refuse(Refusal.PULL_FILE_TOO_LARGE, "sha256 " + id + " " + path,
                    "size=" + size + " limit=" + maxBytes).getMessage());
        }
        if (files.has(hostSha)) {
            return false;
        }
        Path partial = files.partial(FollowedFile.pathTag(path) + "." + id);
        String read = "read " + id + " 0 " + size + " " + path;
        MessageDigest md = sha256();
        long[] received = new long[1];
        int exit;
        try {
            Files.deleteIfExists(partial);
            try (OutputStream out = Files.newOutputStream(partial, StandardOpenOption.CREATE_NEW,
                    StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS)) {
                Files.setPosixFilePermissions(partial, PosixFilePermissions.fromString("rw-------"));
                // Never more than announced: a file that grew since is taken whole in a later round.
                exit = remote.stream(read, size, (b, n) -> {
                    md.update(b, 0, n);
                    received[0] += n;
                    out.write(b, 0, n);
                });
            } catch (RemoteHost.ReplyTooLong e) {
                Files.deleteIfExists(partial);
                throw refuse(Refusal.PULL_READ_TOO_LONG, read,
                        "limit=" + e.limit() + " (sent more bytes than asked)");
            } catch (RemoteHost.FailedOnSource e) {
                // This file's own failure (unreadable, refused): an error of this round, the other files go on.
                Files.deleteIfExists(partial);
                throw new CollectError("read exit " + e.exit() + " " + PullFailure.quote(e.err()));
            } catch (PullFailure e) {
                Files.deleteIfExists(partial); // a lost or stalled connection: no half copy stays behind
                throw e;
            }
            if (exit != 0) {
                Files.deleteIfExists(partial);
                throw new CollectError("read exit " + exit + " (the file was replaced or shrank during transfer)");
            }
            String localSha = HexFormat.of().formatHex(md.digest());
            if (received[0] != size || !localSha.equals(hostSha)) {
                Files.deleteIfExists(partial);
                throw new CollectError("changed during transfer: the host said sha256 " + hostSha + " size " + size
                        + ", received sha256 " + localSha + " size " + received[0]);
            }
            try (var ch = java.nio.channels.FileChannel.open(partial, StandardOpenOption.WRITE)) {
                ch.force(true);
            }
            String day = LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC).toString();
            String name = files.keep(partial, day, hostSha, path);
            long seq = mark(path, name, hostSha, size, id);
            files.list(hostSha, name, size, path, id, seq);
            return true;
        } catch (IOException e) {
            try {
                Files.deleteIfExists(partial);
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw new PullFailure("collecting " + path + ": " + e.getMessage(), e);
        }
    }

    // The copy's record in the chain, forced to disk before the manifest names its seq.
    private long mark(String path, String name, String sha, long size, String id) throws StorageException {
        byte[] text = ("pull-collected path=\"" + path + "\" file=" + CollectedFiles.DIR + "/" + log.host() + "/" + name
                + " sha256=" + sha + " size=" + size + " id=" + id + " source=" + source)
                .getBytes(StandardCharsets.US_ASCII);
        LineBatch batch = new LineBatch();
        batch.stream(STREAM);
        HostLog.AppendResult r = log.appendNext(batch, RecordType.MARK, text);
        log.sync();
        return r.lastSeq();
    }

    // At most 200 characters of what the source said: a refusal is one line, even for a 4 MiB reply.
    private static String said(String reply) {
        return PullFailure.quote(reply.length() > 200 ? reply.substring(0, 200) + "..." : reply);
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }
}
