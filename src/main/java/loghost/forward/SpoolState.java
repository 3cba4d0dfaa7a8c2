package loghost.forward;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import loghost.store.DurableFile;

/**
 * What a spool must remember beyond its entries: the highest cseq it ever numbered (so that a spool whose entries
 * were all acknowledged and deleted never numbers from 1 again), where each source was read up to, with the cseq
 * that position was recorded at (an entry numbered later knows better), and for each destination the stream it is
 * delivered as and how far it acknowledged. One small file, replaced atomically.
 *
 * <p>Layout (version 2), ASCII lines: {@code spool-state 2}, {@code highest N}, then {@code dest NAME ACKED STREAM
 * BASE} for each destination and {@code offset CSEQ OFFSET SOURCE} for each source. Version 1 had no first line and
 * no {@code dest} lines; it still loads (docs/PROTOCOL.md, "The spool on disk").
 */
final class SpoolState {

    /** The state file in the spool directory. */
    static final String FILE = "spool-state";
    /** The version this code writes. */
    static final int VERSION = 2;
    // Written by earlier versions: "SOURCE OFFSET" lines, without cseq or highest.
    private static final String LEGACY = "source-offsets";
    private static final Pattern HEADER = Pattern.compile("spool-state (\\d{1,9})");
    private static final Pattern HIGHEST = Pattern.compile("highest (\\d{1,19})");
    private static final Pattern OFFSET = Pattern.compile("offset (\\d{1,19}) (\\d{1,19}) (\\S.*)");
    private static final Pattern DEST = Pattern.compile("dest (\\S{1,300}) (\\d{1,19}) ("
            + StreamIdentity.NAME.pattern() + ")\\.([0-9a-f]{16}) (\\d{1,18})");

    /** Where a source was read up to, recorded when the spool's highest cseq was {@code cseq}. */
    record Position(long offset, long cseq) {
    }

    /** A destination as the spool remembers it: the stream it is delivered as, and its acknowledged spool cseq. */
    record Delivery(StreamIdentity identity, long acked) {
    }

    private final Path dir;
    private long highest;
    private int loadedVersion;
    private final Map<String, Position> positions = new HashMap<>();
    private final Map<String, Delivery> deliveries = new LinkedHashMap<>();

    private SpoolState(Path dir) {
        this.dir = dir;
    }

    /** Reads the state of the spool in {@code dir} (empty when there is none yet). */
    static SpoolState load(Path dir) throws IOException {
        SpoolState s = new SpoolState(dir);
        Path file = dir.resolve(FILE);
        if (Files.exists(file)) {
            List<String> lines = Files.readAllLines(file, StandardCharsets.US_ASCII);
            s.loadedVersion = 1;
            for (int i = 0; i < lines.size(); i++) {
                String l = lines.get(i);
                Matcher v = HEADER.matcher(l);
                Matcher h = HIGHEST.matcher(l);
                Matcher o = OFFSET.matcher(l);
                Matcher d = DEST.matcher(l);
                if (i == 0 && v.matches()) {
                    s.loadedVersion = Integer.parseInt(v.group(1));
                    if (s.loadedVersion != VERSION) {
                        throw new IOException(file + ": spool-state version " + s.loadedVersion + " is newer than "
                                + "this loghost forward reads (" + VERSION + "); run the version that wrote it");
                    }
                } else if (h.matches()) {
                    s.highest = Long.parseLong(h.group(1));
                } else if (o.matches()) {
                    s.positions.put(o.group(3), new Position(Long.parseLong(o.group(2)), Long.parseLong(o.group(1))));
                } else if (d.matches() && s.loadedVersion >= 2) {
                    s.deliveries.put(d.group(1), new Delivery(new StreamIdentity(d.group(3), d.group(4),
                            Long.parseLong(d.group(5))), Long.parseLong(d.group(2))));
                } else {
                    throw new IOException(file + ": damaged line \"" + l + "\" (remove the file to start the "
                            + "sources from their configured start positions)");
                }
            }
        } else if (Files.exists(dir.resolve(LEGACY))) {
            for (String l : Files.readAllLines(dir.resolve(LEGACY), StandardCharsets.US_ASCII)) {
                int space = l.lastIndexOf(' ');
                if (space > 0) {
                    s.positions.put(l.substring(0, space), new Position(Long.parseLong(l.substring(space + 1)), 0));
                }
            }
        }
        return s;
    }

    /** The version of the file as loaded: 0 for none (or the oldest layout), 1 before destinations, 2 now. */
    int loadedVersion() {
        return loadedVersion;
    }

    /** The highest cseq recorded as numbered. */
    long highest() {
        return highest;
    }

    /** The position of {@code source}, or null. */
    Position position(String source) {
        return positions.get(source);
    }

    /** The source whose name starts with {@code prefix} positioned last (highest cseq, then name), or null. */
    Map.Entry<String, Position> newest(String prefix) {
        Map.Entry<String, Position> best = null;
        for (Map.Entry<String, Position> e : positions.entrySet()) {
            if (e.getKey().startsWith(prefix) && (best == null || e.getValue().cseq() > best.getValue().cseq()
                    || e.getValue().cseq() == best.getValue().cseq() && e.getKey().compareTo(best.getKey()) > 0)) {
                best = e;
            }
        }
        return best;
    }

    /** What was kept for destination {@code name}, or null (a new destination, or a spool of version 1). */
    Delivery delivery(String name) {
        return deliveries.get(name);
    }

    /** The destinations kept, by name, in the order they were kept. */
    Map<String, Delivery> deliveries() {
        return Map.copyOf(deliveries);
    }

    /** Replaces the destinations kept (in memory: {@link #save} makes it durable). */
    void deliveries(Map<String, Delivery> now) {
        deliveries.clear();
        deliveries.putAll(now);
    }

    /**
     * Notes the position after entry {@code cseq} (in memory: {@link #save} makes it durable). It loses against a
     * position kept at that cseq or later, which was decided after that entry was written.
     */
    void note(String source, long offset, long cseq) {
        Position old = positions.get(source);
        if (old == null || old.cseq() < cseq) {
            positions.put(source, new Position(offset, cseq));
        }
    }

    /** Sets the position decided now, when the spool's highest cseq is {@code cseq} (then {@link #save} it). */
    void keep(String source, long offset, long cseq) {
        positions.put(source, new Position(offset, cseq));
    }

    /** Writes the state with {@code highestCseq}, durably ({@link #write} of {@link #render}). */
    void save(long highestCseq) throws IOException {
        write(render(highestCseq));
    }

    /**
     * The file's bytes with {@code highestCseq} as the highest cseq (kept in memory too): taken under the spool's
     * lock, written by {@link #write} outside it.
     */
    byte[] render(long highestCseq) {
        highest = Math.max(highest, highestCseq);
        StringBuilder sb = new StringBuilder("spool-state ").append(VERSION).append('\n');
        sb.append("highest ").append(highest).append('\n');
        deliveries.forEach((name, d) -> sb.append("dest ").append(name).append(' ').append(d.acked()).append(' ')
                .append(d.identity().id()).append(' ').append(d.identity().base()).append('\n'));
        positions.forEach((k, v) -> sb.append("offset ").append(v.cseq()).append(' ').append(v.offset()).append(' ')
                .append(k).append('\n'));
        return sb.toString().getBytes(StandardCharsets.US_ASCII);
    }

    /** Replaces the state file with {@code content} from {@link #render}, durably ({@link DurableFile#replace}). */
    void write(byte[] content) throws IOException {
        DurableFile.replace(dir.resolve(FILE), content);
        Files.deleteIfExists(dir.resolve(LEGACY));
    }
}
