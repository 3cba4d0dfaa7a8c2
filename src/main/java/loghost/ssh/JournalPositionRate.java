package loghost.ssh;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import loghost.audit.TokenBucket;

/**
 * How often one host may ask where its pushed journals stand ({@code append-log --journal-position}): each answer
 * costs an fsync of the host's log, and the shipped script asks once per round. Beyond {@link #BURST} at once and
 * {@link #PER_SECOND} after that, a request is refused; of those refusals, one per host per {@link #AUDIT_WINDOW} is
 * logged and audited (with the count of those it stood for), so a flood writes a few records, not one per request.
 */
final class JournalPositionRate {

    /** Requests one host may make at once. */
    static final int BURST = 10;
    /** Requests one host may make per second after the burst. */
    static final int PER_SECOND = 1;
    /** At most one refusal of a host is reported per window. */
    static final Duration AUDIT_WINDOW = Duration.ofSeconds(10);

    // One entry per host that asked: hosts are the enrolled ones (the key's), so this is bounded by the keys file.
    private final Map<String, Host> hosts = new ConcurrentHashMap<>();

    /** What to do with one request: go on, or refuse it, reporting the refusal or only counting it. */
    record Decision(boolean allowed, boolean report, long notReported) {
    }

    private static final Decision ALLOWED = new Decision(true, false, 0);
    private static final Decision QUIET = new Decision(false, false, 0);

    /** Takes one request of {@code host} into account. */
    Decision admit(String host) {
        Host h = hosts.computeIfAbsent(host, x -> new Host());
        if (h.bucket.tryTake()) {
            return ALLOWED;
        }
        synchronized (h) {
            long now = System.nanoTime();
            if (h.reported != 0 && now - h.reported < AUDIT_WINDOW.toNanos()) {
                h.notReported++;
                return QUIET;
            }
            h.reported = now == 0 ? 1 : now;
            long before = h.notReported;
            h.notReported = 0;
            return new Decision(false, true, before);
        }
    }

    /** One host's requests: its bucket, when a refusal was last reported, how many were refused since. */
    private static final class Host {
        final TokenBucket bucket = new TokenBucket(BURST, PER_SECOND);
        long reported;
        long notReported;
    }
}
