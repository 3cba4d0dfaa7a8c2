package loghost.pull;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import loghost.audit.AuditTrail;
import loghost.config.PullSettings;
import loghost.config.Settings;
import loghost.store.DataDirectory;
import loghost.store.LogStore;
import loghost.store.StoreFiles;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The pull sources {@code loghost serve} runs, each on a thread of its own, beside the SSH server. */
public final class PullSources implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(PullSources.class);
    /** The directory of the sources' state files, for {@code loghost status}. */
    public static final String STATE_DIR = "pull";

    private final PullSettings settings;
    private final Path data;
    private final WriterLock lock;
    private final List<PullSource> running = new ArrayList<>();
    private final List<Thread> threads = new ArrayList<>();

    private PullSources(PullSettings settings, Path data, WriterLock lock) {
        this.settings = settings;
        this.data = data;
        this.lock = lock;
    }

    /** Takes the data directory's writer lock (before the server opens any chain); nothing runs yet. */
    public static PullSources lock(Path data, PullSettings settings) throws IOException {
        Path d = data.toAbsolutePath().normalize();
        DataDirectory.prepare(d);
        return new PullSources(settings, d, WriterLock.acquire(d));
    }

    /** Starts every configured source on {@code store}, auditing into {@code audit}. */
    public void start(Settings server, LogStore store, AuditTrail audit) throws IOException {
        if (settings.sources().isEmpty()) {
            return;
        }
        Path stateDir = data.resolve(STATE_DIR);
        StoreFiles.createOrCheckPrivateDirectory(stateDir, "pull state directory");
        for (PullSettings.Source s : settings.sources()) {
            PullSource source = new PullSource(s, settings, server, store, audit, stateDir);
            Thread t = new Thread(source::runForever, "loghost-pull-" + s.host());
            t.setDaemon(true);
            running.add(source);
            threads.add(t);
            t.start();
            LOG.info("pull-source host={} address={}:{} follow={} collect={}", s.host(), s.address(), s.port(),
                    s.follow().size(), s.collect().size());
        }
    }

    /** Asks every source to stop: each closes its connection and ends its wait, if it waits. */
    public void stop() {
        running.forEach(PullSource::stop);
    }

    /** Waits at most {@code within}, for all sources together, until they have stopped; the hosts still running. */
    public List<String> awaitStopped(Duration within) throws InterruptedException {
        long end = System.nanoTime() + within.toNanos();
        List<String> left = new ArrayList<>();
        for (int i = 0; i < threads.size(); i++) {
            long ms = TimeUnit.NANOSECONDS.toMillis(end - System.nanoTime());
            if (ms > 0) {
                threads.get(i).join(ms);
            }
            if (threads.get(i).isAlive()) {
                left.add(running.get(i).host());
            }
        }
        return left;
    }

    /** Releases the data directory's writer lock: after the logs the sources wrote are closed. */
    @Override
    public void close() throws IOException {
        lock.close();
    }
}
