package loghost.store;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** All hosts' chains under {@code DATA/hosts}: one {@link HostLog} per host, opened (and recovered) on first use. */
public final class LogStore implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(LogStore.class);

    private final Path hostsDir;
    private final Path streamsDir;
    private final DigestAlgorithm algorithm;
    private final Clock clock;
    private final SyncPolicy syncPolicy;
    private final ConcurrentMap<String, HostLog> open = new ConcurrentHashMap<>();
    // The lock each host's first open is made under, while it is being opened.
    private final ConcurrentMap<String, Object> openers = new ConcurrentHashMap<>();
    private boolean closed; // guarded by open

    /** A store rooted at {@code hostsDir}; new chains use {@code algorithm}; every chain syncs by {@code policy}. */
    public LogStore(Path hostsDir, DigestAlgorithm algorithm, Clock clock, SyncPolicy policy) throws IOException {
        this.syncPolicy = policy;
        this.hostsDir = hostsDir.toAbsolutePath().normalize();
        // Acknowledged streams' positions live beside the logs, not among them: verify allows only day files there.
        this.streamsDir = this.hostsDir.resolveSibling("streams");
        this.algorithm = algorithm;
        this.clock = clock;
        StoreFiles.createOrCheckPrivateDirectory(this.hostsDir, "hosts directory");
        StoreFiles.createOrCheckPrivateDirectory(this.streamsDir, "streams directory");
    }

    /** The clock that stamps every record's receive time (TIME). */
    public Clock clock() {
        return clock;
    }

    /** The chain of {@code host}, opening it if needed; the name is re-checked here so no caller can pick a path. */
    public HostLog host(String host) throws StorageException {
        if (!HostName.isStorable(host)) {
            throw new StorageException("refusing host name that is not storable: " + host);
        }
        Path dir = hostsDir.resolve(host).normalize();
        if (!hostsDir.equals(dir.getParent())) {
            throw new StorageException("host directory escapes the store: " + host);
        }
        HostLog log = open.get(host);
        if (log != null) {
            return log;
        }
        // One opener per host: a recovery scan (a long day file read for stream positions, a slow disk) holds up only
        // its own host's sessions, which wait here for it; a failed open registers nothing, so the next caller (one
        // waiting here included) tries again.
        Object opener = openers.computeIfAbsent(host, h -> new Object());
        synchronized (opener) {
            log = open.get(host);
            if (log == null) {
                log = register(host, HostLog.open(host, dir, streamsDir.resolve(host), algorithm, clock, syncPolicy));
                // Later callers find the log in open first; one still waiting on this opener finds it there too.
                openers.remove(host, opener);
            }
            return log;
        }
    }

    // Adds an opened log under the registry's lock (held only for the map, never for I/O), so that close() either
    // sees it or this finds the store closed and closes the log itself: no log opened during a shutdown is lost.
    private HostLog register(String host, HostLog log) throws StorageException {
        synchronized (open) {
            if (!closed) {
                open.put(host, log);
                return log;
            }
        }
        StorageException refused = new StorageException("log of host " + host + " is closed (server shutting down)");
        try {
            log.close();
        } catch (StorageException e) {
            refused.addSuppressed(e);
        }
        throw refused;
    }

    /**
     * Opens every existing host chain now, so that crash damage (a torn final line) is repaired and logged at
     * start rather than at the host's next session. A chain that cannot be opened is logged and left closed;
     * its sessions will be refused until it is fixed. Returns the chains whose torn tail was repaired.
     */
    public List<HostLog> recoverAll() throws IOException {
        List<HostLog> repaired = new ArrayList<>();
        try (java.nio.file.DirectoryStream<Path> dirs = java.nio.file.Files.newDirectoryStream(hostsDir)) {
            for (Path d : dirs) {
                String name = d.getFileName().toString();
                if (!java.nio.file.Files.isDirectory(d) || !HostName.isStorable(name)) {
                    LOG.warn("unexpected-entry path={} (not a host directory; ignored)", d);
                    continue;
                }
                try {
                    HostLog log = host(name);
                    if (log.tornBytesRepaired() > 0) {
                        repaired.add(log);
                    }
                } catch (StorageException e) {
                    LOG.error("host-log-unusable host={} reason=\"{}\"", name, e.getMessage());
                }
            }
        }
        LOG.info("store-open hosts={} dir={}", open.size(), hostsDir);
        return repaired;
    }

    /** The chains opened so far (every existing one after {@link #recoverAll()}), in no particular order. */
    public List<HostLog> openLogs() {
        return new ArrayList<>(open.values());
    }

    /** The directory every host's log directory is in. */
    public Path hostsDir() {
        return hostsDir;
    }

    /**
     * Closes every open chain's day file whose UTC day is over (see {@link HostLog#closeDayIfOver()}); returns the
     * hosts closed. A failure is logged and leaves that chain as it was (the next call tries again).
     */
    public List<String> closeFinishedDays() {
        List<String> closedHosts = new ArrayList<>();
        for (HostLog log : open.values()) {
            try {
                if (log.closeDayIfOver()) {
                    closedHosts.add(log.host());
                }
            } catch (StorageException e) {
                LOG.error("day-close-failed host={} reason=\"{}\"", log.host(), e.getMessage());
            }
        }
        closedHosts.sort(null);
        return closedHosts;
    }

    /** The policy every chain of this store syncs by. */
    public SyncPolicy syncPolicy() {
        return syncPolicy;
    }

    /**
     * The sync policy's sweep over every open chain: syncs what was written since the last sync, parks idle day
     * files; a failure is logged and leaves that chain out of service.
     */
    public void sweepAll() {
        for (HostLog log : open.values()) {
            if (log.outOfService()) {
                continue; // reported once, as storage-broken, when it happened
            }
            try {
                log.sweep();
            } catch (StorageException e) {
                LOG.error("fsync-failed host={} reason=\"{}\"", log.host(), e.getMessage());
            }
        }
    }

    /** Syncs and closes all chains; reports every failure, not just the first. */
    @Override
    public void close() throws StorageException {
        List<HostLog> logs;
        synchronized (open) {
            closed = true;
            logs = new ArrayList<>(open.values());
            open.clear();
        }
        List<StorageException> failures = new ArrayList<>();
        for (HostLog log : logs) {
            try {
                log.close();
            } catch (StorageException e) {
                failures.add(e);
            }
        }
        if (!failures.isEmpty()) {
            StorageException first = failures.get(0);
            failures.subList(1, failures.size()).forEach(first::addSuppressed);
            throw first;
        }
    }
}
