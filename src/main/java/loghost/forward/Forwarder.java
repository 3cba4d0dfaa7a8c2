package loghost.forward;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.util.Iterator;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import loghost.protocol.Frames;
import org.apache.sshd.common.NamedResource;
import org.apache.sshd.common.util.security.SecurityUtils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** {@code loghost forward}, wired: one source into the spool, heartbeats into the spool, the spool to the loghost. */
public final class Forwarder {

    private static final Logger LOG = LoggerFactory.getLogger(Forwarder.class);

    private Forwarder() {
    }

    /** Which source to read. */
    public sealed interface SourceSpec {
        /** Standard input, until end of file; the forwarder exits once all of it is acknowledged. */
        record Stdin(InputStream in) implements SourceSpec {
        }

        /** A FIFO, reopened whenever its writer closes it. */
        record Fifo(Path path) implements SourceSpec {
        }

        /** A file followed like tail -F. */
        record File(Path path) implements SourceSpec {
        }
    }

    /** Runs until the source ends and everything is acknowledged (stdin), or until interrupted. */
    public static void run(String host, int port, Path keyFile, Path knownHosts, Path spoolDir, long spoolMax,
                           String stream, java.time.Duration heartbeat, SourceSpec source, Path ackLog)
            throws IOException, GeneralSecurityException, InterruptedException {
        if (!Frames.STREAM_ID.matcher(stream).matches()) {
            throw new IllegalArgumentException("stream id \"" + stream + "\" must match " + Frames.STREAM_ID.pattern());
        }
        ForwardSettings settings = new ForwardSettings(host, port, keyFile, knownHosts, spoolDir, spoolMax, stream,
                heartbeat, java.time.Duration.ofMillis(500), java.time.Duration.ofSeconds(30), ackLog);
        KeyPair key = loadKey(keyFile);
        try (Spool spool = Spool.open(spoolDir, spoolMax)) {
            Sources.Source src;
            if (source instanceof SourceSpec.Stdin s) {
                src = Sources.stdin(spool, s.in());
            } else if (source instanceof SourceSpec.Fifo f) {
                src = Sources.fifo(spool, f.path());
            } else {
                Path p = ((SourceSpec.File) source).path();
                src = Sources.file(spool, p, "file:" + p.toAbsolutePath(), 200);
            }
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
                    sourceDone.set(true);
                }
            }, "loghost-forward-source");
            reader.setDaemon(true);
            reader.start();
            Thread beat = new Thread(() -> heartbeats(spool, stream, heartbeat), "loghost-forward-heartbeat");
            beat.setDaemon(true);
            if (!src.ends() && !heartbeat.isZero()) {
                beat.start();
            }
            try {
                // A source that should run forever and stopped has failed: end, so that the supervisor restarts us.
                new Sender(settings, spool, key).run(new Sender.FailureAware() {
                    @Override
                    public boolean getAsBoolean() {
                        return failed() || src.ends() && sourceDone.get() && !spool.gapPending();
                    }

                    @Override
                    public boolean failed() {
                        return sourceFailure.get() != null;
                    }
                });
            } finally {
                reader.interrupt();
                beat.interrupt();
            }
            if (sourceFailure.get() != null) {
                throw new IOException("source failed: " + sourceFailure.get().getMessage(), sourceFailure.get());
            }
        }
    }

    private static void heartbeats(Spool spool, String stream, java.time.Duration every) {
        while (!Thread.currentThread().isInterrupted()) {
            try {
                Thread.sleep(every.toMillis());
                byte[] text = ("heartbeat stream=" + stream + " pending=" + (spool.lastCseq() - spool.ackedCseq()))
                        .getBytes(StandardCharsets.US_ASCII);
                spool.append(Frames.MARK, null, -1, text);
                spool.sync();
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
