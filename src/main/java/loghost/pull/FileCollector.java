package loghost.pull;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
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
import java.util.regex.Pattern;
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
 */
final class FileCollector {

    private static final Logger LOG = LoggerFactory.getLogger(FileCollector.class);
    private static final Pattern LISTED = Pattern.compile("([0-9]{1,20}\\.(?:[0-9a-f]{12}|-)|-) (0|[1-9][0-9]{0,18}|-) (/\\S+)");
    private static final Pattern SHA = Pattern.compile("([0-9a-f]{64}) (0|[1-9][0-9]{0,18})\n");
    /** The stream of the collection marks. */
    static final String STREAM = "pull.c";

    private final String source;
    private final List<String> patterns;
    private final HostLog log;
    private final CollectedFiles files;
    private final Clock clock;

    FileCollector(String source, List<String> patterns, HostLog log, CollectedFiles files, Clock clock) {
        this.source = source;
        this.patterns = patterns;
        this.log = log;
        this.files = files;
        this.clock = clock;
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
            RemoteHost.Reply r = remote.exec("list " + pattern);
            if (r.exit() != 0) {
                errors.add("list " + pattern + ": exit " + r.exit() + " " + PullFailure.quote(r.err()));
                continue;
            }
            for (String line : r.text().split("\n")) {
                if (line.isEmpty()) {
                    continue;
                }
                var m = LISTED.matcher(line);
                if (!m.matches()) {
                    throw new PullFailure("list " + pattern + ": unexpected reply " + PullFailure.quote(line));
                }
                String path = m.group(3);
                if (m.group(1).equals("-") || m.group(1).endsWith(".-")) {
                    if (m.group(1).equals("-")) {
                        errors.add(path + ": cannot be read on the host");
                    }
                    continue; // an empty file, or one without a first line yet: nothing to keep
                }
                try {
                    if (collect(remote, m.group(1), path)) {
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

    /** A file not collected this round, for a reason of its own. */
    private static final class CollectError extends Exception {
        private static final long serialVersionUID = 1L;

        CollectError(String message) {
            super(message);
        }
    }

    private boolean collect(RemoteHost remote, String id, String path) throws PullFailure, StorageException,
            CollectError {
        RemoteHost.Reply sum = remote.exec("sha256 " + id + " " + path);
        if (sum.exit() != 0) {
            throw new CollectError("sha256 exit " + sum.exit() + " " + PullFailure.quote(sum.err()));
        }
        var m = SHA.matcher(sum.text());
        if (!m.matches()) {
            throw new PullFailure("sha256 " + path + ": unexpected reply " + PullFailure.quote(sum.text()));
        }
        String hostSha = m.group(1);
        long size = Long.parseLong(m.group(2));
        if (files.has(hostSha)) {
            return false;
        }
        Path partial = files.partial(FollowedFile.pathTag(path) + "." + id);
        MessageDigest md = sha256();
        long[] received = new long[1];
        int exit;
        try {
            Files.deleteIfExists(partial);
            try (OutputStream out = Files.newOutputStream(partial, StandardOpenOption.CREATE_NEW,
                    StandardOpenOption.WRITE)) {
                Files.setPosixFilePermissions(partial, PosixFilePermissions.fromString("rw-------"));
                exit = remote.stream("read " + id + " 0 " + size + " " + path, (b, n) -> {
                    md.update(b, 0, n);
                    received[0] += n;
                    out.write(b, 0, n);
                });
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
            String name = files.keep(partial, day, path);
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
        HostLog.AppendResult r;
        synchronized (log) { // the next number of the stream and the append, as one step
            batch.add(RecordType.MARK, text, 0, text.length, log.streamPosition(STREAM) + 1);
            r = log.append(batch);
        }
        log.sync();
        return r.lastSeq();
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }
}
