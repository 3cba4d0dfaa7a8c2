package loghost.forward;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import loghost.store.DurableFile;
import org.slf4j.LoggerFactory;

/**
 * The stream a spool delivers as: {@code NAME.R}, R 16 random hex digits drawn when the spool is created, so
 * that a new or wiped spool (a reinstalled host, a lost disk) is a new stream on the loghost and never meets the
 * position another spool left there. The cseq on the wire is the spool's cseq minus {@code base}, so a stream
 * starts at 1 even when it takes over a spool whose numbers are high. Kept in the spool as {@code ID BASE}.
 */
record StreamIdentity(String name, String random, long base) {

    /** The identity file in the spool directory. */
    static final String FILE = "stream-id";
    /** Stream names: with ".R" appended they must still be stream ids (docs/PROTOCOL.md). */
    static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9._-]{0,46}");
    private static final Pattern CONTENT = Pattern.compile("(" + NAME.pattern() + ")\\.([0-9a-f]{16}) (\\d{1,18})\n?");
    private static final SecureRandom RANDOM = new SecureRandom();

    /** The stream id sent in HELLO. */
    String id() {
        return name + "." + random;
    }

    /** The cseq on the wire of spool entry {@code spoolCseq}. */
    long toWire(long spoolCseq) {
        return spoolCseq - base;
    }

    /** The spool cseq of wire cseq {@code wireCseq}. */
    long toSpool(long wireCseq) {
        return wireCseq + base;
    }

    /**
     * The identity of the spool in {@code spool}'s directory; a spool without one gets a new one starting after
     * {@code spool}'s acknowledged entries, stored before anything else is spooled. Refuses a spool that belongs
     * to a stream of another name.
     */
    static StreamIdentity open(Spool spool, String name) throws IOException {
        Path file = spool.dir().resolve(FILE);
        if (!Files.exists(file)) {
            StreamIdentity id = create(spool.dir(), name, spool.unacknowledgedBase());
            LoggerFactory.getLogger(StreamIdentity.class).info("stream-created stream={} spool={} (a new spool is a "
                    + "new stream)", id.id(), spool.dir());
            return id;
        }
        String text = Files.readString(file, StandardCharsets.US_ASCII);
        Matcher m = CONTENT.matcher(text);
        if (!m.matches()) {
            throw new IOException(file + " is damaged; remove it and the spool is delivered again as a new stream");
        }
        if (!m.group(1).equals(name)) {
            throw new IllegalArgumentException("spool " + spool.dir() + " belongs to stream " + m.group(1) + "."
                    + m.group(2) + ", not to a stream named " + name + ": give --stream " + m.group(1)
                    + " or a spool of its own");
        }
        return new StreamIdentity(m.group(1), m.group(2), Long.parseLong(m.group(3)));
    }

    /** A new identity of the same name whose stream starts after spool cseq {@code newBase}, stored durably. */
    StreamIdentity rotate(Path dir, long newBase) throws IOException {
        return create(dir, name, newBase);
    }

    private static StreamIdentity create(Path dir, String name, long base) throws IOException {
        byte[] r = new byte[8];
        RANDOM.nextBytes(r);
        StreamIdentity id = new StreamIdentity(name, HexFormat.of().formatHex(r), base);
        // Replaced durably (a new file, fsynced, renamed, the directory fsynced): the identity is on disk before
        // any entry is sent under it, so a crash never leaves entries numbered for a stream no one remembers.
        DurableFile.replace(dir.resolve(FILE), (id.id() + " " + base + "\n").getBytes(StandardCharsets.US_ASCII));
        return id;
    }
}
