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
    /** The longest wait between connection attempts while lines wait for the loghost (30 s otherwise). */
    static final Duration RECONNECT_MAX_PENDING = Duration.ofSeconds(5);

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
    }

    /**
     * Runs until the source ends and everything is acknowledged by every destination (stdin), or until interrupted.
     * {@code stream} is the stream's name; the spool makes it {@code NAME.R} (see {@link StreamIdentity}). Returns
     * the destinations whose host key was refused and those that do not have everything (stdin only: ones that
     * lagged longer than the max lag).
     */
    public static Outcome run(List<String> to, Path keyFile, Path knownHosts, Path spoolDir, long spoolMax,
                                   String stream, Duration heartbeat, Duration destinationMaxLag, SourceSpec source,
                                   Path ackLog) throws IOException, GeneralSecurityException, InterruptedException {
        if (!StreamIdentity.NAME.matcher(stream).matches()) {
            throw new IllegalArgumentException("stream name \"" + stream + "\" must match "
                    + StreamIdentity.NAME.pattern() + " (the spool appends a dot and 16 random hex digits)");
        }
        List<Destination> destinations = new ArrayList<>();
        for (String t : to) {
            Destination d = Destination.parse(t);
            if (destinations.stream().anyMatch(o -> o.name().equals(d.name()))) {
                throw new IllegalArgumentException("--to " + d.name() + " is given twice");
            }
            destinations.add(d);
        }
        if (destinations.isEmpty()) {
            throw new IllegalArgumentException("give at least one destination: --to HOST:PORT");
        }
        ForwardSettings settings = new ForwardSettings(destinations, keyFile, knownHosts, spoolDir, spoolMax,
                heartbeat, Duration.ofMillis(500), Duration.ofSeconds(30), RECONNECT_MAX_PENDING, destinationMaxLag,
                ackLog);
        KeyPair key = loadKey(keyFile);
        try (Spool spool = Spool.open(spoolDir, spoolMax)) {
            // The identity is on disk before the first entry is spooled; each destination's is in the spool state.
            spool.acknowledgements().bind(destinations, StreamIdentity.open(spool, stream), destinationMaxLag);
            Sources.Source src;
            if (source instanceof SourceSpec.Stdin s) {
                src = Sources.stdin(spool, s.in());
            } else if (source instanceof SourceSpec.Fifo f) {
                src = Sources.fifo(spool, f.path());
            } else {
                SourceSpec.File f = (SourceSpec.File) source;
                src = Sources.file(spool, f.path(), f.fromStart(), 200);
            }
            Thread beat = new Thread(() -> heartbeats(spool, heartbeat), "loghost-forward-heartbeat");
            beat.setDaemon(true);
            AtomicBoolean sourceDone = new AtomicBoolean();
            AtomicReference<Exception> sourceFailure = new AtomicReference<>();
            Thread reader = new Thread(() -> {
                try {
                    src.run();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } catch (IOException | RuntimeException e) {
                    sourceFailure.set(e);
                    LOG.error("source-failed reason=\"{}\"", e.toString());
                } finally {
                    // No heartbeat after the source's last line: "done" must mean every spooled entry is sent.
                    beat.interrupt();
                    try {
                        beat.join();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    sourceDone.set(true);
                    spool.wakeSenders(); // a sender that has everything acknowledged may end now
                }
            }, "loghost-forward-source");
            reader.setDaemon(true);
            if (!heartbeat.isZero()) {
                beat.start();
            }
            reader.start();
            // A source that should run forever and stopped has failed: end, so that the supervisor restarts us.
            Sender.FailureAware done = new Sender.FailureAware() {
                @Override
                public boolean getAsBoolean() {
                    return failed() || src.ends() && sourceDone.get() && !spool.gapPending();
                }

                @Override
                public boolean failed() {
                    return sourceFailure.get() != null;
                }
            };
            Deliveries deliveries = new Deliveries(settings, spool, key, done);
            try {
                deliveries.run();
            } finally {
                reader.interrupt();
                beat.interrupt();
            }
            if (sourceFailure.get() != null) {
                throw new IOException("source failed: " + sourceFailure.get().getMessage(), sourceFailure.get());
            }
            return new Outcome(List.copyOf(deliveries.refused()), List.copyOf(deliveries.behind()));
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
