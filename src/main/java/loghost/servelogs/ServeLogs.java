package loghost.servelogs;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Pattern;
import loghost.refusal.ExitStatus;

/**
 * The forced command on a source host: runs one read-only command from {@code SSH_ORIGINAL_COMMAND} on the
 * allowed files (docs/PROTOCOL.md, "Pull mode"), the mirror image of append-log on the loghost.
 */
public final class ServeLogs {

    private static final Pattern ID = Pattern.compile("[0-9]{1,20}\\.[0-9a-f]{12}");
    private static final Pattern NUMBER = Pattern.compile("0|[1-9][0-9]{0,18}");
    private static final int CHUNK = 64 * 1024;

    private final AllowedFiles allowed;
    private final Duration poll;
    private final InputStream stopSignal;

    private ServeLogs(AllowedFiles allowed, Duration poll, InputStream stopSignal) {
        this.allowed = allowed;
        this.poll = poll;
        this.stopSignal = stopSignal;
    }

    /**
     * Runs {@code command} (null: none was given, a login) with the allow file {@code allowFile}; writes data to
     * {@code out} and at most one line to {@code err}; returns the exit status. {@code follow} stops when
     * {@code stdin} ends (the loghost went away).
     */
    public static int run(Path allowFile, String command, InputStream stdin, OutputStream out, OutputStream err) {
        try {
            try {
                AllowedFiles allowed = AllowedFiles.load(allowFile);
                new ServeLogs(allowed, Duration.ofMillis(200), stdin).execute(command, out);
                out.flush();
                return ExitStatus.OK;
            } catch (Refused r) {
                err.write((r.getMessage() + "\n").getBytes(StandardCharsets.UTF_8));
                err.flush();
                return r.exitStatus();
            }
        } catch (IOException e) {
            // stdout or stderr is gone: the loghost closed the channel; nobody is left to tell.
            return ExitStatus.IO_ERROR;
        }
    }

    private void execute(String command, OutputStream out) throws Refused, IOException {
        if (command == null || command.isEmpty()) {
            throw Refused.refused("no command (this key may only read the allowed logs)");
        }
        for (int i = 0; i < command.length(); i++) {
            char c = command.charAt(i);
            if ((c < 0x21 || c > 0x7e) && c != ' ') {
                throw Refused.refused("bad byte in command");
            }
        }
        String[] w = command.split(" ", -1);
        switch (w[0]) {
            case "stat" -> {
                need(w, 2);
                stat(w[1], out);
            }
            case "read" -> {
                need(w, 5);
                read(id(w[1]), number(w[2]), w[3].equals("-") ? -1 : number(w[3]), w[4], out);
            }
            case "follow" -> {
                need(w, 4);
                follow(id(w[1]), number(w[2]), w[3], out);
            }
            case "sha256" -> {
                need(w, 3);
                sha256(id(w[1]), w[2], out);
            }
            case "list" -> {
                need(w, 2);
                list(w[1], out);
            }
            case "journal" -> {
                need(w, 2);
                new JournalCommand(journal(), stdinEnded(), poll).follow(w[1], out);
            }
            case "journal-id" -> {
                need(w, 1);
                new JournalCommand(journal(), stdinEnded(), poll).newest(out);
            }
            default -> throw Refused.refused("command not allowed");
        }
    }

    private AllowedFiles.Journal journal() throws Refused {
        if (allowed.journal() == null) {
            throw Refused.refused("the journal is not allowed");
        }
        return allowed.journal();
    }

    private static void need(String[] w, int n) throws Refused {
        if (w.length != n) {
            throw Refused.malformed();
        }
        for (String s : w) {
            if (s.isEmpty()) {
                throw Refused.malformed();
            }
        }
    }

    private static String id(String s) throws Refused {
        if (!ID.matcher(s).matches()) {
            throw Refused.malformed();
        }
        return s;
    }

    private static long number(String s) throws Refused {
        if (!NUMBER.matcher(s).matches()) {
            throw Refused.malformed();
        }
        return Long.parseLong(s);
    }

    /** The file open for reading, with its identity checked at open. */
    private record Opened(Path real, FileChannel channel, long inode, String id) {
    }

    private Opened open(String path) throws Refused, IOException {
        Path real = allowed.resolve(path);
        FileChannel ch;
        long inode;
        try {
            long before = FileIdentity.inode(real);
            ch = FileChannel.open(real, StandardOpenOption.READ, java.nio.file.LinkOption.NOFOLLOW_LINKS);
            inode = FileIdentity.inode(real);
            if (inode != before) {
                ch.close();
                throw Refused.notThisFile(path, "was replaced while it was opened");
            }
        } catch (NoSuchFileException e) {
            throw Refused.noSuchFile(path);
        } catch (AccessDeniedException e) {
            throw Refused.cannotRead(path);
        }
        try {
            return new Opened(real, ch, inode, FileIdentity.of(inode, ch));
        } catch (IOException e) {
            ch.close();
            throw Refused.cannotRead(path);
        }
    }

    private Opened openAs(String id, String path) throws Refused, IOException {
        Opened o = open(path);
        if (!o.id().equals(id)) {
            o.channel().close();
            throw Refused.notThisFile(path, "is now " + o.id());
        }
        return o;
    }

    private void stat(String path, OutputStream out) throws Refused, IOException {
        Opened o = open(path);
        try (FileChannel ch = o.channel()) {
            out.write((o.id() + " " + ch.size() + "\n").getBytes(StandardCharsets.US_ASCII));
        }
    }

    private void read(String id, long from, long to, String path, OutputStream out) throws Refused, IOException {
        Opened o = openAs(id, path);
        try (FileChannel ch = o.channel()) {
            long end = to < 0 ? ch.size() : to;
            long sent = copy(ch, from, end, out);
            if (sent < end - from) {
                throw Refused.notThisFile(path, "became shorter while it was read");
            }
        }
    }

    private void follow(String id, long from, String path, OutputStream out) throws Refused, IOException {
        Opened o = openAs(id, path);
        try (FileChannel ch = o.channel()) {
            long pos = from;
            while (true) {
                long size = ch.size();
                if (size < pos) {
                    return; // truncated in place: what was sent is all this identity will give
                }
                pos += copy(ch, pos, size, out);
                out.flush();
                long now = FileIdentity.inodeOrNone(o.real());
                if (now != o.inode()) {
                    // Rotated: send what was written to the old file until the rename, then let the loghost look again.
                    pos += copy(ch, pos, ch.size(), out);
                    out.flush();
                    return;
                }
                if (stopped()) {
                    return;
                }
            }
        }
    }

    // Waits one poll interval; true when stdin ended (the loghost closed the channel or the connection broke).
    private boolean stopped() {
        try {
            return stdinEnded().await(poll.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return true;
        }
    }

    private java.util.concurrent.CountDownLatch ended;

    /**
     * Counted down when stdin ends. A blocking read on a thread of its own: available() says 0 at the end of a pipe,
     * so polling it would never notice that the loghost went away, and a follower would outlive its connection.
     */
    synchronized java.util.concurrent.CountDownLatch stdinEnded() {
        if (ended == null) {
            java.util.concurrent.CountDownLatch l = new java.util.concurrent.CountDownLatch(1);
            Thread t = new Thread(() -> {
                try {
                    while (stopSignal.read() >= 0) {
                        // the loghost sends nothing; anything it sent is ignored
                    }
                } catch (IOException e) {
                    // a broken stdin is an ended one
                }
                l.countDown();
            }, "serve-logs-stdin");
            t.setDaemon(true);
            t.start();
            ended = l;
        }
        return ended;
    }

    private void sha256(String id, String path, OutputStream out) throws Refused, IOException {
        Opened o = openAs(id, path);
        try (FileChannel ch = o.channel()) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            ByteBuffer b = ByteBuffer.allocate(CHUNK);
            long size = 0;
            for (int n; (n = ch.read(b, size)) > 0; ) {
                md.update(b.array(), 0, n);
                size += n;
                b.clear();
            }
            out.write((HexFormat.of().formatHex(md.digest()) + " " + size + "\n")
                    .getBytes(StandardCharsets.US_ASCII));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }

    private void list(String pattern, OutputStream out) throws Refused, IOException {
        if (!RemotePath.isPattern(pattern)) {
            throw Refused.malformed();
        }
        int slash = pattern.lastIndexOf('/');
        String dir = slash == 0 ? "/" : pattern.substring(0, slash);
        if (dir.contains("*") || dir.contains("?")) {
            throw Refused.refused("a pattern may hold * and ? in its last component only");
        }
        String names = pattern.substring(slash + 1);
        List<String> found = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(Path.of(dir))) {
            for (Path p : ds) {
                String name = p.getFileName().toString();
                String full = (dir.equals("/") ? "" : dir) + "/" + name;
                if (RemotePath.matches(names, name) && RemotePath.isPath(full) && allowed.allows(full)) {
                    found.add(full);
                }
            }
        } catch (NoSuchFileException e) {
            return;
        } catch (IOException e) {
            throw Refused.cannotRead(dir);
        }
        java.util.Collections.sort(found);
        for (String f : found) {
            Opened o;
            try {
                o = open(f);
            } catch (Refused r) {
                if (r.exitStatus() == ExitStatus.IO_ERROR) {
                    // Listed, so that the loghost can say which file it cannot collect instead of skipping it quietly.
                    out.write(("- - " + f + "\n").getBytes(StandardCharsets.US_ASCII));
                }
                continue; // a link leading out, a directory, a file that vanished: not listed
            }
            try (FileChannel ch = o.channel()) {
                out.write((o.id() + " " + ch.size() + " " + f + "\n").getBytes(StandardCharsets.US_ASCII));
            }
        }
    }

    // Copies [from, to) of ch to out; returns the bytes copied (fewer when the file ends first).
    private static long copy(FileChannel ch, long from, long to, OutputStream out) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(CHUNK);
        long pos = from;
        while (pos < to) {
            b.clear();
            b.limit((int) Math.min(CHUNK, to - pos));
            int n = ch.read(b, pos);
            if (n <= 0) {
                break;
            }
            out.write(b.array(), 0, n);
            pos += n;
        }
        return pos - from;
    }
}
