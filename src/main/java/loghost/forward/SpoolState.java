package loghost.forward;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import loghost.store.StoreFiles;

/**
 * What a spool must remember beyond its entries: the highest cseq it ever numbered (so that a spool whose entries
 * were all acknowledged and deleted never numbers from 1 again) and where each source was read up to, with the
 * cseq that position was recorded at (an entry numbered later knows better). One small file, replaced atomically.
 *
 * <p>Layout, ASCII lines: {@code highest N}, then {@code offset CSEQ OFFSET SOURCE} for each source.
 */
final class SpoolState {

    /** The state file in the spool directory. */
    static final String FILE = "spool-state";
    // Written by earlier versions: "SOURCE OFFSET" lines, without cseq or highest.
    private static final String LEGACY = "source-offsets";
    private static final Pattern HIGHEST = Pattern.compile("highest (\\d{1,19})");
    private static final Pattern OFFSET = Pattern.compile("offset (\\d{1,19}) (\\d{1,19}) (\\S.*)");

    /** Where a source was read up to, recorded when the spool's highest cseq was {@code cseq}. */
    record Position(long offset, long cseq) {
    }

    private final Path dir;
    private long highest;
    private final Map<String, Position> positions = new HashMap<>();

    private SpoolState(Path dir) {
        this.dir = dir;
    }

    /** Reads the state of the spool in {@code dir} (empty when there is none yet). */
    static SpoolState load(Path dir) throws IOException {
        SpoolState s = new SpoolState(dir);
        Path file = dir.resolve(FILE);
        if (Files.exists(file)) {
            for (String l : Files.readAllLines(file, StandardCharsets.US_ASCII)) {
                Matcher h = HIGHEST.matcher(l);
                Matcher o = OFFSET.matcher(l);
                if (h.matches()) {
                    s.highest = Long.parseLong(h.group(1));
                } else if (o.matches()) {
                    s.positions.put(o.group(3), new Position(Long.parseLong(o.group(2)), Long.parseLong(o.group(1))));
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

    /** The highest cseq recorded as numbered. */
    long highest() {
        return highest;
    }

    /** The position of {@code source}, or null. */
    Position position(String source) {
        return positions.get(source);
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

    /** Writes the state with {@code highestCseq}, durably: a new file, fsynced, renamed over the old, dir fsynced. */
    void save(long highestCseq) throws IOException {
        highest = Math.max(highest, highestCseq);
        StringBuilder sb = new StringBuilder("highest ").append(highest).append('\n');
        positions.forEach((k, v) -> sb.append("offset ").append(v.cseq()).append(' ').append(v.offset()).append(' ')
                .append(k).append('\n'));
        Path tmp = dir.resolve(FILE + ".new");
        Files.deleteIfExists(tmp);
        StoreFiles.writePrivateFile(tmp, sb.toString().getBytes(StandardCharsets.US_ASCII));
        Files.move(tmp, dir.resolve(FILE), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        StoreFiles.syncDirectory(dir);
        Files.deleteIfExists(dir.resolve(LEGACY));
    }
}
