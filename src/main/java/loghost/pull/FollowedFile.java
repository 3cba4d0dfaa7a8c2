package loghost.pull;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import loghost.store.HostLog;
import loghost.store.LineBatch;
import loghost.store.RecordType;
import loghost.store.StorageException;

/**
 * One followed file of a source: finds where the log left off and reads on from there, across rotations
 * (docs/PROTOCOL.md, "Pull mode", steps 1 to 5). Every position comes from the host's log itself.
 */
final class FollowedFile {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(FollowedFile.class);

    private static final Pattern STAT = Pattern.compile("([0-9]{1,20}\\.(?:[0-9a-f]{12}|-)) (0|[1-9][0-9]{0,18})\n");

    private final String source;
    private final String path;
    private final String rotated;
    private final boolean fromStart;
    private final HostLog log;
    private final String markStream;
    private final OffsetLines lines;
    private final LineBatch batch = new LineBatch();
    private final Consumer<Long> stored;

    /** {@code stored} hears the number of records each append wrote (for the source's state). */
    FollowedFile(String source, String path, boolean fromStart, HostLog log, int maxLine, Consumer<Long> stored) {
        this.source = source;
        this.path = path;
        this.rotated = path + ".1";
        this.fromStart = fromStart;
        this.log = log;
        this.markStream = "pull." + pathTag(path);
        this.lines = new OffsetLines(maxLine);
        this.stored = stored;
    }

    /** The first 8 hex digits of SHA-256 of the path: the {@code P} of the stream names. */
    static String pathTag(String path) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(path.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d).substring(0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }

    private String fileStream(String id) {
        return markStream + "." + id;
    }

    /** A file's identity and size as {@code stat} gave them. */
    private record Stat(String id, long size) {
        boolean complete() {
            return !id.endsWith(".-");
        }
    }

    /**
     * Follows the file until the connection fails or {@code once} is set: then reads up to the file's current end and
     * returns.
     */
    void run(RemoteHost remote, boolean once) throws PullFailure, StorageException, InterruptedException {
        while (true) {
            Stat cur = stat(remote, path);
            if (cur == null) {
                throw new PullFailure("no such file on the source: " + path);
            }
            if (!cur.complete()) {
                if (once) {
                    return; // not even a first line yet: nothing to read
                }
                Thread.sleep(1000);
                continue;
            }
            Stat old = stat(remote, rotated);
            if (old != null && (!old.complete() || old.id().equals(cur.id()))) {
                if (old.id().equals(cur.id())) {
                    continue; // rotated between the two stats: look again
                }
                old = null;
            }
            long o = old == null ? 0 : log.streamPosition(fileStream(old.id()));
            long c = log.streamPosition(fileStream(cur.id()));
            boolean before = log.hasStream(markStream) || o > 0 || c > 0;
            if (old != null && ((o > 0 && o < old.size()) || (before && c == 0 && o == 0))) {
                if (o == 0) {
                    mark(old.id(), 0);
                }
                if (read(remote, "read", old.id(), o, rotated, true) == RemoteHost.NOT_THIS_FILE) {
                    continue;
                }
            }
            if (c > cur.size()) {
                // Truncated in place under the same identity: wait until it has grown past what is stored.
                if (once) {
                    return;
                }
                Thread.sleep(1000);
                continue;
            }
            long from = c > 0 ? c : before || fromStart ? 0 : cur.size();
            if (c == 0) {
                mark(cur.id(), from);
            }
            int exit = read(remote, once ? "read" : "follow", cur.id(), from, path, false);
            if (once && exit != RemoteHost.NOT_THIS_FILE) {
                return;
            }
            // follow ended: the file was rotated or truncated (0), or replaced before it was opened (69).
        }
    }

    private Stat stat(RemoteHost remote, String p) throws PullFailure {
        RemoteHost.Reply r = remote.exec("stat " + p);
        if (r.exit() == RemoteHost.NO_SUCH_FILE) {
            return null;
        }
        if (r.exit() != 0) {
            throw new PullFailure("'stat " + p + "' failed on the source (exit " + r.exit() + "): "
                    + PullFailure.quote(r.err()));
        }
        var m = STAT.matcher(r.text());
        if (!m.matches()) {
            throw new PullFailure("'stat " + p + "': unexpected reply " + PullFailure.quote(r.text()));
        }
        return new Stat(m.group(1), Long.parseLong(m.group(2)));
    }

    // Stores the bytes of the file `id` from `from` on as records; `finish`: an unfinished last line too.
    private int read(RemoteHost remote, String verb, String id, long from, String p, boolean finish)
            throws PullFailure, StorageException {
        String stream = fileStream(id);
        LOG.info("pull-{} source={} path={} stream={} from={}", verb, source, p, stream, from);
        batch.stream(stream);
        lines.start(from);
        int exit;
        try {
            exit = remote.stream(verb + " " + id + " " + from + ("read".equals(verb) ? " - " : " ") + p, (b, n) -> {
                lines.feed(b, 0, n, batch);
                append(); // one append per chunk (at most 64 KiB): memory stays bounded, positions current
            });
        } catch (UncheckedStorage e) {
            throw e.getCause();
        }
        if (exit == 0 && finish) {
            lines.finish(batch);
        }
        append();
        return exit;
    }

    private void append() {
        UncheckedStorage.append(log, batch, stored);
    }

    private void mark(String id, long from) throws StorageException {
        byte[] text = ("pull-file path=\"" + path + "\" stream=" + fileStream(id) + " from=" + from + " source="
                + source).getBytes(StandardCharsets.US_ASCII);
        if (from > 0) {
            batch.stream(fileStream(id));
            batch.add(RecordType.MARK, text, 0, text.length, from);
        } else {
            batch.stream(markStream);
            batch.add(RecordType.MARK, text, 0, text.length, log.streamPosition(markStream) + 1);
        }
        try {
            append();
        } catch (UncheckedStorage e) {
            throw e.getCause();
        }
    }
}
