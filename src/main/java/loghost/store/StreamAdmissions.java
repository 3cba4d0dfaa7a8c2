package loghost.store;

import java.util.HashMap;
import java.util.Map;

/**
 * Sessions admitted to a host's acknowledged streams, with how many sessions hold each: a new stream counts against
 * the cap from its HELLO on, not from its first record, so that HELLOs racing each other cannot pass it together.
 * Not thread-safe: its {@link HostLog} uses it under its lock, with the check and the admission as one step.
 */
final class StreamAdmissions {

    private final Map<String, Integer> admitted = new HashMap<>();

    /**
     * Admits one session to {@code stream}: true when {@code streams} holds it, or holds fewer than {@code max}
     * streams counting those admitted without a record yet; the session then counts until {@link #leave}.
     */
    boolean admit(StreamPositions streams, String stream, int max) {
        if (!streams.has(stream) && !admitted.containsKey(stream)) {
            int count = streams.count();
            for (String s : admitted.keySet()) {
                if (!streams.has(s)) {
                    count++;
                }
            }
            if (count >= max) {
                return false;
            }
        }
        admitted.merge(stream, 1, Integer::sum);
        return true;
    }

    /** Ends one admission: a stream left without a record no longer counts. */
    void leave(String stream) {
        admitted.computeIfPresent(stream, (s, n) -> n == 1 ? null : n - 1);
    }
}
