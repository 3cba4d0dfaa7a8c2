package loghost.forward;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import loghost.protocol.Frames;
import org.apache.sshd.common.NamedResource;
import org.apache.sshd.common.util.security.SecurityUtils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code loghost forward}, wired: one source into the spool, heartbeats into the spool, the spool to each loghost
 * it is given.
 */
public final class Forwarder {

    private static final Logger LOG = LoggerFactory.getLogger(Forwarder.class);

    private Forwarder() {
    }

    /**
     * How a run ended: the refusal message of each destination whose host key was refused, and for each one that
     * does not have everything (a stdin run that ended without it), how far it got.
     */
    public record Outcome(List<String> refused, List<String> behind) {
    }

    /** Which source to read. */
    public sealed interface SourceSpec {
        /** Standard input, until end of file; the forwarder exits once all of it is acknowledged. */
        record Stdin(InputStream in) implements SourceSpec {
        }

        /** A FIFO, reopened whenever its writer closes it. */
        record Fifo(Path path) implements SourceSpec {
        }

        /**
         * A file followed like tail -F. On a first start an existing file is read from its end, or from its start
         * with {@code fromStart}; a file that appears later is read from its start.
         */
        record File(Path path, boolean fromStart) implements SourceSpec {
        }

        /**
         * This host's journal through {@code journalctl}, with {@code options} added (e.g. {@code --directory=DIR});
         * at the first start from its newest entry, or with {@code fromStart} from its oldest.
         */
        record Journal(List<String> options, boolean fromStart) implements SourceSpec {
        }
    }

    /**
     * Runs until the source ends and everything is acknowledged by every destination (stdin), or until interrupted.
     * The stream's name becomes {@code NAME.R} in the spool (see {@link StreamIdentity}). Returns the destinations
     * whose host key was refused and those that do not have everything (stdin only: ones that lagged longer than
     * the max lag).
     */
    public static Outcome run(ForwardSettings settings)
            throws IOException, GeneralSecurityException, InterruptedException {
        List<Destination> destinations = destinations(settings);
        KeyPair key = loadKey(settings.key());
        try (Spool spool = Spool.open(settings.spoolDir(), settings.spoolMaxBytes())) {
            // The identity is on disk before the first entry is spooled; each destination's is in the spool state.
            spool.acknowledgements().bind(destinations, StreamIdentity.open(spool, settings.stream()),
                    settings.destinationMaxLag());
            Sources.Source src = source(spool, settings.source());
            Thread beat = new Thread(() -> heartbeats(spool, settings.heartbeat()), "loghost-forward-heartbeat");
            beat.setDaemon(true);
            SourceRun reading = new SourceRun(spool, src, beat);
            if (!settings.heartbeat().isZero()) {
                beat.start();
            }
            reading.thread.start();
            Deliveries deliveries = new Deliveries(settings, destinations, spool, key, reading);
            try {
                deliveries.run();
            } finally {
                reading.thread.interrupt();
                beat.interrupt();
            }
            if (reading.failure.get() != null) {
                throw new IOException("source failed: " + reading.failure.get().getMessage(), reading.failure.get());
            }
            return new Outcome(List.copyOf(deliveries.refused()), List.copyOf(deliveries.behind()));
        }
    }

    // The settings' stream name checked and its destinations parsed: at least one, none given twice.
    private static List<Destination> destinations(ForwardSettings settings) {
        if (!StreamIdentity.NAME.matcher(settings.stream()).matches()) {
            throw new IllegalArgumentException("stream name \"" + settings.stream() + "\" must match "
                    + StreamIdentity.NAME.pattern() + " (the spool appends a dot and 16 random hex digits)");
        }
        if (loghost.protocol.Frames.isReserved(settings.stream() + ".")) {
            throw new IllegalArgumentException("stream name \"" + settings.stream() + "\" is reserved: stream ids "
                    + "starting with " + loghost.protocol.Frames.RESERVED_PREFIX + " are the loghost's own pull records");
        }
        List<Destination> destinations = new ArrayList<>();
        for (String t : settings.to()) {
            Destination d = Destination.parse(t);
            if (destinations.stream().anyMatch(o -> o.name().equals(d.name()))) {
                throw new IllegalArgumentException("--to " + d.name() + " is given twice");
            }
            destinations.add(d);
        }
        if (destinations.isEmpty()) {
            throw new IllegalArgumentException("give at least one destination: --to HOST:PORT");
        }
        return destinations;
    }

    private static Sources.Source source(Spool spool, SourceSpec source) throws IOException {
        if (source instanceof SourceSpec.Stdin s) {
            return Sources.stdin(spool, s.in());
        } else if (source instanceof SourceSpec.Fifo f) {
            return Sources.fifo(spool, f.path());
        } else if (source instanceof SourceSpec.Journal j) {
            return new JournalSource(spool, j.options(), j.fromStart(), 1000);
        }
        SourceSpec.File f = (SourceSpec.File) source;
        return Sources.file(spool, f.path(), f.fromStart(), 200);
    }

    /**
     * The source's thread, and the done-condition the senders end on: a source that ends (stdin) is done once it
     * ended and its gap entry, if any, is spooled; a source that should run forever and stopped has failed, which
     * ends the forwarder so that its supervisor restarts it.
     */
    private static final class SourceRun implements Sender.FailureAware {
        final Thread thread;
        final AtomicBoolean ended = new AtomicBoolean();
        final AtomicReference<Exception> failure = new AtomicReference<>();
        private final Spool spool;
        private final Sources.Source src;

        SourceRun(Spool spool, Sources.Source src, Thread beat) {
            this.spool = spool;
            this.src = src;
            this.thread = new Thread(() -> read(beat), "loghost-forward-source");
            thread.setDaemon(true);
        }

        private void read(Thread beat) {
            try {
                src.run();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (IOException | RuntimeException e) {
                failure.set(e);
                LOG.error("source-failed reason=\"{}\"", e.toString());
            } finally {
                // No heartbeat after the source's last line: "done" must mean every spooled entry is sent.
                beat.interrupt();
                try {
                    beat.join();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                ended.set(true);
                spool.wakeSenders(); // a sender that has everything acknowledged may end now
            }
        }

        @Override
        public boolean getAsBoolean() {
            return failed() || src.ends() && ended.get() && !spool.gapPending();
        }

        @Override
        public boolean failed() {
            return failure.get() != null;
        }
    }

    // A mark record every interval, so a quiet host is told from a dead one. At most one waits for the loghosts
    // (for the one furthest ahead: one that is down must not silence the others): those of an outage would arrive
    // in one burst and say nothing; and one never takes a line's place in the spool.
    private static void heartbeats(Spool spool, Duration every) {
        Acknowledgements acknowledged = spool.acknowledgements();
        long lastBeat = 0;
        while (!Thread.currentThread().isInterrupted()) {
            try {
                Thread.sleep(every.toMillis());
                if (lastBeat > acknowledged.bestAcked()) {
                    continue;
                }
                List<String> lagging = acknowledged.lagging();
                byte[] text = ("heartbeat stream=" + acknowledged.newestIdentity().id()
                        + " pending=" + acknowledged.pending()
                        + (lagging.isEmpty() ? "" : " lagging=" + String.join(",", lagging)))
                        .getBytes(StandardCharsets.US_ASCII);
                long cseq = spool.appendIfRoom(Frames.MARK, text);
                if (cseq > 0) {
                    lastBeat = cseq;
                    spool.flush();
                    spool.requestSync();
                }
            } catch (InterruptedException e) {
                return;
            } catch (IOException e) {
                LOG.error("heartbeat-failed reason=\"{}\"", e.getMessage());
            }
        }
    }

    private static KeyPair loadKey(Path file) throws IOException, GeneralSecurityException {
        try (InputStream in = Files.newInputStream(file)) {
            Iterable<KeyPair> pairs = SecurityUtils.loadKeyPairIdentities(null, NamedResource.ofName(file.toString()),
                    in, null);
            Iterator<KeyPair> it = pairs == null ? null : pairs.iterator();
            if (it == null || !it.hasNext()) {
                throw new IOException("no private key in " + file + " (passphrase-protected keys are not supported)");
            }
            return it.next();
        }
    }
}
