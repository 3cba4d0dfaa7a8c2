package loghost.pull;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorCompletionService;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import loghost.audit.AuditTrail;
import loghost.config.PullSettings;
import loghost.config.Settings;
import loghost.refusal.Refusal;
import loghost.ssh.ClientAlgorithms;
import loghost.ssh.PrivateKeyFile;
import loghost.store.LogStore;
import loghost.store.StorageException;
import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.NamedResource;
import org.apache.sshd.common.util.security.SecurityUtils;
import org.apache.sshd.core.CoreModuleProperties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One pull source: connects to the host with its pinned host key, follows its files and collects its files, and
 * after any failure reconnects with backoff; the other sources are not affected.
 */
public final class PullSource {

    private static final Logger LOG = LoggerFactory.getLogger(PullSource.class);
    private static final Logger REFUSAL = LoggerFactory.getLogger("loghost.refusal");

    private final PullSettings.Source source;
    private final PullSettings settings;
    private final Settings server;
    private final LogStore store;
    private final AuditTrail audit;
    private final PullState state;
    private final Path data;
    private final Path lastReadDir;
    private final AtomicLong storedThisConnection = new AtomicLong();
    private volatile boolean stopped;
    // Wakes the waits between connections and between collections at once: a stopping server waits for no backoff.
    private final CountDownLatch stopSignal = new CountDownLatch(1);
    private volatile SshClient client;
    private String auditedRefusal;
    private volatile String auditedCollectRefusal;

    /** A source writing into {@code store}, auditing into {@code audit}, with its state in {@code stateDir}. */
    public PullSource(PullSettings.Source source, PullSettings settings, Settings server, LogStore store,
            AuditTrail audit, Path stateDir) {
        this.source = source;
        this.settings = settings;
        this.server = server;
        this.store = store;
        this.audit = audit;
        this.state = new PullState(stateDir.resolve(source.host()));
        this.data = stateDir.getParent();
        this.lastReadDir = stateDir.resolve("read");
    }

    /** The state word: starting, connecting, connected, retrying, refused, stopped. */
    public String stateWord() {
        return state.state();
    }

    /** The host name this source's records are filed under. */
    public String host() {
        return source.host();
    }

    /** Runs until {@link #stop()}: connect, pull, and after any failure wait and connect again. */
    public void runForever() {
        Duration wait = settings.backoffMin();
        while (!stopped) {
            storedThisConnection.set(0);
            try {
                pull(false);
            } catch (PullFailure | StorageException | IOException | GeneralSecurityException e) {
                if (stopped) {
                    break;
                }
                if (!(e instanceof HostKeyRefused)) {
                    LOG.warn("pull-failed source={} reason={}", source.host(), PullFailure.quote(String.valueOf(
                            e.getMessage())));
                    state.state("retrying", e.getMessage());
                }
            } catch (InterruptedException e) {
                break;
            } catch (RuntimeException e) {
                // A bug must not end this host's pulling for good: said with its stack, then retried like a failure.
                LOG.error("pull-failed source={} reason=\"internal error\"", source.host(), e);
                state.state("retrying", "internal error: " + e);
            }
            if (storedThisConnection.get() > 0) {
                wait = settings.backoffMin();
            }
            long ms = (long) (wait.toMillis() * (0.8 + 0.4 * ThreadLocalRandom.current().nextDouble()));
            try {
                if (stopSignal.await(ms, TimeUnit.MILLISECONDS)) {
                    break;
                }
            } catch (InterruptedException e) {
                break;
            }
            Duration doubled = wait.multipliedBy(2);
            wait = doubled.compareTo(settings.backoffMax()) > 0 ? settings.backoffMax() : doubled;
        }
        state.state("stopped", null);
    }

    /** Connects once, brings every followed file up to its current end and collects once; throws on any failure. */
    public void runOnce() throws PullFailure, StorageException, IOException, GeneralSecurityException,
            InterruptedException {
        try {
            pull(true);
            state.state("once-done", null);
        } catch (HostKeyRefused e) {
            throw e; // its state says refused already
        } catch (PullFailure | StorageException | IOException | GeneralSecurityException e) {
            state.state("once-failed", e.getMessage());
            throw e;
        }
    }

    /** Stops the source: its connection is closed, {@link #runForever()} returns; does not wait for either. */
    public void stop() {
        stopped = true;
        stopSignal.countDown();
        SshClient c = client;
        if (c != null) {
            // Closed at once, not waited for (stop() would wait up to MINA's STOP_WAIT_TIME, a minute, for each
            // source in turn): the source's own thread waits for it, within the server's stop budget.
            c.close(true);
        }
    }

    private void pull(boolean once) throws PullFailure, StorageException, IOException, GeneralSecurityException,
            InterruptedException {
        state.state("connecting", null);
        KeyPair key = loadKey(source.key());
        PinnedHostKey pinned = new PinnedHostKey(source.knownHost());
        SshClient c = SshClient.setUpDefaultClient();
        ClientAlgorithms.apply(c, server.crypto());
        c.setServerKeyVerifier(pinned);
        CoreModuleProperties.HEARTBEAT_INTERVAL.set(c, Duration.ofSeconds(15));
        CoreModuleProperties.HEARTBEAT_NO_REPLY_MAX.set(c, 4);
        Duration timeout = server.ssh().authTimeout();
        client = c;
        c.start();
        try {
            if (stopped) {
                return;
            }
            ClientSession session;
            try {
                session = c.connect(source.user(), source.address(), source.port()).verify(timeout).getSession();
                session.addPublicKeyIdentity(key);
                session.auth().verify(timeout);
            } catch (IOException e) {
                if (pinned.refusedFingerprint() != null) {
                    throw hostKeyRefused(pinned.refusedFingerprint());
                }
                throw new PullFailure("cannot connect to " + source.address() + ":" + source.port() + ": "
                        + e.getMessage(), e);
            }
            auditedRefusal = null;
            LOG.info("pull-connected source={} address={}:{}", source.host(), source.address(), source.port());
            state.state("connected", null);
            RemoteHost remote = new RemoteHost(session, timeout, server.ssh().idleTimeout());
            runAll(remote, once);
        } finally {
            client = null;
            c.stop();
        }
    }

    // Each followed file on a thread of its own, on the one connection; the first failure ends them all.
    private void runAll(RemoteHost remote, boolean once) throws PullFailure, StorageException, InterruptedException,
            IOException {
        List<FollowedFile> files = new ArrayList<>();
        for (String p : source.follow()) {
            files.add(new FollowedFile(source.host(), p, source.fromStart(), store.host(source.host()),
                    server.store().maxLineBytes(), n -> {
                        storedThisConnection.addAndGet(n);
                        state.stored(n);
                    }, lastReadDir.resolve(source.host() + "." + FollowedFile.pathTag(p))));
        }
        List<java.util.concurrent.Callable<Void>> tasks = new ArrayList<>();
        for (FollowedFile f : files) {
            tasks.add(() -> {
                f.run(remote, once);
                return null;
            });
        }
        if (source.journal()) {
            FollowedJournal journal = new FollowedJournal(source.host(), source.fromStart(), store.host(source.host()),
                    server.store().maxLineBytes(), n -> {
                        storedThisConnection.addAndGet(n);
                        state.stored(n);
                    });
            tasks.add(() -> {
                journal.run(remote, once);
                return null;
            });
        }
        if (!source.collect().isEmpty()) {
            FileCollector collector = new FileCollector(source.host(), source.collect(), store.host(source.host()),
                    CollectedFiles.open(data, source.host()), java.time.Clock.systemUTC(), this::auditCollectRefusal,
                    settings.collectMaxBytes());
            tasks.add(() -> {
                while (true) {
                    FileCollector.Round r = collector.round(remote);
                    state.collected(r.errors().isEmpty() ? null : r.errors().size() + " file(s) not collected: "
                            + r.errors().get(0));
                    if (once) {
                        if (!r.errors().isEmpty()) {
                            throw new PullFailure(r.errors().size() + " file(s) not collected: "
                                    + String.join("; ", r.errors()));
                        }
                        return null;
                    }
                    if (stopSignal.await(source.collectInterval().toMillis(), TimeUnit.MILLISECONDS)) {
                        return null;
                    }
                }
            });
        }
        if (tasks.isEmpty()) {
            return;
        }
        ExecutorService pool = Executors.newFixedThreadPool(tasks.size(), r -> {
            Thread t = new Thread(r, "loghost-pull-" + source.host());
            t.setDaemon(true);
            return t;
        });
        try {
            ExecutorCompletionService<Void> done = new ExecutorCompletionService<>(pool);
            List<Future<Void>> running = new ArrayList<>();
            for (java.util.concurrent.Callable<Void> t : tasks) {
                running.add(done.submit(t));
            }
            for (int i = 0; i < running.size(); i++) {
                try {
                    done.take().get();
                } catch (ExecutionException e) {
                    Throwable cause = e.getCause();
                    if (cause instanceof PullFailure pf) {
                        throw pf;
                    }
                    if (cause instanceof StorageException se) {
                        throw se;
                    }
                    if (cause instanceof IOException io) {
                        throw new PullFailure(io.getMessage(), io);
                    }
                    throw new PullFailure("pull of " + source.host() + " failed: " + cause, cause);
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private PullFailure hostKeyRefused(String presented) {
        String line = Refusal.PULL_HOST_KEY_MISMATCH.logPrefix() + " source=" + source.address() + ":"
                + source.port() + " host=" + source.host() + " presented=" + presented + " expected="
                + source.knownHostFingerprint();
        REFUSAL.warn("{}", line);
        // Audited once per presented key, not at every retry: the log line above repeats, the evidence need not.
        if (!presented.equals(auditedRefusal)) {
            audit.refusal(line);
            auditedRefusal = presented;
        }
        state.state("refused", "host key " + presented + " is not the configured " + source.knownHostFingerprint());
        return new HostKeyRefused("host key of " + source.host() + " refused: " + presented);
    }

    // As for a host key: logged at every retry, audited again only when the source says something new.
    private void auditCollectRefusal(String line) {
        if (!line.equals(auditedCollectRefusal)) {
            audit.refusal(line);
            auditedCollectRefusal = line;
        }
    }

    private static KeyPair loadKey(Path file) throws IOException, GeneralSecurityException, PullFailure {
        try {
            PrivateKeyFile.checkClosedToOthers(file);
        } catch (IllegalArgumentException e) {
            throw new PullFailure(e.getMessage(), e);
        }
        try (InputStream in = Files.newInputStream(file)) {
            var keys = SecurityUtils.loadKeyPairIdentities(null, NamedResource.ofName(file.toString()), in, null);
            if (keys == null || !keys.iterator().hasNext()) {
                throw new IOException("no key in " + file);
            }
            return keys.iterator().next();
        }
    }

    /** The source's host key was not the configured one: nothing was read. */
    public static final class HostKeyRefused extends PullFailure {
        private static final long serialVersionUID = 1L;

        HostKeyRefused(String message) {
            super(message);
        }
    }
}
