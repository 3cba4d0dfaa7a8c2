package loghost.audit;

/** A token bucket: up to {@code capacity} at once, refilled at {@code perSecond}. */
public final class TokenBucket {

    private final long capacity;
    private final double perNano;
    private double tokens;
    private long last = System.nanoTime();

    /** A full bucket of {@code capacity} tokens, refilled at {@code perSecond}. */
    public TokenBucket(long capacity, double perSecond) {
        this.capacity = capacity;
        this.perNano = perSecond / 1e9;
        this.tokens = capacity;
    }

    /** Takes one token if there is one. */
    public synchronized boolean tryTake() {
        long now = System.nanoTime();
        tokens = Math.min(capacity, tokens + (now - last) * perNano);
        last = now;
        if (tokens >= 1) {
            tokens -= 1;
            return true;
        }
        return false;
    }
}
