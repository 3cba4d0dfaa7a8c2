package loghost.pull;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.nio.file.Path;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import loghost.protocol.Frames;
import loghost.store.HostLog;
import loghost.store.LineBatch;
import loghost.store.OffsetLines;
import loghost.store.RecordType;
import loghost.store.StorageException;

/**
 * One followed file of a source: finds where the log left off and reads on from there, across rotations
 * (docs/PROTOCOL.md, "Pull mode", steps 1 to 7, and "Truncation and copytruncate"). Every position comes from the
 * host's log itself.
 */
final class FollowedFile {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(FollowedFile.class);

    private static final Pattern STAT = Pattern.compile("([0-9]{1,20}\\.(?:[0-9a-f]{12}|-)) (0|[1-9][0-9]{0,18})\n");
    /** Look-agains in a row (each after a second) before the pull of the path fails. */
    private static final int MAX_LOOK_AGAIN = 10;
    private static final Pattern GENERATION = Pattern.compile("(.*)\\.g([0-9]{1,9})");

    private final String source;
    private final String path;
    private final String rotated;
    private final boolean fromStart;
    private final HostLog log;
    private final String markStream;
    private final OffsetLines lines;
    private final LineBatch batch = new LineBatch();
    private final Consumer<Long> stored;
    private final LastRead last;

    /**
     * {@code stored} hears the number of records each append wrote (for the source's state); {@code lastRead} is the
     * file that keeps what was last read from the path ({@link LastRead}).
     */
    FollowedFile(String source, String path, boolean fromStart, HostLog log, int maxLine, Consumer<Long> stored,
            Path lastRead) {
        this.source = source;
        this.path = path;
        this.rotated = path + ".1";
        this.fromStart = fromStart;
        this.log = log;
        this.markStream = "pull." + pathTag(path);
        this.lines = new OffsetLines(maxLine);
        this.stored = stored;
        this.last = LastRead.load(lastRead);
        if (last.stream() != null && !Pattern.matches(Pattern.quote(markStream)
                + "\\.[0-9]{1,20}\\.[0-9a-f]{12}(?:\\.g[0-9]{1,9})?", last.stream())) {
            LOG.warn("pull-last-read-ignored path={} stream={}: not a stream of this path", path, last.stream());
            last.clear(); // evidence of another path (a damaged or foreign cache) is no evidence
        }
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

    /** A file's identity and size as {@code stat} gave them. */
    private record Stat(String id, long size) {
        boolean complete() {
            return !id.endsWith(".-");
        }

        // Compared as digits, never parsed: a source may send any 20 of them.
        String inode() {
            return id.substring(0, id.indexOf('.'));
        }

        String fingerprint() {
            return id.substring(id.indexOf('.') + 1);
        }
    }

    /**
     * Follows the file until the connection fails or {@code once} is set: then reads up to the size {@code stat}
     * gave and returns.
     */
    void run(RemoteHost remote, boolean once) throws PullFailure, StorageException, InterruptedException {
        try {
            follow(remote, once);
        } finally {
            last.save();
        }
    }

    private void follow(RemoteHost remote, boolean once) throws PullFailure, StorageException,
            InterruptedException {
        int again = 0; // look-agains in a row: a source that never settles (or a hard link) must not spin forever
        while (true) {
            if (again > 0) {
                if (again > MAX_LOOK_AGAIN) {
                    throw new PullFailure(path + " kept changing while it was looked at (" + MAX_LOOK_AGAIN
                            + " times in a row)");
                }
                Thread.sleep(1000);
            }
            Stat cur = stat(remote, path);
            if (cur == null) {
                throw new PullFailure("no such file on the source: " + path);
            }
            Stat old = stat(remote, rotated);
            if (old != null && old.inode().equals(cur.inode())) {
                if (++again > MAX_LOOK_AGAIN) {
                    throw new PullFailure(path + " and " + rotated + " are one file (inode " + cur.inode()
                            + "): a hard link, not a rotation");
                }
                continue; // rotated between the two stats: look again
            }
            if (old != null && !old.complete()) {
                old = null;
            }
            String oldStream = old == null ? null : stream(old.id());
            long o = old == null ? 0 : log.streamPosition(oldStream);
            String newGeneration;
            try {
                newGeneration = cut(remote, cur, old, o);
            } catch (LookAgain e) {
                again++;
                continue;
            }
            o = old == null ? 0 : log.streamPosition(oldStream);
            String curStream = !cur.complete() ? null : newGeneration != null ? newGeneration : stream(cur.id());
            long c = curStream == null ? 0 : log.streamPosition(curStream);
            boolean before = log.hasStream(markStream) || o > 0 || c > 0;
            if (old != null && ((o > 0 && o < old.size()) || (before && c == 0 && o == 0))) {
                if (o == 0) {
                    mark(oldStream, 0, "");
                }
                String cmd = "read " + old.id() + " " + o + " " + old.size() + " " + rotated;
                if (read(remote, cmd, oldStream, o, old.size(), true, false) == RemoteHost.NOT_THIS_FILE) {
                    again++;
                    continue;
                }
            }
            if (curStream == null) {
                if (once) {
                    return; // not even a first line yet: nothing to read
                }
                Thread.sleep(1000);
                continue;
            }
            long from = c > 0 ? c : before || fromStart ? 0 : cur.size();
            if (c == 0) {
                mark(curStream, from, "");
            }
            last.start(curStream, from);
            last.saw(cur.size());
            int exit;
            if (once) {
                // At most what stat announced: growth is the next round's, so a round ends whatever the source sends.
                exit = read(remote, "read " + cur.id() + " " + from + " " + cur.size() + " " + path, curStream, from,
                        cur.size(), false, true);
            } else {
                exit = read(remote, "follow " + cur.id() + " " + from + " " + path, curStream, from, -1, false, true);
            }
            if (once && exit != RemoteHost.NOT_THIS_FILE) {
                return;
            }
            again = exit == RemoteHost.NOT_THIS_FILE ? again + 1 : 0;
            // follow ended: the file was rotated or truncated (0), or replaced before it was opened (69).
        }
    }

    /** The source changed a file while {@link #cut} looked at it: look again. */
    private static final class LookAgain extends Exception {
        private static final long serialVersionUID = 1L;
    }

    /**
     * Recognises that {@code PATH} no longer holds the content last read from it (truncated in place, or rotated by
     * copy and truncate), says so in a {@code gap} record, and marks a verified copy at {@code PATH.1} to be read
     * from its stored position; returns the stream for {@code PATH}'s new content when its identity stayed the same
     * (a new generation), or null.
     */
    private String cut(RemoteHost remote, Stat cur, Stat old, long o) throws PullFailure, StorageException,
            LookAgain {
        // old, when present, is another inode than cur (follow() looks again otherwise).
        String curStream = cur.complete() ? stream(cur.id()) : null;
        long c = curStream == null ? 0 : log.streamPosition(curStream);
        if (curStream != null && last.stream() != null && last.end() == 0
                && last.stream().equals(nextGeneration(curStream))) {
            // A cut found before (its gap record is written) whose new generation has no record yet: read it from 0.
            return last.stream();
        }
        String gone = null;
        // Evidence of another stream counts even when nothing of it was received (R = 0): its content was seen,
        // and is gone now; only evidence of PATH's own stream needs bytes to compare.
        if (last.stream() != null && (last.end() > 0 || !last.stream().equals(curStream))
                && inodeOf(last.stream()).equals(cur.inode())) {
            if (!last.stream().equals(curStream)) {
                gone = last.stream(); // the first line changed under the same inode
            } else if (cur.size() < Math.max(c, last.seen())) {
                gone = curStream; // shorter than it was: truncated, and refilled with the same first line
            } else if (!agrees(remote, cur.id(), path, cur.size())) {
                gone = curStream; // truncated and refilled beyond what was read, with other bytes
            }
        } else if (curStream != null && c > cur.size()) {
            gone = curStream;
        } else if (old != null && o == 0) {
            String was = stream(cur.inode() + "." + old.fingerprint());
            if (!was.equals(curStream) && log.streamPosition(was) > 0) {
                gone = was; // PATH.1 is new and has the first line PATH's inode had: a copy, PATH was truncated
            }
        }
        if (gone == null) {
            return null;
        }
        long stored = log.streamPosition(gone);
        boolean evidence = gone.equals(last.stream());
        long seen = evidence ? Math.max(last.seen(), stored) : stored;
        long covered = stored;
        String copy = "-";
        String copyFrom = "-";
        if (old != null && o == 0 && fingerprintOf(gone).equals(old.fingerprint())) {
            String oldStream = stream(old.id());
            // A copy only when compared bytes agree: the same first line alone may be a constant header, and an empty
            // range (no evidence bytes, or a copy ending before them) proves nothing.
            boolean verified = evidence && Math.min(last.end(), old.size()) > last.start()
                    && agrees(remote, old.id(), rotated, old.size());
            copy = oldStream;
            if (verified) {
                covered = Math.max(stored, old.size());
                long resume = Math.min(stored, old.size());
                copyFrom = Long.toString(resume);
                gap(gone, covered, seen - covered, copy, copyFrom);
                mark(oldStream, resume, " copy-of=" + gone);
            } else {
                copyFrom = "0";
                gap(gone, covered, seen - covered, copy, copyFrom);
            }
        } else {
            gap(gone, covered, seen - covered, copy, copyFrom);
        }
        // The content under curStream's identity now is new when the cut was of its own stream, or when that
        // identity was read before another one on this inode (the same first line came back): read it from 0.
        String next = gone.equals(curStream) || (curStream != null && c > 0) ? nextGeneration(curStream) : null;
        last.clear();
        if (next != null) {
            // Kept as evidence (at offset 0) until the generation has a record: a stop before then finds it again.
            last.start(next, 0);
        }
        last.save();
        return next;
    }

    // True when the file's bytes agree with the evidence wherever both hold bytes (also when they share none).
    private boolean agrees(RemoteHost remote, String id, String p, long size) throws PullFailure, LookAgain {
        long a = last.start();
        long b = Math.min(last.end(), size);
        if (b <= a) {
            return true;
        }
        RemoteHost.Reply r = remote.exec("read " + id + " " + a + " " + b + " " + p);
        if (r.exit() == RemoteHost.NOT_THIS_FILE || r.exit() == RemoteHost.NO_SUCH_FILE) {
            throw new LookAgain();
        }
        if (r.exit() != 0) {
            throw new PullFailure("'read " + id + " " + a + " " + b + " " + p + "' failed on the source (exit "
                    + r.exit() + "): " + PullFailure.quote(r.err()));
        }
        return r.out().length == b - a && last.agrees(a, r.out(), r.out().length);
    }

    // The gap record: the bytes of `gone` from `from` on that the log does not hold and no copy gives.
    private void gap(String gone, long from, long seenNotStored, String copy, String copyFrom)
            throws StorageException {
        long atLeast = Math.max(0, seenNotStored);
        byte[] text = ("pull-lost path=\"" + path + "\" stream=" + gone + " from=" + from + " at-least=" + atLeast
                + " copy=" + copy + " copy-from=" + copyFrom + " source=" + source)
                .getBytes(StandardCharsets.US_ASCII);
        LOG.warn("pull-lost source={} path={} stream={} from={} at-least={} copy={} copy-from={}", source, path, gone,
                from, atLeast, copy, copyFrom);
        batch.stream(markStream);
        batch.add(RecordType.GAP, text, 0, text.length, log.streamPosition(markStream) + 1);
        try {
            append();
        } catch (UncheckedStorage e) {
            throw e.getCause();
        }
    }

    /** The stream of file identity {@code id} now: {@code pull.P.ID}, or its newest generation {@code pull.P.ID.gN}. */
    private String stream(String id) {
        String base = markStream + "." + id;
        String s = base;
        for (int g = 2; log.hasStream(base + ".g" + g); g++) {
            s = base + ".g" + g;
        }
        return s;
    }

    private static String nextGeneration(String stream) {
        Matcher m = GENERATION.matcher(stream);
        return m.matches() ? m.group(1) + ".g" + (Long.parseLong(m.group(2)) + 1) : stream + ".g2";
    }

    private String inodeOf(String stream) {
        String id = stream.substring(markStream.length() + 1);
        return id.substring(0, id.indexOf('.'));
    }

    private String fingerprintOf(String stream) {
        String id = stream.substring(markStream.length() + 1);
        return id.substring(id.indexOf('.') + 1, id.indexOf('.') + 13);
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

    // Stores the bytes the command sends (those at `from` on) in `stream`; at most `to - from` of them (`to` = -1:
    // follow, unbounded); `finish`: an unfinished last line too; `evidence`: they are PATH's, kept as evidence.
    private int read(RemoteHost remote, String command, String stream, long from, long to, boolean finish,
            boolean evidence) throws PullFailure, StorageException {
        admit(stream);
        LOG.info("pull-read source={} command=\"{}\" stream={}", source, command, stream);
        batch.stream(stream);
        lines.start(from);
        long limit = to < 0 ? Long.MAX_VALUE : to;
        int exit;
        try {
            RemoteHost.Sink sink = (b, n) -> {
                long at = lines.next();
                int take = (int) Math.min(n, limit - at);
                if (evidence) {
                    last.received(b, take, at);
                }
                lines.feed(b, 0, take, batch);
                append(); // one append per chunk (at most 64 KiB): memory stays bounded, positions current
                if (evidence) {
                    last.saveSometimes();
                }
                if (take < n) {
                    throw new Overrun();
                }
            };
            // A read of [from, to) must end: a silence of the idle time ends it (the length is cut by the sink, so
            // that the bytes up to `to` are stored); only follow waits without bound for new lines.
            exit = to < 0 ? remote.stream(command, sink) : remote.stream(command, Long.MAX_VALUE, sink);
        } catch (UncheckedStorage e) {
            throw e.getCause();
        } catch (Overrun e) {
            LOG.warn("pull-overrun source={} command=\"{}\" announced={}", source, command, to - from);
            throw new PullFailure("'" + command + "': the source sent more than the " + (to - from)
                    + " bytes asked for; the rest was not stored");
        }
        if (exit == 0 && finish) {
            lines.finish(batch);
        }
        append();
        return exit;
    }

    /** Ends a read whose source sent more than was asked for. */
    private static final class Overrun extends RuntimeException {
        private static final long serialVersionUID = 1L;
    }

    private void append() {
        UncheckedStorage.append(log, batch, stored);
    }

    // A source that shows a new identity at every stat must not grow the host's streams without bound.
    private void admit(String stream) throws PullFailure {
        if (!log.hasStream(stream) && log.streamCount() >= Frames.MAX_STREAMS_PER_HOST) {
            throw new PullFailure("host holds " + log.streamCount() + " streams, the most there may be: " + stream
                    + " of " + path + " is not opened");
        }
    }

    private void mark(String stream, long from, String more) throws StorageException, PullFailure {
        admit(stream);
        byte[] text = ("pull-file path=\"" + path + "\" stream=" + stream + " from=" + from + " source=" + source
                + more).getBytes(StandardCharsets.US_ASCII);
        if (from > 0) {
            batch.stream(stream);
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
