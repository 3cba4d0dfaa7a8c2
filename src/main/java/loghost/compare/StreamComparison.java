package loghost.compare;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import loghost.names.StreamId;

/**
 * Compares two loghosts' copies of one host's forwarder streams by their {@code c=STREAM:CSEQ} numbers: the two
 * chains differ in SEQ and TIME (each loghost numbers and stamps what it receives), but each stream must carry the
 * same entries (type and message) under the same cseqs in the same order. Records without {@code c=} (plain
 * {@code append-log} sessions) are not part of any stream and are left out. Reads both sides at once, holding
 * only what one side has read ahead of the other, and stops at the first difference.
 */
public final class StreamComparison {

    private static final Pattern CLIENT = StreamId.META_FIELD;
    private static final int QUEUE = 8192;
    private static final int SHOWN = 160;

    /** One stream entry: {@code cseq}, type and escaped message, as {@code loghost cat -o records} prints it. */
    private record Item(String stream, long cseq, String type, String message) {
        String describe() {
            String m = message.length() > SHOWN ? message.substring(0, SHOWN) + "..." : message;
            return "c=" + stream + ":" + cseq + " " + type + " \"" + m.replace("\"", "\\\"") + "\"";
        }
    }

    private static final Item END = new Item("", 0, "", "");

    /** Where one side's entries come from: fed into {@code out} as {@code cat -o records} lines. */
    public interface Side {
        /** A name for messages (the data directory or file). */
        String name();

        /** Writes the side's records, one per LF-terminated line, as {@code loghost cat -o records} prints them. */
        void writeRecords(OutputStream out) throws IOException, InterruptedException;
    }

    /** A side that is a file (or pipe) of {@code loghost cat -o records} output. */
    public static Side recordsFile(String name, java.nio.file.Path file) {
        return new Side() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public void writeRecords(OutputStream out) throws IOException {
                try (InputStream in = java.nio.file.Files.newInputStream(file)) {
                    in.transferTo(out);
                }
            }
        };
    }

    /** What was found: identical or not, one line per stream, and the first difference (null when identical). */
    public record Result(boolean identical, java.util.List<String> streams, String difference) {
    }

    private final Side a;
    private final Side b;

    /** A comparison of side {@code a} with side {@code b}. */
    public StreamComparison(Side a, Side b) {
        this.a = a;
        this.b = b;
    }

    /** Per stream: entries compared, and the lowest and highest cseq. */
    private static final class Tally {
        long entries;
        long first;
        long last;
        final ArrayDeque<Item> aheadA = new ArrayDeque<>();
        final ArrayDeque<Item> aheadB = new ArrayDeque<>();
    }

    /** Reads both sides and compares them. */
    public Result run() throws IOException, InterruptedException {
        Reader ra = new Reader(a);
        Reader rb = new Reader(b);
        ra.start();
        rb.start();
        Map<String, Tally> streams = new LinkedHashMap<>();
        try {
            boolean endA = false;
            boolean endB = false;
            while (!endA || !endB) {
                if (!endA) {
                    Item i = ra.next();
                    endA = i == END;
                    String d = endA ? null : take(streams, i, true);
                    if (d != null) {
                        return new Result(false, summary(streams), d);
                    }
                }
                if (!endB) {
                    Item i = rb.next();
                    endB = i == END;
                    String d = endB ? null : take(streams, i, false);
                    if (d != null) {
                        return new Result(false, summary(streams), d);
                    }
                }
            }
        } finally {
            ra.interrupt();
            rb.interrupt();
        }
        for (Map.Entry<String, Tally> e : streams.entrySet()) {
            Tally t = e.getValue();
            if (!t.aheadA.isEmpty()) {
                return new Result(false, summary(streams), "stream " + e.getKey() + ": " + a.name() + " has "
                        + t.aheadA.peek().describe() + "; " + b.name() + " has nothing more of this stream");
            }
            if (!t.aheadB.isEmpty()) {
                return new Result(false, summary(streams), "stream " + e.getKey() + ": " + a.name() + " has nothing "
                        + "more of this stream; " + b.name() + " has " + t.aheadB.peek().describe());
            }
        }
        return new Result(true, summary(streams), null);
    }

    // Pairs an entry with the other side's entry of the same stream read earlier, or keeps it until that comes.
    private String take(Map<String, Tally> streams, Item item, boolean fromA) {
        Tally t = streams.computeIfAbsent(item.stream(), s -> new Tally());
        ArrayDeque<Item> other = fromA ? t.aheadB : t.aheadA;
        if (other.isEmpty()) {
            (fromA ? t.aheadA : t.aheadB).add(item);
            return null;
        }
        Item o = other.poll();
        Item ia = fromA ? item : o;
        Item ib = fromA ? o : item;
        if (ia.cseq() != ib.cseq() || !ia.type().equals(ib.type()) || !ia.message().equals(ib.message())) {
            return "stream " + item.stream() + ": " + a.name() + " has " + ia.describe() + "; " + b.name() + " has "
                    + ib.describe();
        }
        if (t.entries++ == 0) {
            t.first = ia.cseq();
        }
        t.last = ia.cseq();
        return null;
    }

    private static java.util.List<String> summary(Map<String, Tally> streams) {
        java.util.List<String> l = new java.util.ArrayList<>();
        streams.forEach((s, t) -> l.add("stream " + s + ": " + t.entries + " entries match"
                + (t.entries == 0 ? "" : ", c=" + t.first + ".." + t.last)));
        return l;
    }

    /** One side, read on its own thread into a bounded queue of stream entries. */
    private static final class Reader extends Thread {
        private final Side side;
        private final BlockingQueue<Item> queue = new ArrayBlockingQueue<>(QUEUE);
        private volatile Exception failure;

        Reader(Side side) {
            super("compare-" + side.name());
            setDaemon(true);
            this.side = side;
        }

        Item next() throws IOException, InterruptedException {
            Item i = queue.take();
            if (i == END && failure != null) {
                throw failure instanceof IOException io ? io : new IOException(side.name() + ": " + failure, failure);
            }
            return i;
        }

        @Override
        public void run() {
            try {
                side.writeRecords(new LineSink());
            } catch (InterruptedException e) {
                return;
            } catch (IOException | RuntimeException e) {
                failure = e;
            }
            try {
                queue.put(END);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        /** Cuts the records output into lines and keeps each one that belongs to a stream. */
        private final class LineSink extends OutputStream {
            private final java.io.ByteArrayOutputStream line = new java.io.ByteArrayOutputStream();

            @Override
            public void write(int c) throws IOException {
                if (c == '\n') {
                    String l = line.toString(StandardCharsets.UTF_8);
                    line.reset();
                    parse(l);
                } else {
                    line.write(c);
                }
            }

            @Override
            public void write(byte[] buf, int off, int len) throws IOException {
                int start = off;
                for (int i = off; i < off + len; i++) {
                    if (buf[i] == '\n') {
                        line.write(buf, start, i - start);
                        write('\n');
                        start = i + 1;
                    }
                }
                line.write(buf, start, off + len - start);
            }

            // SEQ TIME TYPE META MESSAGE (the message escaped, so it holds no LF)
            private void parse(String l) throws IOException {
                String[] f = l.split(" ", 5);
                if (f.length < 4) {
                    throw new IOException(side.name() + ": not a record line of loghost cat -o records: \""
                            + (l.length() > 80 ? l.substring(0, 80) : l).replaceAll("[^ -~]", "?") + "\"");
                }
                Matcher m = CLIENT.matcher(f[3]);
                if (!m.find()) {
                    return;
                }
                try {
                    queue.put(new Item(m.group(1), Long.parseLong(m.group(2)), f[2], f.length == 5 ? f[4] : ""));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new java.io.InterruptedIOException();
                }
            }
        }
    }
}
