package loghost.housekeeping;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import loghost.config.Settings;
import loghost.store.HostName;
import loghost.store.LogStore;
import loghost.store.StepObserver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code serve}'s housekeeping, one pass every {@code housekeeping.interval} on a thread of its own (README,
 * "Housekeeping"): closes the day files whose UTC day is over, compresses closed files under {@code compress.lock}
 * (so a manual {@code loghost compress} and the server never work at once: whoever comes second skips or is
 * refused), then archives or deletes what retention says. A failure is logged and audited; the next pass retries.
 */
public final class Housekeeper {

    private static final Logger LOG = LoggerFactory.getLogger(Housekeeper.class);

    private final Path data;
    private final LogStore store;
    private final Settings.Housekeeping settings;
    private final Consumer<String> audit;
    private final Compressor compressor;
    private final Retention retention;
    private volatile boolean stopping;
    private final ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "loghost-housekeeping");
        t.setDaemon(true);
        return t;
    });

    /**
     * Housekeeping of the store in {@code data}, auditing through {@code audit}, each crash-safe step told to
     * {@code steps}; call {@link #start()} to run it.
     */
    public Housekeeper(Path data, LogStore store, Settings.Housekeeping settings, Consumer<String> audit,
                       Clock clock, StepObserver steps) {
        this.data = data;
        this.store = store;
        this.settings = settings;
        this.audit = audit;
        this.compressor = new Compressor(new PrintWriter(Writer.nullWriter()), steps);
        this.retention = new Retention(settings, audit, clock, steps);
    }

    /** Runs a first pass now, then one every interval. */
    public Housekeeper start() {
        long every = settings.interval().toMillis();
        thread.scheduleWithFixedDelay(this::runLogged, 0, every, TimeUnit.MILLISECONDS);
        return this;
    }

    private void runLogged() {
        // An exception would cancel every later pass: log it and carry on.
        try {
            runOnce();
        } catch (RuntimeException e) {
            LOG.error("housekeeping-failed reason=\"{}\"", String.valueOf(e.getMessage()).replace("\"", "'"), e);
        }
    }

    /** One pass now: close finished days, then (under compress.lock) compress and apply retention. */
    public void runOnce() {
        for (String host : store.closeFinishedDays()) {
            LOG.info("day-closed host={} (its UTC day is over)", host);
        }
        List<String> hosts;
        try {
            hosts = hostNames(data.resolve("hosts"));
        } catch (IOException e) {
            LOG.error("housekeeping-failed reason=\"cannot list hosts: {}\"", e.getMessage());
            return;
        }
        FileChannel lock;
        try {
            lock = Compressor.lock(data);
        } catch (IOException e) {
            LOG.info("housekeeping-skipped reason=compress-running ({})", e.getMessage());
            return;
        }
        try (lock) {
            for (int i = 0; i < hosts.size(); i++) {
                if (stopping) {
                    // A stopping server waits for this pass within its stop budget only: the rest is left to the
                    // next pass, at the next start (every step is crash-safe).
                    LOG.info("housekeeping-cut-short reason=server-stopping hosts-left={}", hosts.size() - i);
                    return;
                }
                String host = hosts.get(i);
                Path dir = data.resolve("hosts").resolve(host);
                if (settings.compress()) {
                    try {
                        compressor.compressHost(dir, null);
                    } catch (IOException | RuntimeException e) {
                        failed("compress-failed", host, e);
                        continue;
                    }
                }
                retention.host(host, dir);
            }
            retention.recordState(data);
        } catch (IOException e) {
            LOG.error("housekeeping-failed reason=\"releasing compress.lock: {}\"", e.getMessage());
        }
    }

    private void failed(String code, String host, Exception e) {
        String reason = String.valueOf(e.getMessage()).replace("\"", "'");
        LOG.error("{} host={} reason=\"{}\"", code, host, reason);
        audit.accept(code + " host=" + host + " reason=\"" + reason + "\"");
    }

    /** The storable host directories under {@code hosts}, in name order. */
    static List<String> hostNames(Path hosts) throws IOException {
        List<String> names = new ArrayList<>();
        try (DirectoryStream<Path> s = Files.newDirectoryStream(hosts)) {
            for (Path p : s) {
                String n = p.getFileName().toString();
                if (HostName.isStorable(n) && Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                    names.add(n);
                }
            }
        }
        names.sort(null);
        return names;
    }

    /** Asks the pass under way, if any, to stop after the host it works on; no pass starts after this. */
    public void stop() {
        stopping = true;
        thread.shutdown();
    }

    /**
     * Waits at most {@code within} for the pass under way to stop (see {@link #stop()}); false when it still runs.
     * What a pass leaves undone is crash-safe and done by the next pass, at the next start.
     */
    public boolean awaitStopped(Duration within) throws InterruptedException {
        return thread.awaitTermination(within.toNanos(), TimeUnit.NANOSECONDS);
    }
}
